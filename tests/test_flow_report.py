"""📝 Báo cáo KPI as a commune one-stop officer uses it on her phone (SPEC §4.2–4.4)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.demo import load_demo_province
from models import Cadre, Entry, Evaluation, Evidence, Period

THAO, ANH = 801, 802  # XTH004 (one-stop officer) and her evaluator XTH002


async def setup(harness, clock, when=datetime(2026, 11, 20, 2, 0, tzinfo=UTC)):
    clock.set(when)  # Friday 20/11/2026, 09:00 in Hanoi
    async with harness.db.session() as s:
        await load_demo_province(s, clock.now(), link=False)
        for code, tg in [("XTH004", THAO), ("XTH002", ANH)]:
            cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
            cadre.telegram_user_id = cadre.telegram_chat_id = tg
    return harness.person(THAO, "Thảo"), harness.person(ANH, "Ánh")


async def entries(harness) -> dict[str, Entry]:
    async with harness.db.session() as s:
        rows = await s.execute(
            select(Entry, Cadre.code).join(Cadre, Cadre.id == Entry.cadre_id)
            .where(Cadre.code == "XTH004").order_by(Entry.product_type_id))
        return {f"{code}#{i}": e for i, (e, code) in enumerate(rows.all(), 1)}


async def fill_count_product(thao, done: str = "125", failed: str = "0", delays: str = "0",
                             exemption: str | None = None):
    """Product 1: done, all of them met the quality requirements, the major content errors
    and the delays (Decree 335 Art. 14), an objective-cause exemption when given."""
    await thao.tap_starting("✏️ 1.")
    await thao.send(done)
    await thao.tap(f"✅ Tất cả ({done})")
    await thao.tap(failed)
    await thao.tap(delays)
    if failed != "0" or delays != "0":
        if exemption is None:
            await thao.tap("Không")
        else:
            await thao.tap("⚖️ Có, đề nghị miễn trừ")
            await thao.send(exemption)
    await thao.tap("⏭ Bỏ qua")
    await thao.tap("✅ Xong")


async def fill_rates(thao, first="85%", second="95"):
    for index, value in (("2", first), ("3", second)):
        await thao.tap_starting(f"✏️ {index}.")
        await thao.send(value)
        await thao.tap("⏭ Bỏ qua")
        await thao.tap("✅ Xong")


async def self_assess(thao):
    await thao.tap("⭐ Tự đánh giá")
    for _ in range(3):
        await thao.tap("10")


async def fill_sheet(person):
    """The whole November sheet of a one-stop-shop officer (MC-XA), self-assessed, not sent."""
    await fill_count_product(person)
    await fill_rates(person)
    await self_assess(person)


async def fill_and_submit(person):
    """The whole November sheet, sent for approval."""
    await fill_sheet(person)
    await person.tap("📤 Gửi duyệt")
    await person.tap("📤 Xác nhận gửi")


async def test_sheet_lists_products_with_targets(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    text = thao.last.text
    assert "Báo cáo KPI — Tháng 11/2026" in text
    assert "Hạn gửi: 03/12/2026" in text
    assert "Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả" in text
    assert "chỉ tiêu 120 hồ sơ" in text and "chỉ tiêu 80%" in text
    assert text.count("chưa nhập") == 3
    labels = thao.buttons()
    assert labels[0] == "✏️ 1. Hồ sơ thủ tục hành chính…"  # shortened at a word (#22 item 12)
    assert labels[1].startswith("✏️ 2. Tỷ lệ hồ sơ") and labels[2].startswith("✏️ 3. Mức độ")
    assert labels[3:] == ["⭐ Tự đánh giá", "📤 Gửi duyệt"]


async def test_a_comma_thousand_is_asked_again_and_a_unit_after_the_number_is_accepted(
        harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    await thao.send("1,000")  # 1 (Vietnamese decimal comma) or 1000 (English grouping)?
    assert "«1,000» có thể hiểu là 1 hoặc 1.000" in thao.last.text
    assert "Anh/chị đã hoàn thành bao nhiêu hồ sơ?" in thao.last.text  # the question again
    assert (await entries(harness))["XTH004#1"].quantity_done is None
    await thao.send("1,250")
    assert "«1,250» có thể hiểu là 1,25 hoặc 1.250" in thao.last.text
    await thao.send("118 hồ sơ")  # the unit typed after the number
    assert "bao nhiêu đạt yêu cầu chất lượng" in thao.last.text
    assert (await entries(harness))["XTH004#1"].quantity_done == 118


async def test_a_sent_report_stays_one_tap_away_until_its_deadline(harness, clock):
    thao, _ = await setup(harness, clock, when=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 11/2026" in thao.last.text  # November, due 03/12
    await fill_and_submit(thao)
    assert text_of_period(thao.last.text) == "Tháng 11/2026"  # where she sent it from
    # sent: 📝 now opens the month taking entries (issue #22), November one tap away
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 12/2026" in thao.last.text
    await thao.tap("📅 Mở Tháng 11/2026")
    text = thao.last.text
    assert "Báo cáo KPI — Tháng 11/2026" in text and text.count("Chờ duyệt") == 3
    assert not any(label.startswith("✏️") for label in thao.buttons())
    await thao.tap("📅 Mở Tháng 12/2026")
    assert "Báo cáo KPI — Tháng 12/2026" in thao.last.text
    clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))  # the deadline has passed
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 12/2026" in thao.last.text
    assert "📅 Mở Tháng 11/2026" not in thao.buttons()


def text_of_period(text: str) -> str:
    """The period a report screen shows ("Tháng 11/2026")."""
    return text.split("Báo cáo KPI — ", 1)[1].split("<", 1)[0].split("\n", 1)[0].strip()


async def test_the_report_opens_the_month_taking_entries_once_the_last_is_rated(
        harness, clock):
    """Issue #22: November approved and rated on 01/12, /baocao kept opening November (until
    its deadline 03/12): every December report cost an extra tap."""
    from tests.test_flow_rating import approved

    thao, anh = await approved(harness, clock)  # sent and approved on 20/11
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap_starting("✅ Xác nhận:")
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 01/12, 09:00 in Hanoi
    await thao.send("📝 Báo cáo KPI")
    assert text_of_period(thao.last.text) == "Tháng 12/2026"
    assert "📅 Mở Tháng 11/2026" in thao.buttons()  # the rated month, one tap away
    assert thao.buttons()[0].startswith("✏️ 1.")  # December's products, to be entered
    async with harness.db.session() as s:
        december = await s.scalar(select(Period).where(Period.year == 2026,
                                                      Period.number == 12))
        mine = list(await s.scalars(select(Entry).join(Cadre, Cadre.id == Entry.cadre_id)
                                    .where(Cadre.code == "XTH004",
                                           Entry.period_id == december.id)))
        assert len(mine) == 3 and {e.status for e in mine} == {"draft"}


async def test_the_report_opens_a_returned_month_first_then_the_earliest_unsent(
        harness, clock):
    thao, anh = await setup(harness, clock, when=datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    await thao.send("📝 Báo cáo KPI")  # October, started and left as a draft
    assert text_of_period(thao.last.text) == "Tháng 10/2026"
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    await thao.send("📝 Báo cáo KPI")
    assert text_of_period(thao.last.text) == "Tháng 10/2026"  # the earliest not sent
    await thao.tap("📅 Mở Tháng 11/2026")
    await fill_and_submit(thao)
    await thao.send("📝 Báo cáo KPI")
    assert text_of_period(thao.last.text) == "Tháng 10/2026"  # November is sent
    async with harness.db.session() as s:  # Ánh returns November (her flow: test_flow_review)
        for entry in await s.scalars(select(Entry).join(Period, Period.id == Entry.period_id)
                                     .where(Period.number == 11)):
            entry.status, entry.return_reason = "returned", "Thiếu minh chứng"
    await thao.send("📝 Báo cáo KPI")
    assert text_of_period(thao.last.text) == "Tháng 11/2026"  # returned to her: first
    assert "Thiếu minh chứng" in thao.last.text
    assert "📅 Mở Tháng 10/2026" in thao.buttons()


async def test_sending_a_month_that_has_not_ended_asks_first(harness, clock):
    """Issue #22: a month could be sent (and rated) on its first day with no warning."""
    thao, anh = await setup(harness, clock, when=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    await thao.send("📝 Báo cáo KPI")
    await thao.tap("📅 Mở Tháng 12/2026")
    await fill_sheet(thao)
    await thao.tap("📤 Gửi duyệt")
    text = thao.last.text
    assert text.startswith("⚠️ Kỳ Tháng 12/2026 chưa kết thúc (đến hết 31/12/2026). "
                           "Vẫn gửi duyệt?")
    assert thao.buttons() == ["📤 Xác nhận gửi", "⬅️ Quay lại"]
    await thao.tap("⬅️ Quay lại")  # cancelled: nothing sent
    assert text_of_period(thao.last.text) == "Tháng 12/2026"
    assert {e.status for e in await december_entries(harness)} == {"draft"}
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")  # sending early stays possible
    assert {e.status for e in await december_entries(harness)} == {"submitted"}
    assert "Đinh Thị Thảo vừa gửi báo cáo KPI Tháng 12/2026" in anh.last.text


async def december_entries(harness) -> list[Entry]:
    async with harness.db.session() as s:
        return list(await s.scalars(
            select(Entry).join(Period, Period.id == Entry.period_id)
            .join(Cadre, Cadre.id == Entry.cadre_id)
            .where(Cadre.code == "XTH004", Period.number == 12)))


async def test_a_month_has_ended_at_midnight_in_the_province_not_in_utc(harness, clock):
    # 23:30 on 30/11 in Hanoi: November has not ended
    thao, _ = await setup(harness, clock, when=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    await thao.send("📝 Báo cáo KPI")
    await fill_sheet(thao)
    await thao.tap("📤 Gửi duyệt")
    assert "Kỳ Tháng 11/2026 chưa kết thúc (đến hết 30/11/2026)" in thao.last.text
    # 00:30 on 01/12 in Hanoi (still 30/11 in UTC): it has
    clock.set(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    await thao.tap("⬅️ Quay lại")
    await thao.tap("📤 Gửi duyệt")
    assert "chưa kết thúc" not in thao.last.text
    assert "Gửi 3 sản phẩm của Tháng 11/2026" in thao.last.text


async def test_a_half_finished_self_assessment_names_what_is_missing(harness, clock):
    """Issue #22: "14,5/30 điểm" and sending refused without saying which criteria lack."""
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)
    await fill_rates(thao)
    await thao.tap("⭐ Tự đánh giá")
    await thao.tap("8,5")
    await thao.send("6")
    await thao.send("/huy")  # left before the third criterion
    await thao.send("📝 Báo cáo KPI")
    assert "Tự đánh giá tiêu chí chung: 14,5/30 điểm" in thao.last.text
    await thao.tap("📤 Gửi duyệt")
    text = thao.last.text
    assert "Phần tự đánh giá tiêu chí chung chưa xong (14,5/30 điểm)" in text
    assert "• Năng lực đổi mới sáng tạo, dám nghĩ, dám làm" in text
    assert "Phẩm chất chính trị" not in text and "Tinh thần trách nhiệm" not in text
    assert thao.buttons() == ["⭐ Chấm điểm: Năng lực đổi mới sáng tạo, dám nghĩ, dám làm",
                              "⬅️ Quay lại"]
    await thao.tap_starting("⭐ Chấm điểm:")
    assert "Tự đánh giá 3/3: Năng lực đổi mới sáng tạo" in thao.last.text
    await thao.send("7")  # the last one missing: back to the sheet
    assert "Tự đánh giá tiêu chí chung: 21,5/30 điểm" in thao.last.text
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert evaluation.self_criteria == {"politics_ethics": 8.5, "responsibility": 6,
                                            "innovation": 7}
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    assert {e.status for e in (await entries(harness)).values()} == {"submitted"}


async def test_the_missing_criteria_are_asked_one_after_another(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)
    await fill_rates(thao)
    await thao.tap("📤 Gửi duyệt")  # no self-assessment at all: every criterion is listed
    assert thao.last.text.count("\n• ") == 3
    await thao.tap_starting("⭐ Chấm điểm:")
    assert "Tự đánh giá 1/3" in thao.last.text
    await thao.tap("9")
    assert "Tự đánh giá 2/3" in thao.last.text
    await thao.send("/huy")
    await thao.send("📝 Báo cáo KPI")
    await thao.tap("📤 Gửi duyệt")
    assert thao.last.text.count("\n• ") == 2
    await thao.tap_starting("⭐ Chấm điểm:")
    assert "Tự đánh giá 2/3" in thao.last.text
    await thao.tap("9")
    assert "Tự đánh giá 3/3" in thao.last.text  # only the missing ones, in order
    await thao.tap("9")
    assert "Tự đánh giá tiêu chí chung: 27,0/30 điểm" in thao.last.text


async def test_full_journey_with_bad_inputs_and_submission(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("/baocao")
    await thao.tap_starting("✏️ 1.")
    assert "Anh/chị đã hoàn thành bao nhiêu hồ sơ?" in thao.last.text
    await thao.send("mười")
    assert "«mười» không phải là một số" in thao.last.text
    await thao.send("-5")
    assert "không thể âm" in thao.last.text
    await thao.send("1.250")  # more than 10× the target of 120
    assert "lớn hơn 10 lần chỉ tiêu (120)" in thao.last.text
    await thao.send("gì đây")  # text where a tap is expected re-shows the buttons
    assert "Vui lòng chọn một trong các nút" in thao.last.text
    await thao.tap("✏️ Nhập lại")
    await thao.send("125")
    assert "bao nhiêu đạt yêu cầu chất lượng" in thao.last.text
    await thao.send("130")
    assert "không thể lớn hơn số đã hoàn thành (125)" in thao.last.text
    await thao.tap("✅ Tất cả (125)")
    assert "sai sót lớn về nội dung" in thao.last.text  # Decree 335 Art. 14's words
    await thao.tap("1")  # one major content error
    assert "chậm tiến độ" in thao.last.text
    await thao.send("2,5")  # delays must be whole
    assert "số nguyên" in thao.last.text
    await thao.tap("0")
    assert "nguyên nhân khách quan" in thao.last.text
    await thao.send("có lẽ")  # text where a tap is expected: the question again
    assert "Vui lòng chọn một trong các nút" in thao.last.text
    await thao.tap("Không")
    await thao.send("Tháng này có đợt cao điểm cấp đổi căn cước")
    await thao.send_photo(content=b"\x89PNG fake photo")
    assert "Đã nhận minh chứng (1)" in thao.last.text
    await thao.send_document(file_name="virus.exe", content=b"MZ", mime_type="application/x-msdownload")
    assert "không được nhận làm minh chứng" in thao.last.text
    await thao.tap("✅ Xong")
    assert "Đã lưu «Hồ sơ thủ tục hành chính" in thao.last.text
    stored = (await entries(harness))["XTH004#1"]
    assert (stored.quantity_done, stored.quantity_passed, stored.quantity_on_time) == (125, 125, None)
    assert (stored.failed_reviews, stored.delays, stored.status) == (1, 0, "draft")
    assert stored.exemption_status is None
    assert stored.note == "Tháng này có đợt cao điểm cấp đổi căn cước"
    async with harness.db.session() as s:
        assert len(list(await s.scalars(select(Evidence)))) == 1

    await thao.tap_starting("✏️ 2.")
    assert "bao nhiêu phần trăm" in thao.last.text
    await thao.send("101")  # a percentage over 100 is refused
    assert "từ 0 đến 100" in thao.last.text
    await thao.send("85%")
    await thao.tap("⏭ Bỏ qua")
    await thao.tap("✅ Xong")
    await thao.tap_starting("✏️ 3.")
    await thao.send("95")
    await thao.tap("⏭ Bỏ qua")
    await thao.tap("✅ Xong")

    await thao.tap("📤 Gửi duyệt")
    assert "Phần tự đánh giá tiêu chí chung chưa xong" in thao.last.text
    await thao.tap("⬅️ Quay lại")
    await self_assess(thao)
    assert "Đã lưu tự đánh giá" in thao.last.text
    assert "30,0/30 điểm" in thao.last.text
    await thao.tap("📤 Gửi duyệt")
    assert "Gửi 3 sản phẩm của Tháng 11/2026 cho Phan Thị Ngọc Ánh duyệt?" in thao.last.text
    await thao.tap("📤 Xác nhận gửi")
    assert "Đã gửi 3 sản phẩm của Tháng 11/2026" in thao.last.text
    assert "⏳ Chờ duyệt" in thao.last.text
    assert "Đinh Thị Thảo vừa gửi báo cáo KPI Tháng 11/2026" in anh.last.text
    for entry in (await entries(harness)).values():
        assert entry.status == "submitted" and entry.version == 1 and not entry.is_late
    # after submission nothing is editable any more
    assert not any(b.startswith("✏️") for b in thao.buttons())


async def test_restart_in_the_middle_of_a_product_loses_nothing(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    await thao.send("100")
    await harness.restart(clock)
    assert "bao nhiêu đạt yêu cầu chất lượng" in thao.last.text
    await thao.send("90")  # the new process continues the same step
    assert "sai sót lớn về nội dung" in thao.last.text
    stored = (await entries(harness))["XTH004#1"]
    assert (stored.quantity_done, stored.quantity_passed) == (100, 90)


async def test_cancel_keeps_the_draft(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    await thao.send("100")
    await thao.send("/huy")
    assert "Đã hủy thao tác" in thao.last.text
    await thao.send("50")  # no longer in the flow
    assert "chưa hiểu" in thao.last.text
    await thao.send("📝 Báo cáo KPI")
    assert "hoàn thành 100" in thao.last.text


async def test_late_submission_is_marked(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_sheet(thao)
    clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))  # after 03/12/2026
    await thao.send("📝 Báo cáo KPI")
    assert "Tháng 11/2026" in thao.last.text
    assert "Đã quá hạn gửi" in thao.last.text
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    assert "ghi nhận là nộp muộn" in thao.last.text
    assert all(e.is_late for e in (await entries(harness)).values())


async def test_returned_entry_shows_reason_and_can_be_resubmitted(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    async with harness.db.session() as s:  # the evaluator returns the first product
        entry = (await s.scalars(select(Entry).order_by(Entry.product_type_id))).first()
        entry.status, entry.return_reason = "returned", "Thiếu minh chứng hồ sơ"
    await thao.send("📝 Báo cáo KPI")
    assert "↩️ Lý do: Thiếu minh chứng hồ sơ" in thao.last.text
    assert thao.buttons()[0].startswith("✏️ 1.")
    await thao.tap_starting("✏️ 1.")
    await thao.send("126")
    await thao.tap("✅ Tất cả (126)")
    await thao.tap("0")
    await thao.tap("0")
    await thao.tap("⏭ Bỏ qua")
    await thao.send_document(file_name="so_theo_doi.pdf", content=b"%PDF-1.4", mime_type="application/pdf")
    await thao.tap("✅ Xong")
    await thao.tap("📤 Gửi duyệt")
    assert "Gửi 1 sản phẩm" in thao.last.text
    await thao.tap("📤 Xác nhận gửi")
    first = (await entries(harness))["XTH004#1"]
    assert first.status == "submitted" and first.version == 2 and first.quantity_done == 126


async def test_stale_and_forged_buttons_are_refused(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    first_entry = (await entries(harness))["XTH004#1"]
    # the evaluator forges a tap on Thảo's entry: not theirs
    await anh.send("/start")
    await anh.tap_data(f"kp:e:{first_entry.id}")
    assert any("hết hiệu lực" in a for a in anh.alerts)
    await anh.tap_data(f"kp:a:{first_entry.id}:passed")
    await anh.tap_data("kp:ok:999999")
    await anh.tap_data("kp:gc:1:0:75")
    await anh.tap_data("kp:zzz")
    await anh.tap_data("kp:e:not-a-number")
    # Thảo taps "Tất cả" of a step she is not at yet
    await thao.tap_data(f"kp:a:{first_entry.id}:passed")
    assert (await entries(harness))["XTH004#1"].quantity_passed is None
    await thao.tap_data(f"kp:x:{first_entry.id}:1")  # the exemption question was never asked
    assert (await entries(harness))["XTH004#1"].exemption_status is None
    async with harness.db.session() as s:
        assert await s.scalar(select(Evaluation)) is None
        assert all(p.status == "open" for p in await s.scalars(select(Period)))


async def test_results_show_score_breakdown_and_chart(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📊 Kết quả của tôi")
    assert "Chưa có kết quả" in thao.last.text
    await thao.send("📝 Báo cáo KPI")  # the month's empty drafts are not a result
    await thao.send("📊 Kết quả của tôi")
    assert "Chưa có kết quả" in thao.last.text
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)  # 125 done of 120, no error, no delay
    await fill_rates(thao, first="72", second="90")  # 72% of 80% → 90%; 90% of 90% → 100%
    await self_assess(thao)
    await thao.send("📊 Kết quả của tôi")
    text = thao.last.text
    # a = 1; b = 1; c = 1 for product 1 (weight 120); 0,9 for product 2 (weight 120); 1 for 3
    # task = 70 × mean(a, b, c) with a = b = c = (120 + 108 + 120) / 360 = 0,9667 → 67,66…, shown truncated: 67,6
    assert "Tháng 11/2026</b>: 97,6 điểm — Hoàn thành xuất sắc nhiệm vụ (✏️ Nháp)" in text
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    detail = thao.last.text
    assert "a = 125/120 = 100%" in detail
    assert "vượt chỉ tiêu: 104%" in detail
    assert "đạt 72% → a = b = c = 90%" in detail
    assert "Điểm tiêu chí kết quả thực hiện nhiệm vụ = 70 × (a + b + c) / 3 = 67,6" in detail
    assert "Tổng: 67,6 + 30,0 = 97,6 → Hoàn thành xuất sắc nhiệm vụ" in detail
    await thao.tap("⬅️ Quay lại")
    await thao.tap("📈 Biểu đồ 12 kỳ gần nhất")
    assert thao.last.kind == "photo"
    assert thao.last.file_bytes.startswith(b"\x89PNG")


async def test_score_breakdown_shows_ratios_then_deductions(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    # 100 done of 120, all met the quality requirements, 1 major content error, 2 delays:
    # each costs 25% of the item it concerns, not of the whole product (Decree 335 Art. 14)
    await fill_count_product(thao, done="100", failed="1", delays="2")
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    detail = thao.last.text
    assert "a = 100/120 = 83%" in detail
    assert "b = (100 − 0,25 × 1 lần sai sót lớn về nội dung)/120 = 83%" in detail
    assert "c = (100 − 0,25 × 2 lần chậm tiến độ)/120 = 83%" in detail
    assert "mỗi lần sai sót lớn về nội dung hoặc chậm tiến độ bị trừ 25% điểm của sản phẩm đó" in detail


async def test_evaluator_adjusts_a_target_before_submission(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("/chitieu")
    assert "Chỉ người đánh giá và Ban Tổ chức" in thao.last.text
    await anh.send("/chitieu")
    assert "Chọn cán bộ" in anh.last.text
    assert anh.buttons()[0] == "Cao Văn Định"  # ordered by given name, as Vietnamese lists are
    await anh.tap("Tiếp ▶️")
    await anh.tap("Đinh Thị Thảo")
    assert "Chỉ tiêu của Đinh Thị Thảo — Tháng 11/2026" in anh.last.text
    await anh.tap_starting("✏️ 1.")
    await anh.send("một trăm")
    assert "Vui lòng gõ chỉ tiêu mới bằng số" in anh.last.text
    await anh.send("100")
    assert "Đã đặt chỉ tiêu «Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả» là 100" in anh.last.text
    assert "(mặc định 120)" in anh.last.text
    assert "Người đánh giá đã điều chỉnh chỉ tiêu" in thao.last.text
    await thao.send("📝 Báo cáo KPI")
    assert "chỉ tiêu 100 hồ sơ" in thao.last.text
    async with harness.db.session() as s:
        from models import AuditLog

        log = await s.scalar(select(AuditLog).where(AuditLog.action == "adjust_target"))
        assert log.before == {"quantity": 120} and log.after == {"quantity": 100}

    # another supervisor's cadre cannot be reached by forging the button
    async with harness.db.session() as s:
        other = await s.scalar(select(Cadre).where(Cadre.code == "SNV003"))
    await anh.tap_data(f"tg:c:{other.id}")
    assert any("hết hiệu lực" in a for a in anh.alerts)

    # once submitted, the target is fixed
    await fill_and_submit(thao)
    await anh.send("/chitieu")
    await anh.tap("Tiếp ▶️")
    await anh.tap("Đinh Thị Thảo")
    assert not any(b.startswith("✏️") for b in anh.buttons())


async def test_locked_period_cannot_be_changed_by_the_cadre(harness, clock):
    from bot.services.periods import set_locked

    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    entry = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        period = await s.get(Period, entry.period_id)
        assert await set_locked(s, period, True, clock.now())
    await thao.send("100")  # the step she was at is refused, nothing stored
    assert "đã khóa sổ" in thao.last.text
    assert (await entries(harness))["XTH004#1"].quantity_done is None
    await thao.send("📝 Báo cáo KPI")
    assert "🔒 Kỳ này đã khóa sổ" in thao.last.text
    assert not any(b.startswith(("✏️", "📤")) for b in thao.buttons())
    await thao.tap_data(f"kp:e:{entry.id}")
    assert any("khóa sổ" in a for a in thao.alerts)


async def locked_report_and_board(harness, clock):
    """Thảo's November report sent and its period locked; Hà of the board linked."""
    from bot.services.periods import set_locked

    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 803
    ha = harness.person(803, "Hà")
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    entry = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        await set_locked(s, await s.get(Period, entry.period_id), True, clock.now())
    return thao, anh, ha, entry


async def test_board_corrects_a_report_after_the_period_is_locked(harness, clock):
    from models import AuditLog

    thao, anh, ha, entry = await locked_report_and_board(harness, clock)

    await thao.send("/suabaocao XTH004")
    assert "Chỉ Ban Tổ chức" in thao.last.text
    await anh.send("/suabaocao XTH004")
    assert "Chỉ Ban Tổ chức" in anh.last.text
    await anh.tap_data(f"kb:e:{entry.id}")  # a supervisor forging the board's button
    assert any("hết hiệu lực" in a for a in anh.alerts)

    await ha.send("/suabaocao XTH004 2026-11")
    assert "Ban Tổ chức chỉnh sửa báo cáo của Đinh Thị Thảo (XTH004)" in ha.last.text
    await ha.tap_starting("✏️ 1.")
    await ha.send("110")
    await ha.tap("✅ Tất cả (110)")
    await ha.tap("0")
    await ha.tap("0")
    await ha.tap("⏭ Bỏ qua")
    await ha.tap("✅ Xong")
    assert "Đã lưu «Hồ sơ thủ tục hành chính" in ha.last.text
    corrected = (await entries(harness))["XTH004#1"]
    assert corrected.quantity_done == 110 and corrected.status == "submitted"
    async with harness.db.session() as s:
        logs = list(await s.scalars(select(AuditLog).where(AuditLog.action == "board_edit_entry")))
    assert logs and logs[0].before["quantity_done"] == 125 and logs[0].after["quantity_done"] == 110
    await ha.send("/suabaocao XTH004 tháng-mười")
    assert "Không nhận ra kỳ" in ha.last.text


async def test_the_self_assessment_cannot_change_once_the_report_is_sent(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
    before = dict(evaluation.self_criteria)
    await thao.tap_data(f"kp:g:{evaluation.period_id}")  # the ⭐ button of an older message
    assert any("không thể sửa phần tự đánh giá" in a for a in thao.alerts)
    assert "Tự đánh giá 1/3" not in thao.last.text
    await thao.tap_data(f"kp:gc:{evaluation.period_id}:0:0")  # a point button of an old question
    async with harness.db.session() as s:
        assert (await s.scalar(select(Evaluation))).self_criteria == before


async def test_an_entry_left_half_way_is_kept_and_cannot_be_sent(harness, clock):
    thao, _ = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_sheet(thao)
    await thao.tap_starting("✏️ 1.")
    await thao.send("50")  # fewer done than the 125 that passed: those must be asked again
    assert "bao nhiêu đạt yêu cầu chất lượng" in thao.last.text
    await thao.send("/huy")
    assert "Mọi dữ liệu đã lưu vẫn được giữ nguyên" in thao.last.text
    await thao.send("📝 Báo cáo KPI")
    await thao.tap("📤 Gửi duyệt")
    assert any("chưa nhập đủ số liệu: Hồ sơ thủ tục hành chính" in a for a in thao.alerts)
    line = (await entries(harness))["XTH004#1"]
    assert (line.status, line.quantity_done, line.quantity_passed) == ("draft", 50, None)
    await fill_count_product(thao, done="50")  # finished: sendable again
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    assert (await entries(harness))["XTH004#1"].status == "submitted"


def updates_of(harness, user_id: int, since: int) -> list[tuple[str, int]]:
    """(what the person did, transactions begun) for each of their updates since `since`."""
    found = []
    for data, begun in harness.transactions[since:]:
        if "callback_query" in data and data["callback_query"]["from"]["id"] == user_id:
            found.append((data["callback_query"]["data"], begun))
        elif "message" in data and data["message"]["from"]["id"] == user_id:
            found.append((data["message"].get("text") or "(file)", begun))
    return found


def assert_one_transaction_each(updates) -> None:
    for what, begun in updates:
        assert begun <= 1, (what, begun)


async def test_one_transaction_per_update_of_the_report(harness, clock):
    """Every tap, typed step and file of 📝 Báo cáo KPI takes one transaction, the gate's read
    and the use case together, refusals included; sending for approval too, though it tells
    the evaluator (after the commit)."""
    thao, anh = await setup(harness, clock)
    await anh.send("/start")
    since = len(harness.transactions)
    await thao.send("/baocao")
    await thao.tap_starting("✏️ 1.")
    await thao.send("mười")  # not a number: asked again
    await thao.send("1250")  # absurd: to be confirmed
    await thao.send("gì đây")
    await thao.tap("✏️ Nhập lại")
    await thao.send("125")
    await thao.tap_data("kp:s:1:note")  # a step she is not at: refused
    await thao.tap("✅ Tất cả (125)")
    await thao.tap("1")
    await thao.tap("0")
    await thao.tap("⚖️ Có, đề nghị miễn trừ")
    await thao.send("Mất điện ngày 12/11, Công văn số 5 của UBND xã")
    await thao.send("Ghi chú")
    await thao.send_photo(content=b"\x89PNG fake photo")
    await thao.send_document(file_name="virus.exe", content=b"MZ",
                             mime_type="application/x-msdownload")
    await thao.tap("✅ Xong")
    await fill_rates(thao)
    await thao.tap("📤 Gửi duyệt")  # refused: no self-assessment yet, which criteria say
    await thao.tap_starting("⭐ Chấm điểm:")  # the first one missing, then the others
    for _ in range(3):
        await thao.tap("10")
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    assert "Đinh Thị Thảo vừa gửi báo cáo KPI Tháng 11/2026" in anh.last.text
    await thao.tap_data("kp:zzz")
    updates = updates_of(harness, THAO, since)
    assert len(updates) == 33, updates
    assert_one_transaction_each(updates)


async def test_one_transaction_per_update_of_the_boards_correction(harness, clock):
    _thao, _anh, ha, _entry = await locked_report_and_board(harness, clock)
    since = len(harness.transactions)
    await ha.send("/suabaocao XTH004 tháng-mười")  # refused: unknown period
    await ha.send("/suabaocao XTH004 2026-11")
    await ha.tap_starting("✏️ 1.")
    await ha.send("110")
    await ha.tap("✅ Tất cả (110)")
    await ha.tap("0")
    await ha.tap("0")
    await ha.tap("⏭ Bỏ qua")
    await ha.tap("✅ Xong")
    assert "Đã lưu «Hồ sơ thủ tục hành chính" in ha.last.text
    updates = updates_of(harness, 803, since)
    assert len(updates) == 9, updates
    assert_one_transaction_each(updates)
