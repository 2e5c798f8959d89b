"""The files offices send (issue #23 §2–3): legacy .xls and .ods read like .xlsx, a file that is
not a spreadsheet gets one Vietnamese sentence, rows are numbered as Excel numbers them, change
summaries name the Vietnamese columns, and the progress bar knows the total."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.services.imports.apply import import_catalogue, import_roster, import_units
from bot.services.imports.reading import FileProblem, count_rows
from models import Cadre, ProductType
from tests.test_import import CATALOGUE, HEADER, UNITS, base, person, write

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["roster.xls", "roster.ods"])
async def test_legacy_xls_and_ods_files_import_like_xlsx(db, tmp_path, clock, name):
    """tests/data/make_legacy_fixtures.py says how the two files were written (xlwt, odfpy):
    a date cell, a date typed as text, Vietnamese names."""
    await base(db, tmp_path, clock)
    async with db.session() as s:
        report = await import_roster(s, DATA / name, now=clock.now())
    assert report.problems == [] and report.created == 2
    async with db.session() as s:
        lan = await s.scalar(select(Cadre).where(Cadre.code == "L1"))
        binh = await s.scalar(select(Cadre).where(Cadre.code == "L2"))
        assert (lan.full_name, lan.birth_date, lan.start_date, lan.gender, lan.title) == (
            "Nguyễn Thị Lan", date(1988, 4, 30), date(2012, 6, 15), "nu", "Trưởng phòng")
        assert (binh.birth_date, binh.start_date, binh.evaluator_id) == (
            date(1990, 3, 5), date(2016, 9, 1), lan.id)
    assert count_rows(DATA / name) == 2


def _not_a_zip(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4 not a spreadsheet at all")
    return path


def _damaged_sheet(path: Path) -> Path:
    good = io.BytesIO()
    Workbook().save(good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row><c r='A1' t='s'><v>9"
            out.writestr(item, data)
    return path


@pytest.mark.parametrize("name,make,expected", [
    ("r.xlsx", _not_a_zip, "tệp không phải là .xlsx hợp lệ; hãy mở bằng Excel và lưu lại"),
    ("r.xls", _not_a_zip, "tệp không phải là .xls hợp lệ; hãy mở bằng Excel và lưu lại"),
    ("r.ods", _not_a_zip, "tệp không phải là .ods hợp lệ; hãy mở bằng Excel và lưu lại"),
    ("r.xlsx", _damaged_sheet, "tệp không phải là .xlsx hợp lệ; hãy mở bằng Excel và lưu lại"),
])
async def test_a_file_that_is_not_a_spreadsheet_is_one_vietnamese_sentence(
        db, tmp_path, clock, name, make, expected):
    """Was: “không đọc được tệp Excel: File is not a zip file”."""
    path = make(tmp_path / name)
    async with db.session() as s:
        with pytest.raises(FileProblem) as error:
            await import_roster(s, path, now=clock.now())
    assert str(error.value) == expected
    assert count_rows(path) is None


async def test_rows_are_numbered_as_excel_numbers_them(db, tmp_path, clock):
    """Two blank rows above the header: "Dòng 5" is row 5 in Excel."""
    await base(db, tmp_path, clock)
    wb = Workbook()
    ws = wb.active
    for _ in range(2):
        ws.append([])
    ws.append(HEADER.strip().split(","))
    ws.append(person("E1").strip().split(","))
    ws.append(person("E2", birth="31/02/1990").strip().split(","))
    path = tmp_path / "r.xlsx"
    wb.save(path)
    async with db.session() as s:
        report = await import_roster(s, path, now=clock.now())
    assert [str(p) for p in report.problems] == [
        'Dòng 5, cột "Ngày sinh": ngày 31/02/1990 không tồn tại']


async def test_dates_as_excel_day_numbers_and_numbers_that_are_not_dates(db, tmp_path, clock):
    """A date column whose cells lost their date format holds Excel's day numbers: taken;
    a bare year is refused, not read as a day of 1905."""
    await base(db, tmp_path, clock)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    serial = (date(1991, 8, 2) - date(1899, 12, 30)).days
    ws.append(["F1", "Đỗ Thị F", serial, "Nữ", None, "X", "MC", None, "Công chức", "Không",
               None, None, None, "Không", None, datetime(2011, 3, 1)])
    ws.append(["F2", "Đỗ Văn G", 1990, "Nam", None, "X", "MC", None, "Công chức", "Không",
               None, None, None, "Không", None, None])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    async with db.session() as s:
        report = await import_roster(s, path, now=clock.now(), skip_invalid=True)
    assert [str(p) for p in report.problems] == [
        'Dòng 3, cột "Ngày sinh": "1990" không phải là ngày (hãy ghi dd/mm/yyyy)']
    async with db.session() as s:
        f1 = await s.scalar(select(Cadre).where(Cadre.code == "F1"))
    assert (f1.birth_date, f1.start_date) == (date(1991, 8, 2), date(2011, 3, 1))


async def test_change_summary_names_the_vietnamese_columns(db, tmp_path, clock):
    """Was: “cập nhật BTC002: title”."""
    await base(db, tmp_path, clock)
    async with db.session() as s:
        await import_roster(s, write(tmp_path, "r.csv", HEADER + person("C1") + person("C2")),
                            now=clock.now())
    moved = person("C1").replace("X,MC,Công chức,Công chức", "X,MC,Trưởng phòng,Công chức")
    moved = moved.replace("0912 345 678", "0912 999 888")
    async with db.session() as s:
        await s.execute(Cadre.__table__.update().where(Cadre.code == "C2").values(active=False))
    async with db.session() as s:
        preview = await import_roster(s, write(tmp_path, "r2.csv", HEADER + moved + person("C2")),
                                      now=clock.now(), dry_run=True)
    assert "cập nhật C1: Số điện thoại, Chức vụ" in preview.changes
    assert "cập nhật C2: hoạt động trở lại" in preview.changes
    assert not any(word in line for line in preview.changes
                   for word in ("title", "phone", "active", "unit_id"))


async def test_decimals_in_text_cells_read_as_in_the_chat(db, tmp_path, clock):
    """“1.000” typed in a text cell is one thousand (it was 1); “1,250” is 1,25 or 1250: a
    row problem, not a guess; numbers Excel stored are taken as they are."""
    async with db.session() as s:
        assert (await import_units(s, write(tmp_path, "u.csv", UNITS), now=clock.now())).ok
    content = CATALOGUE.replace("Có;120", "Có;1.000").replace("x;80", "x;\"1,250\"")
    async with db.session() as s:
        report = await import_catalogue(s, write(tmp_path, "c.csv", content), now=clock.now())
    assert [str(p) for p in report.problems] == [
        'Dòng 3, cột "Chỉ tiêu mặc định": “1,250” có thể hiểu là 1,25 hoặc 1.250; hãy ghi 1,25 '
        '(số thập phân) hoặc 1250 (không có dấu chấm)']
    async with db.session() as s:
        report = await import_catalogue(s, write(tmp_path, "c.csv", content.replace(
            '"1,250"', "1,25")), now=clock.now())
    assert report.ok
    async with db.session() as s:
        targets = dict((await s.execute(select(ProductType.code, ProductType.default_target))).all())
    assert targets == {"SP1": 1000, "SP2": 1.25}


def test_the_progress_bar_counts_rows_and_writes_them_the_vietnamese_way(tmp_path):
    from rich.progress import Progress

    from bot.cli_import import RowsColumn

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Tên đơn vị"])
    for n in range(1234):
        ws.append([f"U{n}", "Đơn vị"])
    wb.save(tmp_path / "u.xlsx")
    assert count_rows(tmp_path / "u.xlsx") == 1234
    assert count_rows(write(tmp_path, "u.csv", UNITS)) == 2
    progress = Progress()
    task = progress.add_task("", total=count_rows(tmp_path / "u.xlsx"), completed=1000)
    assert str(RowsColumn().render(progress.tasks[task])) == "1.000/1.234 dòng"
    unknown = progress.add_task("", total=None, completed=1498)
    assert str(RowsColumn().render(progress.tasks[unknown])) == "1.498 dòng"


def test_the_cli_summary_writes_numbers_the_vietnamese_way(capsys):
    from bot.cli_import import _print
    from bot.services.imports.apply import Report

    _print(Report("roster", created=50_000, updated=1_234, unchanged=0, deactivated=12), False)
    assert ("Thêm mới 50.000 · cập nhật 1.234 · không đổi 0 · ngừng hoạt động 12 · bị loại 0"
            in capsys.readouterr().out)


def test_the_operator_reads_one_vietnamese_line_for_a_file_that_is_not_a_spreadsheet(tmp_path):
    from tests.test_cli import cadrebot

    fake = _not_a_zip(tmp_path / "danh_sach.xlsx")
    result = cadrebot(tmp_path, "import", "roster", str(fake))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Lỗi: tệp không phải là .xlsx hợp lệ; hãy mở bằng Excel và lưu lại"]
    legacy = cadrebot(tmp_path, "import", "units", str(DATA / "roster.xls"))
    assert legacy.returncode == 1  # a roster given as units: the columns say so, in Vietnamese
    assert "thiếu cột bắt buộc" in legacy.stderr and len(legacy.stderr.splitlines()) == 1
