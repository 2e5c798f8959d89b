"""Benchmark 4: import a generated roster .xlsx into a fresh SQLite database.

    .venv/bin/python bench/import_roster.py --rows 50000     # full size (record in RESULTS.md)
    .venv/bin/python bench/import_roster.py --rows 500       # smoke size (run by the tests)

The file is generated first in a separate process, so the peak RSS reported is the import's.
Then, in one more process, the roster is only read (every cell, no validation) by the
import's reader (python-calamine) and by openpyxl's read-only mode, for their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROSTER_HEADER = ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Đơn vị",
                 "Vị trí việc làm", "Chức vụ", "Loại", "Lãnh đạo", "Người đánh giá",
                 "Trình độ chuyên môn", "Lý luận chính trị", "Đảng viên", "Quy hoạch",
                 "Ngày vào cơ quan"]


def generate(folder: Path, rows: int) -> None:
    """Units, catalogue and a roster of `rows` people (8 per unit, the first one leads)."""
    from openpyxl import Workbook

    units = (rows + 7) // 8
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên", "Cấp", "Khối", "Kỳ đánh giá"])
    ws.append(["TINH", "Tỉnh", "", "Tỉnh", "", "Tháng"])
    for u in range(units):
        ws.append([f"U{u:05d}", f"Đơn vị số {u}", "TINH", "Xã" if u % 2 else "Tỉnh", "", ""])
    wb.save(folder / "units.xlsx")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Mã vị trí", "Tên vị trí", "Mã sản phẩm", "Tên sản phẩm", "Đơn vị tính", "Loại",
               "Hệ số", "Nhóm chỉ số", "Chuyển đổi số", "Chỉ tiêu mặc định"])
    ws.append(["LD", "Lãnh đạo", "LD01", "Nhiệm vụ hoàn thành", "nhiệm vụ", "Số lượng", "1", 1,
               "Không", 8])
    ws.append(["CV", "Chuyên viên", "CV01", "Văn bản tham mưu", "văn bản", "Số lượng", "1", 1,
               "Không", 10])
    wb.save(folder / "catalogue.xlsx")
    surnames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
    given = ["Văn An", "Thị Bình", "Đức Cường", "Thị Dung", "Minh Đức", "Ngọc Hà", "Quang Huy",
             "Thu Hương", "Hữu Lâm", "Thanh Mai"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(ROSTER_HEADER)
    for i in range(rows):
        unit = i // 8
        leader = i % 8 == 0
        evaluator = "" if unit == 0 and leader else (f"C{(unit * 8):06d}" if not leader
                                                     else "C000000")
        ws.append([f"C{i:06d}", f"{surnames[i % 10]} {given[(i // 10) % 10]}",
                   f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1965 + i % 35}", "Nữ" if i % 2 else "Nam",
                   f"09{i:08d}", f"U{unit:05d}", "LD" if leader else "CV",
                   "Trưởng phòng" if leader else "Chuyên viên", "Công chức",
                   "Có" if leader else "Không", evaluator, "Đại học", "Trung cấp", "Có", "",
                   "01/01/2015"])
    wb.save(folder / "roster.xlsx")


async def run_import(folder: Path, url: str) -> dict:
    from bot.clock import Clock
    from bot.db import Database
    from bot.migrate import upgrade_engine
    from bot.services.imports.apply import import_catalogue, import_roster, import_units

    db = Database(url)
    await upgrade_engine(db.engine)
    now = Clock().now()
    async with db.session() as s:
        assert (await import_units(s, folder / "units.xlsx", now=now)).ok
        assert (await import_catalogue(s, folder / "catalogue.xlsx", now=now)).ok
    started = time.perf_counter()
    async with db.session() as s:
        report = await import_roster(s, folder / "roster.xlsx", now=now)
    first = time.perf_counter() - started
    started = time.perf_counter()
    async with db.session() as s:
        again = await import_roster(s, folder / "roster.xlsx", now=now)
    second = time.perf_counter() - started
    await db.dispose()
    assert report.ok and report.created > 0 and again.unchanged == report.created, report.problems[:5]
    return {"rows": report.created, "first": first, "again": second}


def compare_readers(path: Path) -> dict:
    """Seconds to read every cell of `path`: the import's reader, then openpyxl's streaming
    read-only mode (what the import used before issue #23)."""
    from openpyxl import load_workbook

    from bot.services.imports.reading import _raw_rows

    started = time.perf_counter()
    calamine_cells = sum(len(row) for row in _raw_rows(path, None).rows)
    calamine = time.perf_counter() - started
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    openpyxl_cells = sum(len(row) for row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    openpyxl = time.perf_counter() - started
    assert calamine_cells == openpyxl_cells, (calamine_cells, openpyxl_cells)
    return {"calamine": calamine, "openpyxl": openpyxl}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--compare-readers", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database, e.g. postgresql+asyncpg://…/db (default SQLite)")
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows)
        return
    if args.compare_readers:
        times = compare_readers(args.compare_readers)
        print(f"reading only: python-calamine {times['calamine']:.1f} s, openpyxl read-only "
              f"{times['openpyxl']:.1f} s ({times['openpyxl'] / times['calamine']:.0f}× faster)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--generate",
                        str(folder)], check=True)
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        result = asyncio.run(run_import(folder, url))
        readers = subprocess.run([sys.executable, __file__, "--compare-readers",
                                  str(folder / "roster.xlsx")], check=True, capture_output=True,
                                 text=True).stdout.strip()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"roster import: {result['rows']} rows in {result['first']:.1f} s "
          f"({result['rows'] / result['first']:.0f} rows/s); re-import (nothing changes) "
          f"{result['again']:.1f} s; peak RSS {peak_mb:.0f} MB")
    print(readers)


if __name__ == "__main__":
    main()
