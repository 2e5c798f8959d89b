"""📨 Kiến nghị (issue #24 §4): a cadre disagrees with an announced evaluation within the
policy's window, with a reason and a file; the evaluator's own evaluator (the board where
there is none) keeps it or changes it, with a reason, through the normal rating rules; the
cadre is told; reminders go to whoever must answer; the board's digest counts them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.jobs import reminders as reminder_job
from bot.policy import Policy
from bot.services import appeals as rules
from bot.services.exports import person_workbook
from models import Appeal, AuditLog, Cadre, Evaluation, Period
from tests.test_flow_annual import agency
from tests.test_flow_rating import approved


async def closed_year(harness, clock, tmp_path):
    """The six-person agency of test_flow_annual, its 2026 list closed on 01/12/2026 by the
    chair Hải (the cap made An "tốt"; Én, in planning, "Hoàn thành nhiệm vụ" two years
    running)."""
    phong, hai, hoa, staff = await agency(harness, clock, tmp_path)
    ratings = tmp_path / "co_quan_2026.csv"
    ratings.write_text("Mã đơn vị;Năm;Xếp loại;Điểm\nXAB;2026;Hoàn thành tốt nhiệm vụ;86\n",
                       encoding="utf-8")
    from bot.services.imports.apply import import_agency_ratings
    async with harness.db.session() as s:
        assert (await import_agency_ratings(s, ratings, now=clock.now())).ok
    await phong.send("✅ Phê duyệt")
    await phong.tap("📅 Xếp loại chất lượng năm 2026")
    await phong.tap("Trần Văn Hải")
    await phong.tap("Đề xuất mức khác: Hoàn thành tốt nhiệm vụ")
    await phong.send("Theo kết quả xếp loại của UBND xã")
    await hai.send("✅ Phê duyệt")
    await hai.tap("📅 Xếp loại chất lượng năm 2026")
    for name in ("Nguyễn Thị An", "Phạm Văn Bình", "Lê Thị Cúc", "Đỗ Văn Dũng",
                 "Hoàng Thị Én"):
        await hai.tap(name)
        await hai.tap_starting("📝 Đề xuất:")
    await hai.tap("📋 Danh sách UBND xã An Bình")
    await hai.tap("⚖️ Chuyên môn, nghiệp vụ: giữ những người điểm cao nhất trong tỷ lệ")
    await hai.tap("✅ Chốt danh sách")
    await hai.tap("✅ Xác nhận chốt")
    assert "Kết quả xếp loại chất lượng năm 2026 của anh/chị" in staff["AB5"].last.text
    return phong, hai, hoa, staff


async def year_evaluation(harness, code: str) -> Evaluation:
    async with harness.db.session() as s:
        return await s.scalar(
            select(Evaluation).join(Cadre, Cadre.id == Evaluation.cadre_id)
            .join(Period, Period.id == Evaluation.period_id)
            .where(Cadre.code == code, Period.kind == "year"))


async def appeals(harness) -> list[Appeal]:
    async with harness.db.session() as s:
        return list(await s.scalars(select(Appeal).order_by(Appeal.id)))


async def test_a_kien_nghi_answered_by_the_superior_changes_the_annual_band(
        harness, clock, tmp_path):
    phong, hai, hoa, staff = await closed_year(harness, clock, tmp_path)
    en = staff["AB5"]
    clock.advance(days=1)  # Wednesday 02/12/2026

    # Én reads her rating and disagrees: the button is there while the window is open
    await en.send("📊 Kết quả của tôi")
    assert "Xếp loại chất lượng năm 2026</b>: 65,0 điểm — Hoàn thành nhiệm vụ" in en.last.text
    await en.tap("📨 Gửi kiến nghị: Năm 2026")
    assert ("Kiến nghị về kết quả xếp loại chất lượng năm 2026 (65,0 điểm — Hoàn thành nhiệm "
            "vụ).\nAnh/chị có thể gửi đến hết ngày 08/12/2026") in en.last.text
    await en.send("?")  # no reason: asked again
    assert "Vui lòng nêu lý do bằng vài từ." in en.last.text
    await en.send("Tháng 6 tôi nghỉ ốm có giấy của bệnh viện, đề nghị xem xét lại điểm "
                  "bình quân")
    assert "gửi kèm ảnh hoặc tài liệu" in en.last.text
    await en.send("giấy ra viện")  # text, not a file: asked again
    assert "Vui lòng gửi ảnh hoặc tài liệu, hoặc bấm «Bỏ qua»." in en.last.text
    await en.send_sticker()  # the fallback explains; the draft stays
    await en.send_photo()
    assert "📎 Có tệp đính kèm." in en.last.text
    assert "Kiến nghị được gửi đến Vũ Văn Phong" in en.last.text  # Hải's own evaluator
    await en.tap("📨 Gửi kiến nghị")
    assert ("📨 Đã gửi kiến nghị về kết quả xếp loại chất lượng năm 2026 đến Vũ Văn Phong. "
            "Hạn trả lời: 16/12/2026.") in en.last.text
    assert "⏳ đang chờ trả lời (hạn 16/12/2026)" in en.last.text
    assert ("📨 Hoàng Thị Én đã gửi kiến nghị về kết quả xếp loại chất lượng năm 2026"
            in phong.last.text)
    [appeal] = await appeals(harness)
    assert (appeal.status, appeal.band_before, appeal.file_kind) == ("open", "hoan_thanh",
                                                                     "photo")
    evaluation = await year_evaluation(harness, "AB5")

    # one kiến nghị per evaluation; the rating's own evaluator and a colleague cannot answer
    await en.send("📊 Kết quả của tôi")
    assert "📨 Gửi kiến nghị: Năm 2026" not in en.buttons()
    await en.tap_data(f"kn:new:{evaluation.id}")
    assert "Anh/chị đã gửi kiến nghị về kết quả đánh giá này." in en.alerts[-1]
    await hai.tap_data(f"kn:v:{appeal.id}")
    assert "Kiến nghị này không gửi đến anh/chị." in hai.alerts[-1]
    await staff["AB1"].tap_data(f"kn:k:{appeal.id}")
    assert hai.alerts and staff["AB1"].alerts  # refused, nothing shown
    await hai.send("✅ Phê duyệt")
    assert not any("kiến nghị" in label for label in hai.buttons())

    # Phong answers from ✅ Phê duyệt, with the rating as it was decided
    await phong.send("✅ Phê duyệt")
    await phong.tap("📨 1 kiến nghị chờ anh/chị trả lời")
    assert "• Hoàng Thị Én (AB5): kết quả xếp loại chất lượng năm 2026 — hạn 16/12/2026" \
        in phong.last.text
    await phong.tap("📨 Hoàng Thị Én: Năm 2026")
    text = phong.last.text
    assert "<b>Kết quả đánh giá đã quyết định</b>: 65,0 điểm — Hoàn thành nhiệm vụ" in text
    assert "Trần Văn Hải đề xuất: Hoàn thành nhiệm vụ" in text
    assert "Tháng 6 tôi nghỉ ốm có giấy của bệnh viện" in text
    await phong.tap("📎 Xem tệp đính kèm")
    assert phong.fake.messages[-2].kind == "photo"  # then the kiến nghị again, under it
    assert "<b>Lý do kiến nghị của cán bộ</b>" in phong.last.text
    await phong.tap("✏️ Thay đổi")
    assert "Hoàn thành nhiệm vụ" not in phong.buttons()  # the band it has now
    await phong.tap("Hoàn thành tốt nhiệm vụ")
    assert "Mức xếp loại mới: Hoàn thành tốt nhiệm vụ. Vì sao thay đổi" in phong.last.text
    await phong.send("Có giấy ra viện: tháng 6 không tính vào thời gian công tác")
    assert ("✏️ Đã trả lời, thay đổi: Hoàng Thị Én, kết quả xếp loại chất lượng năm 2026 → "
            "65,0 điểm — Hoàn thành tốt nhiệm vụ.") in phong.last.text
    assert "Không có kiến nghị nào chờ anh/chị trả lời. 👍" in phong.last.text

    # the cadre is told, and sees the new band
    assert ("📨 Kiến nghị của anh/chị về kết quả xếp loại chất lượng năm 2026 đã được chấp "
            "nhận: kết quả được thay đổi từ Hoàn thành nhiệm vụ thành 65,0 điểm — Hoàn thành "
            "tốt nhiệm vụ.\nLý do: Có giấy ra viện") in en.last.text
    await en.send("📊 Kết quả của tôi")
    assert "Xếp loại chất lượng năm 2026</b>: 65,0 điểm — Hoàn thành tốt nhiệm vụ" \
        in en.last.text
    await en.tap("📨 Kiến nghị của tôi")
    assert "✏️ đã thay đổi: Hoàn thành tốt nhiệm vụ" in en.last.text
    assert "Trả lời: Có giấy ra viện" in en.last.text

    # stored: the band, no planning flag any more, the answer, the audit trail
    evaluation = await year_evaluation(harness, "AB5")
    assert (evaluation.band, evaluation.flags) == ("tot", [])
    [appeal] = await appeals(harness)
    assert (appeal.status, appeal.outcome, appeal.band_after) == ("answered", "changed", "tot")
    async with harness.db.session() as s:
        assert list(await s.scalars(select(AuditLog.action).where(AuditLog.action.in_(
            ["send_appeal", "appeal_change_year", "answer_appeal"])).order_by(
            AuditLog.id))) == ["send_appeal", "appeal_change_year", "answer_appeal"]
    # answered once: the old button is refused
    await phong.tap_data(f"kn:k:{appeal.id}")
    assert "Kiến nghị này đã được trả lời." in phong.alerts[-1]

    # her personal-data export holds it, in words
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "AB5"))
        book = await person_workbook(s, cadre, Policy(), ZoneInfo("Asia/Ho_Chi_Minh"))
    sheet = load_workbook(io.BytesIO(book.content))["Kiến nghị"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("Năm 2026", "Tháng 6 tôi nghỉ ốm có giấy của bệnh viện, đề nghị "
                                        "xem xét lại điểm bình quân")
    assert {"Vũ Văn Phong", "đã trả lời", "thay đổi", "Hoàn thành tốt nhiệm vụ"} <= set(rows[1])


async def test_the_cap_still_holds_a_kept_answer_and_a_closed_window(harness, clock, tmp_path):
    phong, hai, hoa, staff = await closed_year(harness, clock, tmp_path)
    an, dung = staff["AB1"], staff["AB4"]
    await an.send("📊 Kết quả của tôi")
    await an.tap("📨 Gửi kiến nghị: Năm 2026")
    await an.send("Điểm của tôi cao nhất cơ quan, đề nghị xếp loại xuất sắc")
    await an.tap("⏭ Bỏ qua")
    assert "Có tệp đính kèm" not in an.last.text
    await an.tap("📨 Gửi kiến nghị")
    [appeal] = await appeals(harness)

    await phong.send("✅ Phê duyệt")
    await phong.tap("📨 1 kiến nghị chờ anh/chị trả lời")
    await phong.tap("📨 Nguyễn Thị An: Năm 2026")
    assert "Được điều chỉnh khi chốt danh sách theo tỷ lệ tối đa" in phong.last.text
    assert "📎 Xem tệp đính kèm" not in phong.buttons()
    await phong.tap("✏️ Thay đổi")
    await phong.tap("Hoàn thành xuất sắc nhiệm vụ")
    await phong.send("Đồng ý với kiến nghị")
    assert "làm vượt tỷ lệ tối đa «Hoàn thành xuất sắc nhiệm vụ»" in phong.last.text
    assert (await year_evaluation(harness, "AB1")).band == "tot"  # nothing changed
    [appeal] = await appeals(harness)
    assert appeal.status == "open"
    await phong.send("✅ Phê duyệt")
    await phong.tap("📨 1 kiến nghị chờ anh/chị trả lời")
    await phong.tap("📨 Nguyễn Thị An: Năm 2026")
    await phong.tap("✅ Giữ nguyên")
    await phong.send("Tỷ lệ xuất sắc của nhóm chuyên môn đã hết theo Nghị định 335")
    assert "✅ Đã trả lời, giữ nguyên: Nguyễn Thị An" in phong.last.text
    assert ("đã được trả lời: giữ nguyên kết quả đánh giá (Hoàn thành tốt nhiệm vụ).\nLý do: "
            "Tỷ lệ xuất sắc") in an.last.text
    [appeal] = await appeals(harness)
    assert (appeal.outcome, appeal.band_after) == ("kept", "tot")

    # after five working days the button is gone, and an old one answers politely
    dung_year = await year_evaluation(harness, "AB4")
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))  # the last day (Tuesday 08/12)
    await dung.send("📊 Kết quả của tôi")
    assert "📨 Gửi kiến nghị: Năm 2026" in dung.buttons()
    clock.set(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))
    await dung.send("📊 Kết quả của tôi")
    assert "📨 Gửi kiến nghị: Năm 2026" not in dung.buttons()
    await dung.tap_data(f"kn:new:{dung_year.id}")
    assert "Đã hết thời hạn gửi kiến nghị về kết quả đánh giá này." in dung.alerts[-1]
    assert len(await appeals(harness)) == 1


async def test_a_period_kien_nghi_is_rated_again_with_new_criteria_points(harness, clock):
    """A month: the one who answers scores the general criteria anew and the period is rated
    again by the rating service (its band is the one of the points)."""
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✏️ Chấm lại tiêu chí")
    for points in ("5", "5", "5"):
        await anh.send(points)
    await anh.tap_starting("✅ Xác nhận:")
    before = (await appeals_subject(harness))
    assert before.band == "tot" and before.general_score == 15

    await thao.send("📊 Kết quả của tôi")
    await thao.tap("📨 Gửi kiến nghị: Tháng 11/2026")
    await thao.send("Tôi hoàn thành đủ các nhiệm vụ, tiêu chí chung bị chấm thấp")
    await thao.send_document(file_name="bang_tu_danh_gia.pdf")
    await thao.tap("📨 Gửi kiến nghị")
    [appeal] = await appeals(harness)
    async with harness.db.session() as s:  # Ánh's own evaluator, linked now
        handler = await rules.handler_for(s, appeal.cadre_id)
        handler = await s.get(Cadre, handler.id)
        handler.telegram_user_id = handler.telegram_chat_id = 880
    board = harness.person(880, "Cấp trên")
    await board.tap_data(f"kn:v:{appeal.id}")
    assert "Kết quả thực hiện nhiệm vụ 70,0 + tiêu chí chung 15,0" in board.last.text
    await board.tap("📎 Xem tệp đính kèm")
    assert any(m.kind == "document" for m in board.fake.messages)
    await board.tap_data(f"kn:v:{appeal.id}")
    await board.tap("✏️ Thay đổi")
    assert "(0–10; hiện tại 5)" in board.last.text
    await board.send("10 10")  # one missing: asked again
    assert "mỗi tiêu chí một số" in board.last.text
    await board.send("10 10 11")  # above the maximum
    assert "mỗi tiêu chí một số" in board.last.text
    await board.send("10 9,5 10")
    assert "Điểm mới của các tiêu chí chung: 10 · 9,5 · 10" in board.last.text
    await board.send("Đã đối chiếu bảng tự đánh giá")
    assert "→ 99,5 điểm — Hoàn thành xuất sắc nhiệm vụ" in board.last.text
    assert "thành 99,5 điểm — Hoàn thành xuất sắc nhiệm vụ" in thao.last.text
    after = await appeals_subject(harness)
    assert (after.band, after.general_score, after.status) == ("xuat_sac", 29.5, "rated")
    async with harness.db.session() as s:
        assert len(list(await s.scalars(select(AuditLog).where(AuditLog.action == "rate")))) == 2
    await thao.send("📊 Kết quả của tôi")
    assert "99,5 điểm — Hoàn thành xuất sắc nhiệm vụ (đã đánh giá)" in thao.last.text


async def appeals_subject(harness) -> Evaluation:
    async with harness.db.session() as s:
        return await s.scalar(select(Evaluation).join(Period, Period.id == Evaluation.period_id)
                              .where(Period.kind == "month"))


async def test_the_one_who_must_answer_is_reminded_and_the_board_counts_them(
        harness, clock, tmp_path):
    phong, hai, hoa, staff = await closed_year(harness, clock, tmp_path)
    en = staff["AB5"]
    await en.send("📊 Kết quả của tôi")
    await en.tap("📨 Gửi kiến nghị: Năm 2026")
    await en.send("Đề nghị xem xét lại mức xếp loại")
    await en.tap("⏭ Bỏ qua")
    await en.tap("📨 Gửi kiến nghị")  # due Tuesday 15/12/2026

    def reminders_to_phong() -> list[str]:
        return [m.text for m in phong.fake.messages
                if (m.text or "").startswith(("⏰ Kiến nghị", "⚠️ Kiến nghị"))]

    from handlers.screens.reminders import reminder_screen

    async def tick(day: int) -> None:
        clock.set(datetime(2026, 12, day, 2, 0, tzinfo=UTC))
        await reminder_job.tick(harness.app, reminder_screen)

    await tick(10)
    assert reminders_to_phong() == []
    await tick(11)  # two working days before (Friday; the due day is Tuesday 15/12)
    await tick(11)  # the same step once only
    assert reminders_to_phong() == [
        "⏰ Kiến nghị của Hoàng Thị Én về kết quả xếp loại chất lượng năm 2026: đề nghị trả "
        "lời chậm nhất ngày 15/12/2026."]
    await tick(15)
    await tick(16)
    assert len(reminders_to_phong()) == 3
    assert reminders_to_phong()[-1] == (
        "⚠️ Kiến nghị của Hoàng Thị Én về kết quả xếp loại chất lượng năm 2026: đã quá hạn trả "
        "lời (hạn 15/12/2026).")
    assert not any("Kiến nghị" in (m.text or "") for m in hai.fake.messages)

    # the board's digest counts the open ones and those overdue
    async with harness.db.session() as s:
        tally = await rules.tally(s, date(2026, 12, 16))
    assert (tally.open, tally.overdue) == (1, 1)
    await hoa.send("📈 Tổng hợp")
    assert any("📨 Kiến nghị chưa trả lời: 1 (quá hạn: 1)" in (m.text or "")
               for m in hoa.fake.messages)
