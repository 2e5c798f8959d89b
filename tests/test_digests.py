"""📈 Tổng hợp on a small known dataset: numbers checked, chart and Excel readable."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from models import Cadre
from tests.test_flow_rating import approved


async def test_supervisor_and_board_digests(harness, clock):
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap_starting("✅ Xác nhận:")
    await anh.send("📈 Tổng hợp")
    async with harness.db.session() as s:
        evaluatees = list(await s.scalars(select(Cadre.full_name).where(
            Cadre.evaluator_id == select(Cadre.id).where(Cadre.code == "XTH002").scalar_subquery())))
    text = anh.last.text
    assert f"Tổng hợp Tháng 11/2026</b> — {len(evaluatees)} cán bộ do anh/chị đánh giá" in text
    assert f"Đã gửi: 1/{len(evaluatees)} · nộp muộn: 0 · chờ anh/chị duyệt: 0 sản phẩm" in text
    assert "Chưa gửi: " in text and "Trịnh Văn Nam" in text and "Đinh Thị Thảo" not in text.split("Chưa gửi")[1]
    assert "Mức đánh giá: Hoàn thành xuất sắc nhiệm vụ: 1 · Hoàn thành tốt nhiệm vụ: 0" in text
    assert "Quá hạn bồi dưỡng" not in text  # nothing is past due on 20/11/2026
    clock.advance(days=11)  # 01/12/2026: the digital-skills course (due 30/11) is overdue
    await anh.send("📈 Tổng hợp")
    assert "Quá hạn bồi dưỡng: " in anh.last.text and "Đinh Thị Thảo" in anh.last.text.split(
        "Quá hạn bồi dưỡng: ")[1]
    clock.advance(days=-11)
    chart = anh.fake.messages[-2]
    assert chart.kind == "photo" and chart.file_bytes.startswith(b"\x89PNG")
    await anh.tap("📥 Tải Excel")
    document = anh.last
    assert document.kind == "document" and document.file_name == "tong_hop_2026_11.xlsx"
    wb = load_workbook(io.BytesIO(document.file_bytes))
    rows = {r[1]: r for r in wb["Cán bộ"].iter_rows(min_row=2, values_only=True)}
    assert rows["Đinh Thị Thảo"][3] == "có"
    assert rows["Đinh Thị Thảo"][7] == "Hoàn thành xuất sắc nhiệm vụ"
    assert rows["Trịnh Văn Nam"][3] == "chưa"

    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 890
    ha = harness.person(890, "Hà")
    await ha.send("📈 Tổng hợp")
    overview = next(m.text for m in ha.fake.messages if "Tổng hợp toàn tỉnh" in (m.text or ""))
    assert "Đã gửi báo cáo: 1/50 (2%)" in overview  # the quarterly Sở Tài chính is not due
    assert "Đơn vị có tỷ lệ gửi báo cáo thấp nhất" in overview
    assert "trên mức trần" not in overview and "Xuất sắc»:" not in overview  # no quota
    assert "Chỉ tiêu nghị quyết" in overview
    assert ("• Cán bộ, công chức được bồi dưỡng trong năm: 0,0% / mục tiêu: đạt 100% hằng năm "
            "— còn thiếu 100,0%") in overview
    # one report of fifty is not "100% on time, reached" (#22 item 9)
    assert ("• Báo cáo gửi đúng hạn: chưa đủ số liệu (1/50 báo cáo) — mục tiêu: đạt 95% mỗi kỳ"
            in overview)
    assert "Báo cáo gửi đúng hạn: 100,0%" not in overview and "— đã đạt\n• Báo cáo gửi" not in overview
    assert ("• Lãnh đạo có trình độ thạc sĩ trở lên: 46,2% / mục tiêu: trên 25% đến năm 2030 "
            "— đã đạt") in overview
    targets_section = overview.split("Chỉ tiêu nghị quyết")[1]
    assert targets_section.index("bồi dưỡng trong năm") < targets_section.index("đúng hạn")
    await ha.tap("📥 Tải Excel")
    board_book = load_workbook(io.BytesIO(ha.last.file_bytes))
    assert board_book.sheetnames == ["Cán bộ", "Đơn vị", "Chỉ tiêu nghị quyết",
                                     "Chỉ tiêu theo đơn vị", "Mức đánh giá", "Thông báo",
                                     "Bồi dưỡng"]
    by_unit = {r[0]: r for r in board_book["Chỉ tiêu theo đơn vị"].iter_rows(values_only=True)}
    assert "UBND xã Tân Hưng" in by_unit and "Sở Tài chính" in by_unit
    await ha.tap_data("dg:x:0")  # a forged period id
    assert any("hết hiệu lực" in a for a in ha.alerts)
    await thao.tap_data("dg:x:1")  # not an evaluator
    assert any("hết hiệu lực" in a for a in thao.alerts)


async def test_digest_on_a_fresh_province_shows_the_period_under_way(harness, clock):
    """Nobody has opened "📝 Báo cáo KPI" yet, so no period row exists: the digest still
    shows the month under way (everyone not yet reported), for the evaluator and the board."""
    from models import Period
    from tests.test_flow_report import setup

    _thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        assert await s.scalar(select(Period)) is None
    await anh.send("📈 Tổng hợp")
    assert not any("Chưa có kỳ nào" in (m.text or "") for m in anh.fake.messages)
    assert "Tổng hợp Tháng 11/2026</b>" in anh.last.text
    assert "Đã gửi: 0/" in anh.last.text and "Đinh Thị Thảo" in anh.last.text
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 890
        assert [(p.kind, p.year, p.number) for p in await s.scalars(select(Period))] == [
            ("month", 2026, 11)]
    ha = harness.person(890, "Hà")
    await ha.send("📈 Tổng hợp")
    overview = next(m.text for m in ha.fake.messages if "Tổng hợp toàn tỉnh" in (m.text or ""))
    assert "Tháng 11/2026" in overview and "Đã gửi báo cáo: 0/50 (0%)" in overview
    # nobody is rated yet: that indicator has no data, it is not the largest gap
    no_data = ("• Cán bộ, công chức cấp xã xếp loại hoàn thành tốt nhiệm vụ trở lên: chưa có số "
               "liệu — mục tiêu: trên 90% hằng năm")  # one dash, not "— / … — " (#22 item 12)
    assert no_data in overview
    targets = [line for line in overview.split("Chỉ tiêu nghị quyết")[1].splitlines()
               if line.startswith("• ") and "mục tiêu" in line]
    async with harness.db.session() as s:  # the quarterly unit: its quarter is under way
        assert ("quarter", 2026, 4) in [(p.kind, p.year, p.number)
                                        for p in await s.scalars(select(Period))]
    assert targets[0].endswith("còn thiếu 100,0%") and targets.index(no_data) > 0


async def test_digest_shows_the_period_under_review_in_vietnamese_name_order(harness, clock):
    """On 01/12 November's reports are coming in (deadline 03/12): the digest is about
    November, though December has begun; a week after the deadline it moves on."""
    from bot.i18n import vietnamese_name_key
    from tests.test_flow_report import setup

    thao, anh = await setup(harness, clock)
    clock.advance(days=11)  # Tuesday 01/12/2026
    await thao.send("📝 Báo cáo KPI")  # creates December's period
    await anh.send("📈 Tổng hợp")
    assert "Tổng hợp Tháng 11/2026</b>" in anh.last.text
    names = anh.last.text.split("Chưa gửi: ")[1].split("\n")[0].split(", ")
    assert len(names) > 5 and names == sorted(names, key=vietnamese_name_key)
    assert names.index("Trịnh Văn Nam") < names.index("Đinh Thị Thảo")  # by given name
    clock.advance(days=10)  # 11/12: November's deadline passed more than a week ago
    await anh.send("📈 Tổng hợp")
    assert "Tổng hợp Tháng 12/2026</b>" in anh.last.text


async def test_scheduled_digests_go_once_on_monday_and_after_a_deadline(harness, clock):
    from datetime import date

    from bot.jobs.digests import send_scheduled as send
    from bot.services.calendar import WorkCalendar
    from bot.services.digests import digest_day
    from handlers.screens.digest import digest_keyboard, render_digest

    def send_scheduled(app, today):
        return send(app, today, render_digest, digest_keyboard)

    cal = WorkCalendar()
    deadlines = [date(2026, 12, 3)]
    assert digest_day(date(2026, 11, 30), cal, deadlines)  # a Monday
    assert digest_day(date(2026, 12, 4), cal, deadlines)  # the working day after the deadline
    assert not digest_day(date(2026, 12, 2), cal, deadlines)
    assert not digest_day(date(2026, 12, 3), cal, deadlines)
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:  # a board member is linked too
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 890
    ha = harness.person(890, "Hà")
    before = len(anh.fake.messages)
    assert await send_scheduled(harness.app, date(2026, 11, 23)) == 2  # Ánh and Hà
    mine = anh.fake.messages[before:]
    assert [m.kind for m in mine] == ["photo", "text"]
    assert mine[0].file_name == "diem.png" and mine[0].file_bytes.startswith(b"\x89PNG")
    assert "Tổng hợp Tháng 11/2026</b> — " in mine[1].text and "do anh/chị đánh giá" in mine[1].text
    assert "toàn tỉnh" not in mine[1].text
    overview = [m for m in ha.fake.messages if m.kind == "photo" or "toàn tỉnh" in (m.text or "")]
    assert overview[0].file_name == "tong_hop.png" and "Tổng hợp toàn tỉnh" in overview[1].text
    assert "🏢 Theo đơn vị" in ha.buttons() and "🏢 Theo đơn vị" not in anh.buttons()
    assert await send_scheduled(harness.app, date(2026, 11, 23)) == 0  # never twice
    assert not any("Tổng hợp" in (m.text or "") for m in thao.fake.messages)


async def test_board_drills_down_and_changes_period(harness, clock, monkeypatch):
    import handlers.screens.digest

    monkeypatch.setattr(handlers.screens.digest, "UNIT_PAGE", 2)  # the demo's few units, 2 a page
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 891
    ha = harness.person(891, "Hà")
    await ha.send("📈 Tổng hợp")
    await ha.tap("🏢 Theo đơn vị")
    assert "Tỉnh Hưng Yên</b> — Tháng 11/2026" in ha.last.text
    assert "Đơn vị 1–2 trong số" in ha.last.text
    while "UBND xã Tân Hưng" not in ha.buttons():  # page by page
        await ha.tap("Tiếp ▶️")
    assert "• UBND xã Tân Hưng: 1/" in ha.last.text
    assert "📈 Tổng hợp toàn tỉnh" in ha.buttons()  # the way back from the top
    await ha.tap("UBND xã Tân Hưng")
    assert "Văn phòng HĐND và UBND xã Tân Hưng: 1/" in ha.last.text
    await ha.tap("Văn phòng HĐND và UBND xã Tân Hưng")
    assert "• Đinh Thị Thảo: đã gửi" in ha.last.text
    await ha.tap("⬆️ Lên cấp trên")
    assert "UBND xã Tân Hưng</b>" in ha.last.text
    await ha.tap("⬆️ Lên cấp trên")
    assert "Tỉnh Hưng Yên</b>" in ha.last.text
    await ha.tap("📈 Tổng hợp toàn tỉnh")
    assert "Tổng hợp toàn tỉnh — Tháng 11/2026" in ha.fake.messages[-1].text
    await anh.tap_data(f"dg:u:{1}:0")  # a supervisor cannot browse the province
    assert any("hết hiệu lực" in a for a in anh.alerts)
    await ha.send("📈 Tổng hợp")
    await ha.tap("📅 Chọn kỳ khác")
    await ha.tap("Tháng 10/2026")
    assert any("Tổng hợp toàn tỉnh — Tháng 10/2026" in (m.text or "") for m in ha.fake.messages)


async def test_each_digest_tap_is_one_transaction(harness, clock):
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 892
    ha = harness.person(892, "Hà")
    start = len(harness.transactions)
    await anh.send("📈 Tổng hợp")
    await anh.tap("📥 Tải Excel")
    await ha.send("📈 Tổng hợp")
    await ha.tap("🏢 Theo đơn vị")
    await ha.tap("UBND xã Tân Hưng")
    await ha.send("📈 Tổng hợp")
    await ha.tap("📅 Chọn kỳ khác")
    await ha.tap("Tháng 10/2026")
    await anh.tap_data("dg:u:1:0")  # refused: not the board
    await anh.tap_data("dg:p:999999")  # refused: no such period
    await anh.tap_data("dg:zz")  # refused: forged
    await thao.send("📈 Tổng hợp")  # refused: evaluates nobody
    counted = harness.transactions[start:]
    taps = [n for data, n in counted if "callback_query" in data]
    labels = [n for data, n in counted if "message" in data]
    assert len(taps) == 8 and max(taps) <= 1
    assert len(labels) == 4 and max(labels) <= 1


async def test_the_digest_use_cases_reauthorise_every_request(harness, clock):
    from datetime import date

    from bot.services import digests
    from bot.services.digests import DigestError
    from bot.services.identity import actor_for
    from tests.test_flow_report import ANH, THAO

    thao, anh = await approved(harness, clock)
    services = harness.app.bot_data["services"]
    today, calendar, policy = date(2026, 11, 20), services.calendar, services.policy
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 893
    async with harness.db.session() as s:
        cadre = await actor_for(s, THAO, clock.now())
        evaluator = await actor_for(s, ANH, clock.now())
        member = await actor_for(s, 893, clock.now())
        for refused, code in [
                (digests.view(s, cadre, None, today, calendar, policy), "forbidden"),
                (digests.view(s, None, None, today, calendar, policy), "forbidden"),
                (digests.recent_periods(s, cadre, today), "forbidden"),
                (digests.view(s, evaluator, 10 ** 9, today, calendar, policy), "not_found"),
                (digests.unit_view(s, evaluator, 1, None, today, calendar, policy), "forbidden")]:
            try:
                await refused
            except DigestError as error:
                assert error.code == code
            else:
                raise AssertionError(f"not refused: {code}")
        mine = await digests.view(s, evaluator, None, today, calendar, policy)
        assert mine.board is None and mine.period.kind == "month" and mine.period.number == 11
        assert "Đinh Thị Thảo" in [line.name for line in mine.mine.submitted]
        overview = await digests.view(s, member, mine.period.id, today, calendar, policy)
        assert overview.board is not None and overview.board.submitted == 1
        drill = await digests.unit_view(s, member, mine.period.id, None, today, calendar, policy)
        assert drill.period.id == mine.period.id and drill.breakdown.children
        recent = await digests.recent_periods(s, evaluator, today)
        assert recent[0].starts_on <= today and all(p.kind != "year" for p in recent)


async def test_the_scheduled_round_skips_who_already_got_it(harness, clock):
    from datetime import date

    from bot.services import digests, reminders
    from tests.test_flow_report import ANH

    thao, anh = await approved(harness, clock)
    services = harness.app.bot_data["services"]
    today = date(2026, 11, 23)
    async with harness.db.session() as s:
        found = await digests.scheduled_round(s, today, services.calendar, services.policy)
    (evaluator,) = found.recipients  # the only linked evaluator; no board member is linked
    assert evaluator.chat_id == ANH and evaluator.board is None and evaluator.mine.lines
    async with harness.db.session() as s:
        assert await reminders.claim(s, reminders.Reminder(
            evaluator.cadre_id, evaluator.chat_id, digests.round_subject(today), "digest", "digest"),
            clock.now())
    async with harness.db.session() as s:
        again = await digests.scheduled_round(s, today, services.calendar, services.policy)
    assert again.recipients == [] and again.period.id == found.period.id


def test_the_drill_down_button_keeps_both_of_its_wire_forms():
    from handlers.callbacks import decode
    from handlers.screens.digest import PREFIX, UNIT

    assert UNIT.data(12, 0) == "dg:u:12:0"  # a unit opened (no page)
    assert UNIT.data(12, 5, 2) == "dg:u:12:5:2"  # ◀️ / ▶️
    opened, paged = decode("dg:u:12:0", PREFIX), decode("dg:u:12:5:2", PREFIX)
    assert (opened.period_id, opened.unit_id, opened.page) == (12, 0, None)
    assert (paged.period_id, paged.unit_id, paged.page) == (12, 5, 2)
    assert all(decode(data, PREFIX) is None for data in
               ["dg:u:12", "dg:u:12:5:2:1", "dg:u:12:x", "dg:u:12:5:-1", "dg:p", "dg:pp:1"])
