"""Operator CLI: db upgrade/current/backup, invite, grant — run as the operator would."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def cadrebot(tmp_path: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/data/cli.db"
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=120,
    )


@pytest.fixture
def province_db(tmp_path):
    result = cadrebot(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Cơ sở dữ liệu đã được cập nhật" in result.stdout

    async def seed():
        from bot.clock import Clock
        from bot.db import Database
        from bot.demo import load_demo_province

        db = Database(f"sqlite+aiosqlite:///{tmp_path}/data/cli.db")
        async with db.session() as s:
            await load_demo_province(s, Clock().now(), link=False)
        await db.dispose()

    asyncio.run(seed())
    return tmp_path


def test_db_current_shows_the_revision(province_db):
    result = cadrebot(province_db, "db", "current")
    assert result.returncode == 0
    from bot.migrate import head_revision

    head = head_revision()
    assert f"hiện tại: {head} (mới nhất: {head})" in result.stdout


def test_invite_prints_code_and_link(province_db):
    result = cadrebot(province_db, "invite", "XTH004")
    assert result.returncode == 0, result.stderr
    assert "Mã kích hoạt cho Đinh Thị Thảo (XTH004):" in result.stdout
    code = result.stdout.split("(XTH004): ")[1].split()[0]
    assert len(code) == 10
    assert f"?start={code}" in result.stdout
    db = sqlite3.connect(province_db / "data/cli.db")
    hashes = [row[0] for row in db.execute("select code_hash from invite_codes")]
    assert len(hashes) == 1 and code not in hashes[0]


def test_unknown_cadre_is_one_line_error(province_db):
    result = cadrebot(province_db, "invite", "NOPE")
    assert result.returncode == 1
    assert result.stderr.strip() == "Lỗi: không có cán bộ nào có mã NOPE"


@pytest.mark.parametrize("args, expected", [
    (["nosuch"], "Lỗi: không có lệnh “nosuch”. Xem cách viết lệnh: cadrebot --help"),
    (["digest", "--boar"], "Lỗi: không có tùy chọn --boar (có phải anh/chị muốn gõ --board?). "
                           "Xem cách viết lệnh: cadrebot digest --help"),
    (["export", "evaluations"], "Lỗi: thiếu tùy chọn --period. "
                               "Xem cách viết lệnh: cadrebot export evaluations --help"),
    (["invite"], "Lỗi: thiếu giá trị MÃ_CÁN_BỘ. Xem cách viết lệnh: cadrebot invite --help"),
    (["demo-data", "--cadres", "abc"], "Lỗi: giá trị của --cadres không hợp lệ."),
    (["demo-data", "--cadres"], "Lỗi: tùy chọn --cadres cần có giá trị đi kèm."),
    (["period", "lock", "2026-11", "thua"], "Lỗi: có giá trị thừa: thua."),
])
def test_a_wrongly_written_command_is_one_vietnamese_line(tmp_path, args, expected):
    result = cadrebot(tmp_path, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(expected), result.stderr


def test_a_command_on_a_database_not_set_up_says_what_to_run(tmp_path):
    result = cadrebot(tmp_path, "digest", "--board")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Lỗi: Chưa có cơ sở dữ liệu {tmp_path}/data/cli.db: vui lòng chạy “cadrebot db upgrade” "
        "trước."]
    assert not (tmp_path / "data" / "cli.db").exists()  # nothing left behind
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "cli.db").execute("CREATE TABLE other (x)").connection.close()
    result = cadrebot(tmp_path, "invite", "XTH004")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Lỗi: Cơ sở dữ liệu chưa được cập nhật: vui lòng chạy “cadrebot db upgrade” trước."]


def test_grant_board_and_twice(province_db):
    first = cadrebot(province_db, "grant", "SNV001", "board")
    assert first.returncode == 0 and "Đã cấp quyền board cho Lê Văn Hùng" in first.stdout
    again = cadrebot(province_db, "grant", "SNV001", "board")
    assert "đã có quyền board" in again.stdout
    wrong = cadrebot(province_db, "grant", "SNV001", "king")
    assert wrong.returncode == 1 and "board hoặc supervisor" in wrong.stderr


def test_backup_is_a_consistent_copy(province_db):
    result = cadrebot(province_db, "db", "backup", "backups/copy.db")
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(province_db / "backups/copy.db")
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert copy.execute("select count(*) from cadres").fetchone()[0] == 60


def test_backup_never_overwrites_or_deletes_the_live_database(province_db):
    """The live database given as the target, however written, is refused and left intact;
    a failed backup leaves the previous backup in place."""
    live = province_db / "data" / "cli.db"
    (province_db / "link.db").symlink_to(live)
    os.link(live, province_db / "hard.db")
    for target in ("data/cli.db", str(live), "./data/../data/cli.db", "link.db", "hard.db",
                   "data/cli.db-wal"):
        result = cadrebot(province_db, "db", "backup", target)
        assert result.returncode == 1, target
        assert "Không thể ghi đè lên chính cơ sở dữ liệu" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    check = sqlite3.connect(live)
    assert check.execute("select count(*) from cadres").fetchone()[0] == 60
    check.close()


def test_a_failed_backup_leaves_the_previous_one(province_db, monkeypatch):
    """The copy is written to a temporary file and renamed: a failure half-way (disk full,
    the process killed) leaves yesterday's backup and no stray file."""
    import bot.cli

    backups = province_db / "backups"
    assert cadrebot(province_db, "db", "backup", "backups/copy.db").returncode == 0
    before = (backups / "copy.db").read_bytes()

    class Failing:
        def __init__(self, real):
            self.real = real

        def backup(self, target):
            raise sqlite3.OperationalError("database or disk is full")

        def close(self):
            self.real.close()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    real_connect = sqlite3.connect
    monkeypatch.setattr(bot.cli.sqlite3, "connect",
                        lambda *a, **k: Failing(real_connect(*a, **k)))
    with pytest.raises(sqlite3.OperationalError):
        bot.cli._backup_sqlite(province_db / "data" / "cli.db", backups / "copy.db")
    assert (backups / "copy.db").read_bytes() == before
    assert [p.name for p in backups.iterdir()] == ["copy.db"]


def test_backup_on_postgresql_gives_pg_dump_advice(tmp_path):
    result = cadrebot(tmp_path, "db", "backup", "x.dump",
                      DATABASE_URL="postgresql+asyncpg://u@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "pg_dump" in result.stderr


def test_period_lock_and_unlock(province_db):
    result = cadrebot(province_db, "period", "lock", "2026-10")
    assert result.returncode == 0, result.stderr
    assert "Kỳ 2026-10 đã được khóa sổ" in result.stdout
    again = cadrebot(province_db, "period", "lock", "2026-10")
    assert "đã khóa sổ từ trước" in again.stdout
    db = sqlite3.connect(province_db / "data/cli.db")
    assert db.execute("select status from periods where year=2026 and number=10").fetchone() == ("locked",)
    assert db.execute("select count(*) from audit_log where action='lock_period'").fetchone() == (1,)
    reopened = cadrebot(province_db, "period", "unlock", "2026-10")
    assert "đã được mở lại" in reopened.stdout
    wrong = cadrebot(province_db, "period", "lock", "tháng mười")
    assert wrong.returncode == 1 and "2026-Q4" in wrong.stderr
    future = cadrebot(province_db, "period", "lock", "2036-10")  # a typo for 2026-10
    assert future.returncode == 1
    assert "Kỳ 2036-10 chưa kết thúc (đến hết 31/10/2036): chưa thể khóa sổ." in future.stderr
    assert db.execute("select count(*) from periods where status='locked'").fetchone() == (0,)


def test_export_evaluations_cli(province_db):
    from openpyxl import load_workbook

    result = cadrebot(province_db, "export", "evaluations", "--period", "2026-11", "-o",
                      "out/danh_gia.xlsx")
    assert result.returncode == 0, result.stderr
    assert "Đã ghi 60 dòng vào out/danh_gia.xlsx" in result.stdout
    wb = load_workbook(province_db / "out/danh_gia.xlsx")
    assert wb.sheetnames == ["Đánh giá", "Nhật ký"]
    assert wb["Đánh giá"].max_row == 61


def test_import_cli_reports_problems_and_dry_run(tmp_path):
    units = tmp_path / "don_vi.csv"
    units.write_text("Mã đơn vị;Tên đơn vị;Đơn vị cấp trên;Cấp\r\nT;Tỉnh;;Tỉnh\r\nX;Xã;KHONGCO;Xã\r\n",
                     encoding="utf-8-sig")
    failed = cadrebot(tmp_path, "import", "units", str(units))
    assert failed.returncode == 1
    assert 'Dòng 3, cột "Đơn vị cấp trên": đơn vị KHONGCO không có trong tệp' in failed.stdout
    assert "Chưa nhập dòng nào" in failed.stdout
    dry = cadrebot(tmp_path, "import", "units", str(units), "--dry-run", "--skip-invalid")
    assert dry.returncode == 0 and "thêm đơn vị T" in dry.stdout and "Chạy thử" in dry.stdout
    ok = cadrebot(tmp_path, "import", "units", str(units), "--skip-invalid")
    assert "Thêm mới 1 · cập nhật 0 · không đổi 0 · ngừng hoạt động 0 · bị loại 1" in ok.stdout
    missing = cadrebot(tmp_path, "import", "roster", str(tmp_path / "khong_co.xlsx"))
    assert missing.returncode == 1 and missing.stderr.startswith("Lỗi: không tìm thấy tệp")


def test_demo_data_is_deterministic_and_refuses_a_full_database(tmp_path):
    first = cadrebot(tmp_path, "demo-data", "--cadres", "120", "--months", "2", "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert "Tỉnh mô phỏng: " in first.stdout and "120 cán bộ" in first.stdout
    db = sqlite3.connect(tmp_path / "data/cli.db")
    names = [r[0] for r in db.execute("select full_name from cadres order by code")]
    counts = db.execute("select count(*) from entries").fetchone()[0]
    assert len(names) == 120 and counts > 200
    assert db.execute("select count(*) from cadres where evaluator_id is null").fetchone()[0] == 1
    again = cadrebot(tmp_path, "demo-data", "--cadres", "120", "--seed", "5")
    assert again.returncode == 1 and "không trống" in again.stderr
    other = tmp_path / "other"
    other.mkdir()
    second = cadrebot(other, "demo-data", "--cadres", "120", "--months", "2", "--seed", "5")
    assert second.returncode == 0
    db2 = sqlite3.connect(other / "data/cli.db")
    assert [r[0] for r in db2.execute("select full_name from cadres order by code")] == names


def test_notice_send_and_export_cli(province_db):
    from openpyxl import load_workbook

    db = sqlite3.connect(province_db / "data/cli.db")
    with db:
        db.execute("update cadres set telegram_chat_id = 100 + id where code like 'XTH%'")
    text = province_db / "thong_bao.txt"
    text.write_text("Đề nghị hoàn thành bồi dưỡng kỹ năng số trước 30/11.", encoding="utf-8")
    result = cadrebot(province_db, "notice", "send", str(text), "--audience",
                      "Cấp: Xã; Thiếu: BD-SO", "--ack", "nhan")
    assert result.returncode == 0, result.stderr
    linked = db.execute("select count(*) from cadres where code like 'XTH%'").fetchone()[0]
    assert f"Đã xếp hàng thông báo #1 cho {linked} người" in result.stdout
    bad = cadrebot(province_db, "notice", "send", str(text), "--audience", "Mọi người")
    assert bad.returncode == 1 and "Áp dụng cho" in bad.stderr
    typo = cadrebot(province_db, "notice", "send", str(text), "--audience", "Đơn vị: XTHH")
    assert typo.returncode == 1
    assert "không có đơn vị hoặc vị trí việc làm nào mã XTHH" in typo.stderr
    assert db.execute("select count(*) from notices").fetchone()[0] == 1
    export = cadrebot(province_db, "export", "notices", "-o", "tb.xlsx")
    assert export.returncode == 0, export.stderr
    wb = load_workbook(province_db / "tb.xlsx")
    assert wb.sheetnames == ["Thông báo", "Người nhận"]
    assert wb["Người nhận"].max_row == linked + 1
    assert {r[4] for r in wb["Người nhận"].iter_rows(min_row=2, values_only=True)} == {"đang chờ"}


def test_digest_cli_prints_supervisor_and_board(province_db):
    sup = cadrebot(province_db, "digest", "--supervisor", "XTH002", "--period", "2026-11")
    assert sup.returncode == 0, sup.stderr
    assert "Tổng hợp Tháng 11/2026 — " in sup.stdout and "Chưa gửi: " in sup.stdout
    assert "<b>" not in sup.stdout
    board = cadrebot(province_db, "digest", "--board", "--period", "2026-11")
    assert board.returncode == 0 and "Tổng hợp toàn tỉnh — Tháng 11/2026" in board.stdout
    both = cadrebot(province_db, "digest")
    assert both.returncode == 1 and "--supervisor" in both.stderr


def test_export_person_and_forget(province_db):
    from openpyxl import load_workbook

    db = sqlite3.connect(province_db / "data/cli.db")
    with db:
        db.execute("update cadres set telegram_user_id = 4242, telegram_chat_id = 4242 "
                   "where code = 'XTH004'")
    export = cadrebot(province_db, "export", "person", "XTH004", "-o", "thao.xlsx")
    assert export.returncode == 0, export.stderr
    wb = load_workbook(province_db / "thao.xlsx")
    assert "cadres" in wb.sheetnames and "evaluations" in wb.sheetnames
    row = [c.value for c in wb["cadres"][2]]
    assert "Đinh Thị Thảo" in row and "+84912000015" in row
    gone = cadrebot(province_db, "forget", "XTH004")
    assert gone.returncode == 0 and "Đã xóa liên kết Telegram" in gone.stdout
    assert db.execute("select phone, telegram_user_id, full_name from cadres where code='XTH004'"
                      ).fetchone() == (None, None, "Đinh Thị Thảo")
    assert db.execute("select count(*) from audit_log where action='forget'").fetchone() == (1,)
