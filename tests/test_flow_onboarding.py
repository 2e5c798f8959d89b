"""Onboarding and the main menu, as people use them (SPEC §2–3)."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo import load_demo_province
from bot.services import identity
from models import AuditLog, Cadre

SHARE = "📱 Chia sẻ số điện thoại"
CADRE_MENU = ["📝 Báo cáo KPI", "📊 Kết quả của tôi", "📚 Bồi dưỡng", "🔔 Thông báo", "❓ Trợ giúp"]
SUPERVISOR_MENU = ["📝 Báo cáo KPI", "📊 Kết quả của tôi", "📚 Bồi dưỡng", "🔔 Thông báo",
                   "✅ Phê duyệt", "📈 Tổng hợp", "❓ Trợ giúp"]


async def province(harness, clock):
    async with harness.db.session() as s:
        await load_demo_province(s, clock.now(), link=False)


async def test_cadre_links_by_sharing_own_phone(harness, clock):
    await province(harness, clock)
    thao = harness.person(501, "Thảo", phone="+84912000015")
    await thao.send("/start")
    assert "Chia sẻ số điện thoại" in thao.last.text
    assert thao.keyboard_labels() == [SHARE]

    await thao.tap(SHARE)
    assert "Chào mừng Đinh Thị Thảo" in thao.last.text
    assert thao.keyboard_labels() == CADRE_MENU
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        assert cadre.telegram_user_id == 501


async def test_someone_elses_contact_is_refused(harness, clock):
    await province(harness, clock)
    stranger = harness.person(502, "Khách", phone="+84900000000")
    await stranger.send("/start")
    await stranger.share_contact(phone="+84912000015", user_id=999)
    assert "của chính anh/chị" in stranger.last.text
    async with harness.db.session() as s:
        assert await identity.linked_cadre(s, 502) is None


async def test_unknown_phone_offers_invite_code(harness, clock):
    await province(harness, clock)
    p = harness.person(503, "Khách", phone="+84987654321")
    await p.send("/start")
    await p.tap(SHARE)
    assert "không có trong danh sách cán bộ" in p.last.text
    assert "mã kích hoạt" in p.last.text
    # Anything else still gets only onboarding
    await p.send("📝 Báo cáo KPI")
    assert "chưa được liên kết" in p.last.text
    assert p.keyboard_labels() == [SHARE]


async def test_invite_deep_link_and_reuse(harness, clock):
    await province(harness, clock)
    async with harness.db.session() as s:
        code, _ = await identity.issue_invite(s, "XTH007", now=clock.now())  # no phone on file
    p = harness.person(504, "Định")
    await p.send(f"/start {code}")
    assert "Chào mừng Cao Văn Định" in p.last.text
    other = harness.person(505, "Ai đó")
    await other.send(f"/start {code}")
    assert "đã được sử dụng" in other.last.text
    # typed by hand, with a dash and lower case, also works for a fresh code
    async with harness.db.session() as s:
        code2, _ = await identity.issue_invite(s, "SNV005", now=clock.now())
    typed = harness.person(506, "Anh")
    await typed.send(code2[:5].lower() + "-" + code2[5:])
    assert "Chào mừng Hoàng Đức Anh" in typed.last.text


async def test_a_linked_person_opening_a_wrong_link_keeps_the_menu(harness, clock):
    await province(harness, clock)
    thao = harness.person(509, "Thảo", phone="+84912000015")
    await thao.send("/start")
    await thao.tap(SHARE)
    await thao.send("/start abc123")  # an old or mistyped invite link
    assert "Mã kích hoạt" in thao.last.text
    assert "Tài khoản của anh/chị vẫn liên kết với hồ sơ XTH004." in thao.last.text
    assert thao.keyboard_labels() == CADRE_MENU
    async with harness.db.session() as s:
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))).telegram_user_id == 509


async def test_a_linked_person_opening_another_records_link_is_asked_first(harness, clock):
    await province(harness, clock)
    thao = harness.person(510, "Thảo", phone="+84912000015")
    await thao.send("/start")
    await thao.tap(SHARE)
    async with harness.db.session() as s:
        code, _ = await identity.issue_invite(s, "XTH007", now=clock.now())
    await thao.send(f"/start {code}")  # Định's link, forwarded to her by mistake
    assert ("đang liên kết với hồ sơ XTH004 (Đinh Thị Thảo)" in thao.last.text
            and "hồ sơ XTH007 (Cao Văn Định)" in thao.last.text)
    await thao.tap("✖️ Giữ hồ sơ XTH004")
    assert "vẫn liên kết với hồ sơ XTH004" in thao.last.text
    async with harness.db.session() as s:
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))).telegram_user_id == 510
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH007"))).telegram_user_id is None
    dinh = harness.person(511, "Định")  # the code was not used up: its owner still can
    await dinh.send(f"/start {code}")
    assert "Chào mừng Cao Văn Định" in dinh.last.text

    async with harness.db.session() as s:
        code, _ = await identity.issue_invite(s, "SNV005", now=clock.now())
    await thao.send(f"/start {code}")
    await thao.tap("✅ Chuyển sang hồ sơ SNV005")  # she means it
    assert "Chào mừng Hoàng Đức Anh" in thao.last.text
    async with harness.db.session() as s:
        assert (await s.scalar(select(Cadre).where(Cadre.code == "SNV005"))).telegram_user_id == 510
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))).telegram_user_id is None


async def test_relinking_a_linked_record_needs_a_new_code(harness, clock):
    await province(harness, clock)
    old_phone = harness.person(507, "Thảo", phone="+84912000015")
    await old_phone.send("/start")
    await old_phone.tap(SHARE)
    new_phone = harness.person(508, "Thảo", phone="+84912000015")
    await new_phone.send("/start")
    await new_phone.tap(SHARE)
    assert "đã được liên kết với một tài khoản Telegram khác" in new_phone.last.text
    async with harness.db.session() as s:
        code, _ = await identity.issue_invite(s, "XTH004", now=clock.now())
    await new_phone.send(code)
    assert "Chào mừng Đinh Thị Thảo" in new_phone.last.text
    await old_phone.send("📝 Báo cáo KPI")
    assert "chưa được liên kết" in old_phone.last.text
    async with harness.db.session() as s:
        actions = list(await s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["link", "invite", "relink"]


async def test_menus_by_role(harness, clock):
    await province(harness, clock)
    async with harness.db.session() as s:
        for code, tg in [("XTH004", 601), ("XTH002", 602), ("BTC002", 603)]:
            (await s.scalar(select(Cadre).where(Cadre.code == code))).telegram_user_id = tg
    cadre, supervisor, board = (harness.person(i) for i in (601, 602, 603))
    for p in (cadre, supervisor, board):
        await p.send("/start")
    assert cadre.keyboard_labels() == CADRE_MENU
    assert supervisor.keyboard_labels() == SUPERVISOR_MENU
    assert board.keyboard_labels() == SUPERVISOR_MENU

    await cadre.send("✅ Phê duyệt")
    assert "chỉ dành cho người đánh giá" in cadre.last.text
    await cadre.send("/pheduyet")
    assert "chỉ dành cho người đánh giá" in cadre.last.text
    await supervisor.send("✅ Phê duyệt")
    assert "Không có báo cáo nào chờ duyệt" in supervisor.last.text
    await cadre.send("📈 Tổng hợp")
    assert "chỉ dành cho người đánh giá" in cadre.last.text

    await cadre.send("/trogiup")
    help_text = cadre.last.text
    for label in CADRE_MENU:
        assert label in help_text
    assert "Phê duyệt" not in help_text
    await supervisor.tap("❓ Trợ giúp")
    assert "Phê duyệt" in supervisor.last.text


async def test_restart_keeps_the_link(harness, clock):
    await province(harness, clock)
    p = harness.person(509, "Thảo", phone="+84912000015")
    await p.send("/start")
    await p.tap(SHARE)
    await harness.restart(clock)
    await p.send("/start")
    assert "Xin chào Đinh Thị Thảo" in p.last.text
    assert p.keyboard_labels() == CADRE_MENU


async def test_anything_unexpected_gets_a_helpful_answer(harness, clock):
    await province(harness, clock)
    async with harness.db.session() as s:
        (await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))).telegram_user_id = 610
    p = harness.person(610)
    await p.send("xin chào")
    assert "chưa hiểu" in p.last.text
    await p.send("/khongco")
    assert "/trogiup" in p.last.text
    await p.send_sticker()
    assert "chỉ đọc được tin nhắn chữ" in p.last.text
    await p.send_document(file_name="a.exe", content=b"MZ", mime_type="application/octet-stream")
    assert "Tệp này không thuộc thao tác nào" in p.last.text
    await p.send("x" * 4096)
    assert "chưa hiểu" in p.last.text
    await p.tap_data("v1:forged:123")
    assert any("hết hiệu lực" in a for a in p.alerts)
    await p.send("/huy")
    assert "Không có thao tác nào" in p.last.text


async def test_group_chats_are_left(harness, clock):
    await province(harness, clock)
    p = harness.person(611)
    p.fake.text_in_group("xin chào", chat_id=-100500, chat_type="supergroup")
    await harness.process()
    sent = [c for c in harness.emulator.calls if c.params.get("chat_id") in (-100500, "-100500")]
    methods = [c.method for c in sent]
    assert methods == ["sendMessage", "leaveChat"]
    assert "trò chuyện riêng" in sent[0].params["text"]


async def test_a_flooding_user_is_slowed_with_one_notice_others_unaffected(harness, clock):
    await province(harness, clock)
    async with harness.db.session() as s:
        for code, tg in [("XTH004", 620), ("XTH003", 621)]:
            (await s.scalar(select(Cadre).where(Cadre.code == code))).telegram_user_id = tg
    from handlers.gate import FloodControl

    harness.app.bot_data["flood"] = FloodControl(10)  # the limit a real deployment has
    flooder, other = harness.person(620), harness.person(621)
    for _ in range(25):
        await flooder.send("/trogiup")
    notices = [t for t in flooder.texts if "quá nhanh" in t]
    assert len(notices) == 1
    assert len([t for t in flooder.texts if "Hướng dẫn sử dụng" in t]) == 10
    await other.send("/trogiup")
    assert "Hướng dẫn sử dụng" in other.last.text


async def test_linking_the_menu_and_reminder_settings_take_one_transaction_per_update(
        harness, clock, monkeypatch):
    from tests.transactions import begun_since

    await province(harness, clock)
    async with harness.db.session() as s:
        code, _ = await identity.issue_invite(s, "XTH007", now=clock.now())
        moved, _ = await identity.issue_invite(s, "SNV005", now=clock.now())
    thao = harness.person(512, "Thảo", phone="+84912000015")
    dinh = harness.person(513, "Định")
    await thao.send("/start")
    await thao.tap(SHARE)  # linked by phone
    assert "Chào mừng Đinh Thị Thảo" in thao.last.text
    await dinh.send("ABCDEFGH23")  # looks like a code, is none
    assert "không đúng" in dinh.last.text
    await dinh.send(f"/start {code}")
    assert "Chào mừng Cao Văn Định" in dinh.last.text
    await dinh.tap_data("ob:keep")  # the relink buttons, for someone linked already
    await thao.send(f"/start {code}")  # used by Định now: she keeps her record and menu
    assert "đã được sử dụng" in thao.last.text and thao.keyboard_labels() == CADRE_MENU
    await thao.send(f"/start {moved}")
    await thao.tap("✅ Chuyển sang hồ sơ SNV005")
    assert "Chào mừng Hoàng Đức Anh" in thao.last.text
    await thao.tap_data("ob:mv:abc")  # forged
    await thao.send("/trogiup")
    await thao.send("/huy")
    await thao.send("/caidat")
    assert "đang bật" in thao.last.text
    await thao.tap("🔕 Tắt nhắc nhở")
    assert "đang tắt" in thao.last.text
    await thao.tap("🔔 Bật nhắc nhở")
    assert "đang bật" in thao.last.text
    await thao.tap_data("rm:z")  # the two buttons under a reminder
    assert "Trợ lý sẽ nhắc lại lúc" in thao.alerts[-1]
    await thao.tap_data("rm:off")
    assert "đang tắt" in thao.last.text
    await thao.tap_data("rm:zz")
    await thao.send("xin chào")
    begun = begun_since(harness, 0)
    assert len(begun) == 18 and max(begun) == 1, begun
    assert sum("hết hiệu lực" in a for a in thao.alerts) == 2
    async with harness.db.session() as s:
        anh = await s.scalar(select(Cadre).where(Cadre.code == "SNV005"))
        assert anh.telegram_user_id == 512 and not anh.reminders_enabled
        assert anh.snoozed_until is not None
