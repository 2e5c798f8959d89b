"""`cadrebot import tasks FILE` (issue #24 §1): every row checked and every problem listed,
--dry-run and --skip-invalid as for the other imports, and a re-import changes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import select

from tests.test_cli import cadrebot, province_db  # noqa: F401 - the CLI's fixture

HEADER = ("Mã việc;Mã cán bộ;Mã đơn vị;Tên công việc;Mã sản phẩm;Số lượng;Kết quả cần đạt;"
          "Người nghiệm thu;Hạn hoàn thành\r\n")
GOOD = "GV01;XTH004;;Báo cáo hồ sơ một cửa quý IV;MC01;2;Báo cáo gửi UBND xã;;15/01/2027\r\n"
BAD = ("GV02;XTH999;;Việc A;MC01;1;Kết quả A;;15/01/2027\r\n"
       "GV03;XTH004;;Việc B;ZZ99;1;Kết quả B;;15/01/2027\r\n"
       "GV04;XTH004;XTH;Việc C;MC01;1;Kết quả C;;15/01/2027\r\n"
       "GV05;XTH004;;Việc D;MC01;0;Kết quả D;;15/01/2027\r\n")


def stored(tmp_path):
    async def read():
        from bot.db import Database
        from models import Cadre, Task, TaskEvent

        db = Database(f"sqlite+aiosqlite:///{tmp_path}/data/cli.db")
        async with db.session() as s:
            tasks = (await s.execute(select(Task, Cadre.code).join(
                Cadre, Cadre.id == Task.cadre_id))).all()
            events = list(await s.scalars(select(TaskEvent.kind).order_by(TaskEvent.id)))
        await db.dispose()
        return [(code, t.import_key, t.units, t.deadline, t.authority_id is not None)
                for t, code in tasks], events

    return asyncio.run(read())


def test_import_tasks(province_db):  # noqa: F811 - the fixture
    path = province_db / "giao_viec.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="utf-8-sig")
    failed = cadrebot(province_db, "import", "tasks", str(path))
    assert failed.returncode == 1
    assert "không có cán bộ đang công tác nào có mã XTH999" in failed.stdout
    assert "ZZ99 không phải sản phẩm đếm số lượng" in failed.stdout
    assert "ghi mã cán bộ hoặc mã đơn vị" in failed.stdout
    assert "số nguyên từ 1 đến 999" in failed.stdout
    assert stored(province_db) == ([], [])

    dry = cadrebot(province_db, "import", "tasks", str(path), "--dry-run", "--skip-invalid")
    assert dry.returncode == 0 and "giao việc GV01 cho XTH004" in dry.stdout
    assert stored(province_db) == ([], [])

    ok = cadrebot(province_db, "import", "tasks", str(path), "--skip-invalid")
    assert "Thêm mới 1 · cập nhật 0 · không đổi 0 · ngừng hoạt động 0 · bị loại 4" in ok.stdout
    assert stored(province_db) == ([("XTH004", "GV01", 2, date(2027, 1, 15), True)],
                                   ["assigned"])

    again = cadrebot(province_db, "import", "tasks", str(path), "--skip-invalid")
    assert "Thêm mới 0 · cập nhật 0 · không đổi 1" in again.stdout

    path.write_text(HEADER + GOOD.replace("15/01/2027", "22/01/2027"), encoding="utf-8-sig")
    moved = cadrebot(province_db, "import", "tasks", str(path))
    assert moved.returncode == 0 and "cập nhật 1" in moved.stdout
    assert stored(province_db) == ([("XTH004", "GV01", 2, date(2027, 1, 22), True)],
                                   ["assigned", "extended"])


def test_the_example_file_imports(province_db):  # noqa: F811 - the fixture
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "giao_viec.xlsx"
    result = cadrebot(province_db, "import", "tasks", str(example))
    assert result.returncode == 0, result.stdout
    assert "Thêm mới 3 · cập nhật 0 · không đổi 0" in result.stdout
