"""Files in the chat (issue #23 §4): the board sends a spreadsheet to import, checks it and
applies it once; 📈 Tổng hợp offers the exports a person may have, as documents."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.demo import EXAMPLES
from models import AuditLog, Cadre, ChatImport, Period
from tests.test_flow_report import fill_and_submit, setup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOARD_TG = 880


async def province(harness, clock):
    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = BOARD_TG
    return thao, anh, harness.person(BOARD_TG, "Hà")


def roster(change=None, drop: str | None = None, add: list[list] | None = None) -> bytes:
    """The example roster, edited: `change(row)` for each row, one code left out, rows added."""
    workbook = load_workbook(EXAMPLES / "danh_sach_can_bo.xlsx")
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    out = Workbook()
    new = out.active
    new.append(rows[0])
    for row in rows[1:]:
        if row[0] == drop:
            continue
        new.append(change(row) if change else row)
    for row in add or []:
        new.append(row)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def new_cadre(code: str = "XTH099", birth: str = "02/05/1995") -> list:
    return [code, "Lò Văn Mới", birth, "Nam", None, "XTH-VP", "MC-XA", "Công chức Một cửa",
            "Công chức", "Không", "XTH002", "Đại học", None, "Không", "Không", "01/10/2026",
            None, None]


def renamed(row: list) -> list:
    if row[0] == "XTH005":
        row = [*row]
        row[7] = "Phó Chánh Văn phòng"
    return row


async def imports(harness) -> list[ChatImport]:
    async with harness.db.session() as s:
        return list(await s.scalars(select(ChatImport).order_by(ChatImport.id)))


async def test_board_sends_a_roster_checks_it_and_applies_it_once(harness, clock):
    _thao, anh, ha = await province(harness, clock)
    content = roster(renamed, drop="XTH009", add=[new_cadre()])
    await ha.send_document(file_name="danh_sach_can_bo_moi.xlsx", content=content,
                           mime_type=XLSX)
    assert "Đang kiểm tra tệp danh_sach_can_bo_moi.xlsx" in ha.texts[-2]
    summary = ha.last.text
    assert "<b>danh_sach_can_bo_moi.xlsx</b> — danh sách cán bộ" in summary
    assert "Đã kiểm tra xong, chưa ghi gì" in summary
    assert "• Thêm mới: 1" in summary and "• Cập nhật: 1" in summary
    assert "• Ngừng theo dõi (không có trong tệp): 1" in summary
    assert ha.buttons() == ["✅ Áp dụng", "✖️ Hủy"]
    async with harness.db.session() as s:  # the check wrote nothing but the pending file
        assert await s.scalar(select(Cadre).where(Cadre.code == "XTH099")) is None
    apply_button = ha.last.inline_buttons[0][0]
    await anh.tap_data(apply_button.callback_data)  # not the board: refused, nothing written
    assert anh.alerts == ["Chỉ Ban Tổ chức mới nhập được danh sách."]

    await ha.tap("✅ Áp dụng")
    assert "đã được áp dụng (danh sách cán bộ)" in ha.last.text
    assert "• Thêm mới: 1" in ha.last.text
    async with harness.db.session() as s:
        board_id = await s.scalar(select(Cadre.id).where(Cadre.code == "BTC002"))
        added = await s.scalar(select(Cadre).where(Cadre.code == "XTH099"))
        assert added.full_name == "Lò Văn Mới" and added.active
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH009"))).active is False
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH005"))).title == \
            "Phó Chánh Văn phòng"
        # the audit log names who applied it: each change and the import itself
        updates = list(await s.scalars(select(AuditLog).where(
            AuditLog.action == "import_update", AuditLog.object_type == "cadre")))
        assert updates and {u.actor_id for u in updates} == {board_id}
        applied = list(await s.scalars(select(AuditLog).where(
            AuditLog.action == "import_apply")))
        assert [(a.actor_id, a.after["kind"], a.after["created"]) for a in applied] == [
            (board_id, "roster", 1)]
    [stored] = await imports(harness)
    assert stored.status == "applied" and stored.decided_by_id == board_id
    assert stored.content is None  # the file is not kept once applied

    # the same button again: a double tap, or the same chat on another device
    await ha.tap_data(apply_button.callback_data)
    assert any("đã được xử lý: đã áp dụng bởi" in a for a in ha.alerts)
    async with harness.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "import_apply")) == 1
        assert await s.scalar(select(func.count()).select_from(Cadre).where(
            Cadre.code == "XTH099")) == 1


async def test_two_taps_that_both_pass_the_first_check_apply_once(harness, clock, monkeypatch):
    """Two devices tapping at the same moment both read the file as pending: the conditional
    UPDATE out of "pending" lets one through (bot.services.chat_imports._decide)."""
    from bot.services import chat_imports

    _thao, _anh, ha = await province(harness, clock)
    await ha.send_document(file_name="can_bo.xlsx", mime_type=XLSX,
                           content=roster(add=[new_cadre()]))
    apply_data = ha.last.inline_buttons[0][0].callback_data
    await ha.tap("✅ Áp dụng")

    async def read_as_pending(session, import_id):  # what the second device read
        return await session.get(ChatImport, import_id)

    monkeypatch.setattr(chat_imports, "_pending", read_as_pending)
    await ha.tap_data(apply_data)
    assert any("đã được xử lý" in a for a in ha.alerts)
    async with harness.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "import_apply")) == 1


async def test_rows_with_problems_apply_only_when_asked_and_long_lists_come_as_a_file(
        harness, clock):
    _thao, _anh, ha = await province(harness, clock)
    bad = [new_cadre(f"MOI{n:02d}", birth="31/02/1990") for n in range(12)]
    await ha.send_document(file_name="can_bo.xlsx", mime_type=XLSX,
                           content=roster(add=[new_cadre("XTH099"), *bad]))
    summary = ha.last.text
    assert "• Dòng có lỗi: 12" in summary
    assert 'Dòng 63, cột "Ngày sinh": ngày 31/02/1990 không tồn tại' in summary
    assert "… và 2 lỗi khác: xem tệp đính kèm." in summary
    assert ha.buttons() == ["✅ Chỉ áp dụng các dòng hợp lệ", "✖️ Hủy"]
    details = ha.fake.messages[-2]
    assert details.kind == "document" and details.file_name == "kiem_tra_can_bo.txt"
    listed = details.file_bytes.decode("utf-8-sig")
    assert listed.count("không tồn tại") == 12 and 'Dòng 74, cột "Ngày sinh"' in listed

    await ha.tap("✅ Chỉ áp dụng các dòng hợp lệ")
    assert "Các dòng có lỗi đã được bỏ qua." in ha.last.text
    async with harness.db.session() as s:
        codes = set(await s.scalars(select(Cadre.code)))
    assert "XTH099" in codes and not codes & {f"MOI{n:02d}" for n in range(12)}


async def test_cancel_imports_nothing(harness, clock):
    _thao, _anh, ha = await province(harness, clock)
    await ha.send_document(file_name="can_bo.xlsx", mime_type=XLSX,
                           content=roster(add=[new_cadre()]))
    await ha.tap("✖️ Hủy")
    assert "Đã hủy: không nhập gì từ can_bo.xlsx." in ha.last.text
    async with harness.db.session() as s:
        assert await s.scalar(select(Cadre).where(Cadre.code == "XTH099")) is None
    assert [i.status for i in await imports(harness)] == ["cancelled"]


async def test_a_file_whose_headers_say_nothing_is_asked_about(harness, clock):
    _thao, _anh, ha = await province(harness, clock)
    await ha.send_document(file_name="danh_sach.csv", mime_type="text/csv",
                           content="Mã cán bộ;Họ và tên\nXTH099;Lò Văn Mới\n".encode())
    assert "tệp này là danh sách nào?" in ha.last.text
    assert "Danh sách cán bộ" in ha.buttons() and "✖️ Hủy" in ha.buttons()
    await ha.tap("Danh sách cán bộ")
    assert any("thiếu cột bắt buộc: “Đơn vị”" in a for a in ha.alerts)
    assert [i.status for i in await imports(harness)] == ["pending"]  # another kind, or ✖️


async def test_only_the_board_imports_and_a_flows_file_stays_in_its_flow(harness, clock):
    thao, anh, ha = await province(harness, clock)
    content = roster(add=[new_cadre()])
    for person in (anh, ha):  # the board's help says how
        await person.send("❓ Trợ giúp")
    assert "Gửi danh sách dưới dạng tệp .xlsx hoặc .csv" in ha.last.text
    assert "Gửi danh sách" not in anh.last.text
    await anh.send_document(file_name="can_bo.xlsx", content=content, mime_type=XLSX)
    assert "Tệp này không thuộc thao tác nào" in anh.last.text  # as before: not an import
    # the board composing a notice attaches the spreadsheet to it
    await ha.send("🔔 Thông báo")
    await ha.tap("📣 Soạn thông báo")
    await ha.send("Danh sách cán bộ mới, đề nghị các đơn vị rà soát.")
    await ha.send_document(file_name="can_bo.xlsx", content=content, mime_type=XLSX)
    assert "kiểm tra tệp" not in "\n".join(ha.texts).lower()
    assert await imports(harness) == []
    assert not any(c.method == "getFile" for c in harness.emulator.calls)


async def test_a_file_that_is_not_a_spreadsheet_or_not_a_valid_one(harness, clock):
    _thao, _anh, ha = await province(harness, clock)
    await ha.send_document(file_name="quyet_dinh.pdf", content=b"%PDF-1.4")
    assert ha.last.text.startswith("Tệp này không phải là bảng tính (.xlsx, .xls, .ods "
                                   "hoặc .csv)")
    await ha.send_document(file_name="bang.xlsx", content=b"not a zip at all", mime_type=XLSX)
    assert ha.last.text == ("Không thể nhập tệp bang.xlsx: tệp không phải là .xlsx hợp lệ; "
                            "hãy mở bằng Excel và lưu lại.")
    assert await imports(harness) == []


async def test_too_large_a_file_is_refused_before_it_is_downloaded(harness, clock):
    _thao, _anh, ha = await province(harness, clock)
    await ha.send_document(file_name="lon.xlsx", content=b"0" * (10 * 1024 * 1024 + 1),
                           mime_type=XLSX)
    assert ha.last.text.startswith("Tệp lớn hơn 10 MB, mức tối đa bot đọc được")
    assert not any(c.method == "getFile" for c in harness.emulator.calls)
    harness.app.bot_data["services"].policy.files.max_import_rows = 20
    await ha.send_document(file_name="can_bo.xlsx", content=roster(), mime_type=XLSX)
    assert ha.last.text.startswith("Tệp có hơn 20 dòng, mức tối đa bot nhập một lần")
    assert await imports(harness) == []


# ---------------------------------------------------------------- 📈 Tổng hợp → 📂 Tệp Excel

def codes_in(document) -> list[str]:
    sheet = load_workbook(io.BytesIO(document.file_bytes)).worksheets[0]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


async def test_an_evaluator_downloads_the_evaluations_of_her_own_team_only(harness, clock):
    thao, anh, ha = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    await anh.send("📈 Tổng hợp")
    await anh.tap("📂 Tệp Excel")
    assert anh.last.text == "📂 Các tệp Excel anh/chị được tải — những cán bộ anh/chị đánh giá:"
    assert anh.buttons() == ["📊 Đánh giá Tháng 11/2026", "📚 Tình hình bồi dưỡng Tháng 11/2026"]
    file_button = anh.last.inline_buttons[0][0].callback_data
    await anh.tap("📊 Đánh giá Tháng 11/2026")
    assert anh.last.kind == "document" and anh.last.file_name == "danh_gia_2026-11.xlsx"
    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
        team = set(await s.scalars(select(Cadre.code).where(Cadre.evaluator_id == anh_id,
                                                            Cadre.active.is_(True))))
        everyone = await s.scalar(select(func.count()).select_from(Cadre).where(
            Cadre.active.is_(True)))
    assert set(codes_in(anh.last)) == team and "XTH004" in team
    assert f"những cán bộ anh/chị đánh giá ({len(team)})" in anh.last.text
    await anh.send("📈 Tổng hợp")
    await anh.tap("📂 Tệp Excel")
    await anh.tap("📚 Tình hình bồi dưỡng Tháng 11/2026")
    assert anh.last.file_name == "boi_duong_2026-11.xlsx"
    assert set(codes_in(anh.last)) <= team  # her people's obligations only

    # the board gets the province's, and the notices
    await ha.send("📈 Tổng hợp")
    await ha.tap("📂 Tệp Excel")
    assert ha.buttons() == ["📊 Đánh giá Tháng 11/2026", "📚 Tình hình bồi dưỡng Tháng 11/2026",
                            "🔔 Thông báo và thống kê", "📄 Mẫu nhập: danh sách cán bộ",
                            "📄 Mẫu nhập: đơn vị", "📄 Mẫu nhập: danh mục sản phẩm",
                            "📄 Mẫu nhập: yêu cầu bồi dưỡng"]
    await ha.tap("📊 Đánh giá Tháng 11/2026")
    assert len(codes_in(ha.last)) == everyone > len(team)
    await ha.send("📈 Tổng hợp")
    await ha.tap("📂 Tệp Excel")
    await ha.tap_starting("🔔 Thông báo")
    assert ha.last.file_name == "thong_bao.xlsx"
    await ha.send("📈 Tổng hợp")
    await ha.tap("📂 Tệp Excel")
    await ha.tap("📄 Mẫu nhập: danh sách cán bộ")
    assert ha.last.file_name == "mau_can_bo.xlsx"
    headers = [c.value for c in load_workbook(io.BytesIO(ha.last.file_bytes)).worksheets[0][1]]
    assert "Mã cán bộ" in headers and "Họ và tên" in headers

    # a cadre replaying the evaluator's button, or forging the board's, is refused
    await thao.tap_data(file_button)
    async with harness.db.session() as s:
        november = await s.scalar(select(Period.id).where(Period.kind == "month",
                                                          Period.number == 11))
    await anh.tap_data(f"fx:g:nt:{november}")
    assert [a for a in thao.alerts + anh.alerts if "chỉ dành cho" in a] and \
        len(thao.alerts) == len(anh.alerts) == 1
    assert not [m for m in thao.fake.messages if m.kind == "document"]


# ---------------------------------------------------------------- the sandbox's /gui

async def test_the_sandbox_gui_imports_an_example_roster(tmp_path):
    from tests.test_sandbox import after, sandbox, stored, tap

    first = tmp_path / "first"
    first.mkdir()
    await _first_start(first / "first-start.db")
    path = tmp_path / "danh_sach_can_bo.xlsx"
    path.write_bytes(roster(add=[new_cadre()]))
    shown, database = await sandbox((first / "first-start.db", 0), tmp_path, [
        f"/gui {path}", tap("✅ Áp dụng")], role="board")
    assert "• Thêm mới: 1" in after(shown, f"/gui {path}")
    assert "đã được áp dụng" in after(shown, "#1")
    assert await stored(database, select(Cadre.full_name).where(Cadre.code == "XTH099")) == [
        ("Lò Văn Mới",)]


async def _first_start(path: Path) -> None:
    from bot.clock import FrozenClock
    from bot.db import Database
    from bot.sandbox.runner import prepare
    from tests.harness import make_settings
    from tests.test_sandbox import NOW

    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await prepare(db, make_settings(), FrozenClock(NOW))
    finally:
        await db.dispose()

