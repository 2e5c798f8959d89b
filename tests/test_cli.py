"""Operator CLI: db upgrade/current/backup, invite, grant — run as the operator would."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def cadrebot(tmp_path: Path, *args: str, input: str | None = None,
             **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/data/cli.db"
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=120, input=input or "",
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
    result = cadrebot(province_db, "period", "lock", "2026-10", "--yes")
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


def test_locking_a_period_with_reports_open_shows_them_and_asks_first(province_db):
    """#22 item 10: the lock went through with 59 of 60 reports missing and no warning."""
    refused = cadrebot(province_db, "period", "lock", "2026-10", input="n\n")
    assert refused.returncode == 1
    assert "Hạn gửi báo cáo của kỳ 2026-10 là 04/11/2026." in refused.stdout
    db = sqlite3.connect(province_db / "data/cli.db")
    # the 50 cadres who report monthly (the quarterly Sở Tài chính is not counted), none sent
    assert "Còn báo cáo chưa hoàn tất: chưa gửi 50/50 · chờ duyệt 0 · bị trả lại 0." \
        in refused.stdout
    assert "chỉ Ban Tổ chức" in refused.stdout and "Vẫn khóa sổ kỳ 2026-10?" in refused.stdout
    assert "Chưa khóa sổ kỳ nào." in refused.stderr
    no_answer = cadrebot(province_db, "period", "lock", "2026-10")  # end of input: "no"
    assert no_answer.returncode == 1 and "Chưa khóa sổ kỳ nào." in no_answer.stderr
    assert db.execute("select count(*) from periods where status='locked'").fetchone() == (0,)
    confirmed = cadrebot(province_db, "period", "lock", "2026-10", input="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "Kỳ 2026-10 đã được khóa sổ" in confirmed.stdout
    assert db.execute("select status from periods where year=2026 and number=10"
                      ).fetchone() == ("locked",)


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
        # a rated month with the figures as stored (an unrounded score, criteria as JSON)
        db.execute("insert into periods (kind, year, number, starts_on, ends_on, "
                   "submission_deadline, review_deadline, status) values ('month', 2026, 10, "
                   "'2026-10-01', '2026-10-31', '2026-11-05', '2026-11-10', 'locked')")
        db.execute("insert into evaluations (cadre_id, period_id, self_criteria, criteria, "
                   "task_score, general_score, total_score, computed_band, band, flags, status, "
                   "version) select c.id, p.id, '{\"politics_ethics\": 9.5}', "
                   "'{\"politics_ethics\": 9}', 58.93684210526317, 9, 67.93684210526317, "
                   "'hoan_thanh', 'hoan_thanh', '[\"done_twice_in_planning\"]', 'rated', 1 "
                   "from cadres c, periods p where c.code = 'XTH004' and p.number = 10")
    export = cadrebot(province_db, "export", "person", "XTH004", "-o", "thao.xlsx")
    assert export.returncode == 0, export.stderr
    wb = load_workbook(province_db / "thao.xlsx")
    assert wb.sheetnames[:6] == ["Hồ sơ", "Sản phẩm đã báo cáo", "Minh chứng",
                                 "Điều chỉnh của người đánh giá", "Thời gian nghỉ", "Đánh giá"]
    assert "Tiêu chí chung" in wb.sheetnames and "Nhật ký" in wb.sheetnames
    profile = dict(zip([c.value for c in wb["Hồ sơ"][1]], [c.value for c in wb["Hồ sơ"][2]],
                       strict=True))
    assert profile["Họ và tên"] == "Đinh Thị Thảo" and profile["Số điện thoại"] == "+84912000015"
    assert (profile["Giới tính"], profile["Loại cán bộ"], profile["Lãnh đạo"]) == (
        "Nữ", "Công chức", "Không")
    assert profile["Người đánh giá"] == "Phan Thị Ngọc Ánh"  # a name, not an id
    sheet = wb["Đánh giá"]
    rated = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert rated["Kỳ"] == "Tháng 10/2026" and rated["Tổng điểm"] == 67.9
    assert sheet.cell(2, [c.value for c in sheet[1]].index("Tổng điểm") + 1).number_format == "0.0"
    assert rated["Mức"] == "Hoàn thành nhiệm vụ" and rated["Tình trạng"] == "đã đánh giá"
    assert rated["Cảnh báo"].startswith("«Hoàn thành nhiệm vụ» 2 năm liên tiếp")
    criteria = list(wb["Tiêu chí chung"].iter_rows(min_row=2, values_only=True))
    assert len(criteria) == 1 and criteria[0][0] == "Tháng 10/2026"
    assert criteria[0][2:] == (9.5, 9)
    everything = [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                  for v in row if isinstance(v, str)]
    assert not [v for v in everything if "{" in v or "_" in v or v in ("True", "False")]
    assert wb["Hồ sơ"].print_title_rows == "$1:$1"
    gone = cadrebot(province_db, "forget", "XTH004")
    assert gone.returncode == 0 and "Đã xóa liên kết Telegram" in gone.stdout
    assert db.execute("select phone, telegram_user_id, full_name from cadres where code='XTH004'"
                      ).fetchone() == (None, None, "Đinh Thị Thảo")
    assert db.execute("select count(*) from audit_log where action='forget'").fetchone() == (1,)


def test_export_training_cli(province_db):
    """SPEC §9 `export training`: every cadre × requirement with the status 📚 Bồi dưỡng
    shows, then the counts per unit and per group — numbers a spreadsheet can add up."""
    from openpyxl import load_workbook

    result = cadrebot(province_db, "export", "training", "--period", "2026", "-o", "bd.xlsx")
    assert result.returncode == 0, result.stderr
    wb = load_workbook(province_db / "bd.xlsx")
    assert wb.sheetnames == ["Bồi dưỡng", "Theo đơn vị", "Theo nhóm"]
    sheet = wb["Bồi dưỡng"]
    headers = [c.value for c in sheet[1]]
    assert headers[:8] == ["Mã cán bộ", "Họ và tên", "Đơn vị", "Mã yêu cầu", "Nhóm bồi dưỡng",
                           "Yêu cầu", "Hạn hoàn thành", "Trạng thái"]
    rows = [dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                        values_only=True)]
    assert f"Đã ghi {len(rows)} dòng vào bd.xlsx" in result.stdout
    assert {r["Trạng thái"] for r in rows} <= {"✅ đạt", "⏳ đang thực hiện", "⚠️ sắp đến hạn",
                                               "❌ quá hạn"}
    assert "✅ đạt" in {r["Trạng thái"] for r in rows}
    hours = next(r for r in rows if r["Số giờ yêu cầu"])
    assert isinstance(hours["Số giờ đã xác nhận"], int | float)
    assert sheet.cell(2, headers.index("Số giờ yêu cầu") + 1).number_format == "0.0"
    assert sheet.cell(2, headers.index("Hạn hoàn thành") + 1).number_format == "DD/MM/YYYY"
    assert sheet.auto_filter.ref == f"A1:N{len(rows) + 1}" and sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    by_group = list(wb["Theo nhóm"].iter_rows(values_only=True))
    assert by_group[0] == ("Nhóm bồi dưỡng", "Cán bộ", "Số yêu cầu", "✅ đạt",
                           "⏳ đang thực hiện", "⚠️ sắp đến hạn", "❌ quá hạn", "Tỷ lệ đạt %")
    assert sum(r[2] for r in by_group[1:]) == len(rows)  # every obligation counted once
    for r in by_group[1:]:
        assert sum(r[3:7]) == r[2] and r[7] == round(r[3] / r[2] * 100, 1)
    by_unit = list(wb["Theo đơn vị"].iter_rows(min_row=2, values_only=True))
    assert sum(r[2] for r in by_unit) == len(rows)


def test_templates_are_accepted_by_the_import(tmp_path):
    """`cadrebot template units` then one row typed in: `cadrebot import units` takes it."""
    from openpyxl import load_workbook

    from bot.services.imports.schemas import UNIT_COLUMNS

    assert cadrebot(tmp_path, "db", "upgrade").returncode == 0
    made = cadrebot(tmp_path, "template", "units", "-o", "mau/don_vi.xlsx")
    assert made.returncode == 0, made.stderr
    assert "cadrebot import units mau/don_vi.xlsx --dry-run" in made.stdout
    wb = load_workbook(tmp_path / "mau/don_vi.xlsx")
    assert wb.sheetnames[:2] == ["Đơn vị", "Hướng dẫn"]
    sheet = wb["Đơn vị"]
    assert [c.value for c in sheet[1]] == [c.header for c in UNIT_COLUMNS]
    sheet.append(["T", "Tỉnh Hưng Yên", None, "Tỉnh", "Đảng", "Tháng", "Có"])
    wb.save(tmp_path / "don_vi.xlsx")
    imported = cadrebot(tmp_path, "import", "units", "don_vi.xlsx")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "Thêm mới 1 · cập nhật 0" in imported.stdout
    db = sqlite3.connect(tmp_path / "data/cli.db")
    assert db.execute("select code, level, period_type, is_agency from org_units").fetchall() == [
        ("T", "tinh", "month", 1)]
    wrong = cadrebot(tmp_path, "template", "people", "-o", "x.xlsx")
    assert wrong.returncode == 1
    assert "roster, units, catalogue, training" in wrong.stderr.replace("units, catalogue, roster",
                                                                        "roster, units, catalogue")


async def test_digest_send_sends_the_chart_and_the_buttons(province_db):
    """`cadrebot digest --supervisor CODE --send` (and `--board --send`) send what the
    scheduled digest sends: the chart, then the text with 📥 Tải Excel (was: the text alone)."""
    from bot.sandbox.emulator import Emulator
    from bot.sandbox.server import EmulatorServer

    token = "424242:CLI-digest-token-not-real"
    assert cadrebot(province_db, "digest", "--board", "--period", "2026-11").returncode == 0
    db = sqlite3.connect(province_db / "data/cli.db")
    with db:
        db.execute("update cadres set telegram_user_id = 5001, telegram_chat_id = 5001 "
                   "where code = 'XTH002'")
        db.execute("update cadres set telegram_user_id = 5002, telegram_chat_id = 5002 "
                   "where code = 'BTC002'")
        db.execute("insert into evaluations (cadre_id, period_id, total_score, band, status, "
                   "version) select c.id, p.id, 91.5, 'xuat_sac', 'rated', 1 from cadres c, "
                   "periods p where c.code = 'XTH004' and p.kind = 'month' and p.number = 11 "
                   "and p.year = 2026")
    emulator = Emulator(token=token, bot_username="cli_bot")
    emulator.user(user_id=5001, first_name="Ánh")
    emulator.user(user_id=5002, first_name="Hà")
    async with EmulatorServer(emulator) as server:
        env = {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": server.base_url,
               "TELEGRAM_API_FILE_URL": server.base_file_url}
        for args in (["--supervisor", "XTH002"], ["--board"]):
            result = await asyncio.to_thread(cadrebot, province_db, "digest", *args,
                                             "--period", "2026-11", "--send", **env)
            assert result.returncode == 0, result.stderr
            assert "Đã gửi tới 1 người" in result.stdout
    for chat, title in ((5001, "Tổng hợp Tháng 11/2026"), (5002, "Tổng hợp toàn tỉnh")):
        sent = emulator.sent[chat]
        assert [m.kind for m in sent] == ["photo", "text"], [m.kind for m in sent]
        assert sent[0].file_bytes.startswith(b"\x89PNG")
        assert title in sent[1].text
        assert "📥 Tải Excel" in sent[1].buttons and "✅ Phê duyệt" in sent[1].buttons
    assert "🏢 Theo đơn vị" in emulator.sent[5002][1].buttons


def test_import_feedback_and_satisfaction_cli(province_db):
    records = province_db / "phan_anh.csv"
    records.write_text("Mã phản ánh,Mã cán bộ,Ngày tiếp nhận,Nguồn,Nội dung\n"
                       "PA-1,XTH004,12/11/2026,Đường dây nóng,Chậm trả kết quả\n"
                       "PA-2,XTH004,,Đường dây nóng,Thiếu ngày\n", encoding="utf-8")
    failed = cadrebot(province_db, "import", "feedback", str(records))
    assert failed.returncode == 1
    assert 'Dòng 3, cột "Ngày tiếp nhận": không được để trống' in failed.stdout
    dry = cadrebot(province_db, "import", "feedback", str(records), "--dry-run", "--skip-invalid")
    assert dry.returncode == 0 and "phản ánh PA-1 về XTH004" in dry.stdout
    ok = cadrebot(province_db, "import", "feedback", str(records), "--skip-invalid")
    assert "Thêm mới 1 · cập nhật 0 · không đổi 0 · ngừng hoạt động 0 · bị loại 1" in ok.stdout
    rates = province_db / "hai_long.csv"
    rates.write_text("Mã đơn vị,Kỳ,Mã sản phẩm,Tỷ lệ (%)\nXTH-VP,2020-01,MC03,90\n",
                     encoding="utf-8")
    refused = cadrebot(province_db, "import", "satisfaction", str(rates))
    assert refused.returncode == 1 and "kỳ 2020-01 chưa bắt đầu trên bot" in refused.stdout
