"""📚 Bồi dưỡng: obligations, declaring a course, verification (SPEC §4.6)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from bot.services.training import Profile, Status, applies, status_of
from models import Cadre, TrainingRecord, TrainingRequirement
from tests.test_flow_report import setup


async def declare_course(person, title: str) -> None:
    """A one-day state-management course of 8 hours, without certificate: sent to verify."""
    await person.tap("➕ Khai báo khóa học")
    await person.send(title)
    await person.tap("Quản lý nhà nước")
    await person.send("Trường Chính trị tỉnh")
    await person.send("10/10/2026")
    await person.send("8")
    await person.tap("⏭ Bỏ qua")
    await person.tap("⏭ Bỏ qua")
    await person.tap("📤 Gửi xác nhận")


def profile(**kw) -> Profile:
    base = dict(staff_type="cong_chuc", level="xa", unit_codes=frozenset({"XTH-VP", "XTH", "TINH"}),
                position_code="MC-XA", is_leader=False, in_planning=False,
                birth_date=date(1995, 9, 9), theory_level="trung_cap")
    base.update(kw)
    return Profile(**base)


def test_applicability_rules():
    today = date(2026, 11, 20)
    assert applies({}, profile(), today)
    assert applies({"units": ["XTH"]}, profile(), today)  # a unit above counts
    assert not applies({"units": ["SNV"]}, profile(), today)
    assert not applies({"leaders": True, "levels": ["xa"]}, profile(), today)
    assert applies({"leaders": True, "levels": ["xa"]}, profile(is_leader=True), today)
    assert applies({"young": True}, profile(), today)
    assert not applies({"young": True}, profile(birth_date=date(1984, 11, 20)), today)  # 42 today
    assert applies({"young": True}, profile(birth_date=date(1984, 11, 21)), today)
    assert not applies({"positions": ["DC-XA"]}, profile(), today)
    assert not applies({"staff_types": ["vien_chuc"]}, profile(), today)
    assert not applies({"in_planning": True}, profile(), today)


def test_status_by_hours_level_and_due_date():
    req = TrainingRequirement(code="R", category="quan_ly_nha_nuoc", title="QLNN",
                              hours_required=40, year=2026, due_date=date(2026, 12, 15))
    record = TrainingRecord(category="quan_ly_nha_nuoc", hours=24, status="verified",
                            end_date=date(2026, 6, 1))
    claimed = TrainingRecord(category="quan_ly_nha_nuoc", hours=16, status="claimed",
                             end_date=date(2026, 7, 1))
    item = status_of(req, profile(), [record, claimed], date(2026, 10, 1))
    assert (item.status, item.hours_done, item.hours_pending) == (Status.IN_PROGRESS, 24, 16)
    assert status_of(req, profile(), [record], date(2026, 11, 20)).status == Status.DUE_SOON
    assert status_of(req, profile(), [record], date(2026, 12, 16)).status == Status.OVERDUE
    claimed.status = "verified"
    assert status_of(req, profile(), [record, claimed], date(2026, 12, 16)).status == Status.DONE
    level = TrainingRequirement(code="L", category="ly_luan_chinh_tri", title="LLCT",
                                level_required="cao_cap", year=2026, due_date=date(2026, 12, 31))
    assert status_of(level, profile(), [], date(2026, 6, 1)).level_ok is False
    assert status_of(level, profile(theory_level="cu_nhan"), [], date(2026, 6, 1)).status == Status.DONE


async def test_declare_verify_and_reject(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📚 Bồi dưỡng")
    text = thao.last.text
    assert "Nghĩa vụ bồi dưỡng năm 2026" in text
    assert "⚠️ sắp đến hạn — <b>Kỹ năng số và chuyển đổi số cho cán bộ, công chức</b>" in text
    assert "0/16 giờ" in text and "hạn 30/11/2026" in text
    assert "Nghiệp vụ một cửa, dịch vụ công trực tuyến" in text  # by position MC-XA
    assert "Bồi dưỡng kiến thức quốc phòng" not in text  # leaders only

    await thao.tap("➕ Khai báo khóa học")
    await thao.send("Bồi dưỡng kỹ năng số 2026")
    await thao.send("gõ chữ")  # a tap is expected
    assert "Vui lòng trả lời" in thao.last.text
    await thao.tap("Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số")
    await thao.tap("⏭ Bỏ qua")
    await thao.send("03/11/2026 - 31/12/2026")
    assert "Thời gian không hợp lệ" in thao.last.text
    await thao.send("3/11/2026 - 7/11/2026")
    await thao.send("mười sáu")
    assert "không phải là một số" in thao.last.text
    await thao.send("16 <20")  # her text comes back as she typed it (HTML-escaped, sent as HTML)
    assert "«16 &lt;20» không phải là một số" in thao.last.text
    assert thao.last.parse_mode == "HTML"
    await thao.send("16")
    await thao.send("GCN-2026-001")
    await thao.send_document(file_name="a.exe", content=b"MZ", mime_type="application/x-msdownload")
    assert "ảnh hoặc tệp PDF" in thao.last.text
    await thao.send_photo(content=b"\x89PNG cert")
    assert "Vui lòng kiểm tra lại" in thao.last.text and "Số giờ: 16" in thao.last.text
    await thao.tap("📤 Gửi xác nhận")
    assert "Đã gửi «Bồi dưỡng kỹ năng số 2026» để xác nhận" in thao.last.text
    assert "16 giờ — chờ xác nhận" in thao.last.text
    assert "(+16 giờ chờ xác nhận)" in thao.last.text
    assert "Đinh Thị Thảo vừa khai báo khóa học" in anh.last.text

    await anh.send("📚 Bồi dưỡng")
    await anh.tap("🗂 Xác nhận bồi dưỡng (1)")
    assert "Bồi dưỡng kỹ năng số 2026" in anh.last.text
    await anh.tap("Đinh Thị Thảo · Bồi dưỡng kỹ năng số 2026")
    await anh.tap("📎 Xem chứng chỉ")
    assert anh.last.kind == "photo"
    verify_screen = anh.fake.messages[-2]  # the certificate came after the screen
    await anh.tap_data(verify_screen.inline_buttons[0][0].callback_data, verify_screen.message_id)
    assert "Đã xác nhận «Bồi dưỡng kỹ năng số 2026» của Đinh Thị Thảo" in verify_screen.text
    assert "đã được xác nhận" in thao.last.text
    await thao.send("📚 Bồi dưỡng")
    assert "✅ đạt — <b>Kỹ năng số và chuyển đổi số cho cán bộ, công chức</b>" in thao.last.text
    assert "16/16 giờ" in thao.last.text

    # a second declaration, rejected with a reason
    await declare_course(thao, "Lớp QLNN")
    await anh.send("📚 Bồi dưỡng")
    await anh.tap("🗂 Xác nhận bồi dưỡng (1)")
    await anh.tap("Đinh Thị Thảo · Lớp QLNN")
    await anh.tap("❌ Không xác nhận")
    await anh.send("x" * 501)
    assert "Lý do quá dài" in anh.last.text  # asked again; nothing decided yet
    assert anh.buttons() == ["⬅️ Quay lại"]  # … with the way back to the course
    await anh.send("Không có giấy chứng nhận")
    assert "Lý do: Không có giấy chứng nhận" in thao.last.text
    async with harness.db.session() as s:
        statuses = sorted(r.status for r in await s.scalars(select(TrainingRecord)))
    assert statuses == ["rejected", "verified"]


async def test_only_the_evaluator_or_board_verifies(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.tap_data("tr:a:1")
    await thao.tap_data("tr:v")
    assert sum("hết hiệu lực" in a for a in thao.alerts) == 2
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 880
    ha = harness.person(880, "Hà")
    await ha.send("📚 Bồi dưỡng")
    await ha.tap("📋 Danh sách yêu cầu")
    assert "Yêu cầu bồi dưỡng</b> (6)" in ha.last.text and "Nghị định 171/2025/NĐ-CP" in ha.last.text


async def test_board_staff_cannot_verify_their_own_course(harness, clock):
    await setup(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 890
    ha = harness.person(890, "Hà")
    await ha.send("📚 Bồi dưỡng")
    await declare_course(ha, "Lớp kỹ năng số 2026")
    assert "Đã gửi «Lớp kỹ năng số 2026» để xác nhận" in ha.last.text
    assert "Xác nhận bồi dưỡng (1)" not in " ".join(ha.buttons())
    async with harness.db.session() as s:
        record = await s.scalar(select(TrainingRecord).where(
            TrainingRecord.title == "Lớp kỹ năng số 2026"))
    await ha.tap_data(f"tr:a:{record.id}")  # a forged ✅ Xác nhận on her own course
    async with harness.db.session() as s:
        record = await s.get(TrainingRecord, record.id)
        assert (record.status, record.verifier_id) == ("claimed", None)


async def test_one_transaction_per_update(harness, clock):
    """Telling the evaluator (a declaration) or the cadre (a decision) happens after the
    commit, in the same one transaction (see tests/test_flow_notices.py for the budget)."""
    from tests.test_flow_notices import over_budget

    thao, anh = await setup(harness, clock)
    harness.transactions.clear()
    await thao.send("📚 Bồi dưỡng")
    await thao.tap("➕ Khai báo khóa học")
    await thao.send("Bồi dưỡng kỹ năng số 2026")
    await thao.tap("Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số")
    await thao.send("Trường Chính trị tỉnh")
    await thao.send("31/12/2026")  # refused: not over yet
    await thao.send("3/11/2026 - 7/11/2026")
    await thao.send("16")
    await thao.tap("⏭ Bỏ qua")
    await thao.send_photo(content=b"\x89PNG cert")
    await thao.tap("📤 Gửi xác nhận")
    await declare_course(thao, "Lớp QLNN")
    await anh.send("📚 Bồi dưỡng")
    await anh.tap("🗂 Xác nhận bồi dưỡng (2)")
    await anh.tap("Đinh Thị Thảo · Bồi dưỡng kỹ năng số 2026")
    await anh.tap("📎 Xem chứng chỉ")
    verify_screen = anh.fake.messages[-2]
    await anh.tap_data(verify_screen.inline_buttons[0][0].callback_data, verify_screen.message_id)
    await anh.tap("Đinh Thị Thảo · Lớp QLNN")
    await anh.tap("❌ Không xác nhận")
    await anh.send(".")  # refused: no reason
    await anh.send("Không có giấy chứng nhận")
    await thao.tap_data("tr:a:1")  # refused: not hers to verify
    assert "Lý do: Không có giấy chứng nhận" in thao.last.text
    assert len(harness.transactions) >= 25
    assert over_budget(harness, {}) == []


async def test_courses_are_verified_from_the_approvals_with_a_way_back_everywhere(
        harness, clock):
    """Issue #22: verification sat under 📚 Bồi dưỡng and ended on a screen with no button.
    It is with the other decisions under ✅ Phê duyệt; every screen leads back."""
    from tests.transactions import begun_since

    thao, anh = await setup(harness, clock)
    await thao.send("📚 Bồi dưỡng")
    await declare_course(thao, "Lớp quản lý nhà nước ngạch chuyên viên")
    since = len(harness.transactions)
    await anh.send("✅ Phê duyệt")
    assert "🗂 1 khóa học chờ xác nhận" in anh.last.text
    await anh.tap("🗂 Xác nhận bồi dưỡng (1)")
    assert "Khóa học chờ xác nhận</b> (1)" in anh.last.text
    assert "Đinh Thị Thảo: Lớp quản lý nhà nước ngạch chuyên viên — 8 giờ" in anh.last.text
    assert anh.buttons() == ["Đinh Thị Thảo · Lớp quản lý nhà nước ngạch…", "⬅️ Về Phê duyệt"]
    await anh.tap("Đinh Thị Thảo · Lớp quản lý nhà nước ngạch…")
    assert "Xác nhận khóa học" in anh.last.text and "Số giờ: 8" in anh.last.text
    assert anh.buttons() == ["✅ Xác nhận", "❌ Không xác nhận", "⬅️ Danh sách chờ xác nhận",
                             "⬅️ Về Phê duyệt"]
    await anh.tap("❌ Không xác nhận")
    assert "Vì sao không xác nhận" in anh.last.text and anh.buttons() == ["⬅️ Quay lại"]
    await anh.tap("⬅️ Quay lại")  # changed her mind: no longer asked for a reason
    assert "Xác nhận khóa học" in anh.last.text
    async with harness.db.session() as s:  # a typed text would not be taken as a reason
        assert await s.scalar(text("SELECT flow FROM flow_states WHERE chat_id = :c"),
                              {"c": anh.id}) is None
        assert (await s.scalar(select(TrainingRecord))).status == "claimed"
    await anh.tap("✅ Xác nhận")
    shown = anh.last.text
    assert "Đã xác nhận «Lớp quản lý nhà nước ngạch chuyên viên» của Đinh Thị Thảo" in shown
    assert "Không có khóa học nào chờ anh/chị xác nhận" in shown
    assert anh.buttons() == ["⬅️ Về Phê duyệt"]
    assert "đã được xác nhận" in thao.last.text
    await anh.tap("⬅️ Về Phê duyệt")
    assert "Phê duyệt" in anh.last.text and "khóa học chờ xác nhận" not in anh.last.text
    async with harness.db.session() as s:
        record = await s.scalar(select(TrainingRecord))
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
        assert (record.status, record.verifier_id) == ("verified", anh_id)
    begun = begun_since(harness, since)
    assert len(begun) == 7 and max(begun) == 1, begun


async def test_the_verification_list_is_paged(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📚 Bồi dưỡng")
    for number in range(10):
        await declare_course(thao, f"Lớp {number + 1}")
    await anh.send("✅ Phê duyệt")
    assert "🗂 10 khóa học chờ xác nhận" in anh.last.text
    await anh.tap("🗂 Xác nhận bồi dưỡng (10)")
    assert anh.buttons()[-2:] == ["Tiếp ▶️", "⬅️ Về Phê duyệt"]
    assert anh.buttons()[0] == "Đinh Thị Thảo · Lớp 1"  # oldest first
    await anh.tap("Tiếp ▶️")
    assert anh.buttons() == ["Đinh Thị Thảo · Lớp 9", "Đinh Thị Thảo · Lớp 10", "◀️ Trước",
                             "⬅️ Về Phê duyệt"]
