"""The people's voice on service (issue #24 part 5): the board imports the satisfaction rate
of the public-service portal into the catalogue's "Mức độ hài lòng của người dân" (a rate
product), where it counts in the score and the cadre cannot change it; and feedback records
(phản ánh) about a cadre or a unit, which the evaluator reads when reviewing the period."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services.imports.feedback import import_feedback, import_satisfaction
from models import AuditLog, Cadre, Entry, Feedback, JobPosition, OrgUnit, Period, ProductType
from tests.test_flow_report import fill_and_submit, fill_count_product, self_assess, setup

HEADER = "Mã đơn vị,Mã cán bộ,Kỳ,Mã sản phẩm,Tỷ lệ (%),Nguồn\n"


async def satisfaction_of(harness) -> dict[str, tuple[float, str, str | None]]:
    """Cadre code → (rate, status, source) of their November MC03 entry."""
    async with harness.db.session() as s:
        rows = await s.execute(
            select(Cadre.code, Entry.quantity_done, Entry.status, Entry.imported_source)
            .join(Entry, Entry.cadre_id == Cadre.id)
            .join(ProductType, ProductType.id == Entry.product_type_id)
            .join(Period, Period.id == Entry.period_id)
            .where(ProductType.code == "MC03", Period.kind == "month", Period.number == 11,
                   Entry.imported_at.is_not(None)))
        return {code: (done, status, source) for code, done, status, source in rows.all()}


async def test_satisfaction_rates_count_in_the_score_and_the_cadre_cannot_change_them(
        harness, clock, tmp_path):
    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # her November sheet: three products, nothing entered
    await fill_count_product(thao)

    # a file with a problem on every row: all listed at once, nothing written
    bad = tmp_path / "hai_long_sai.csv"
    bad.write_text(HEADER + "XTH-VP,,2026-11,MC03,120,Cổng DVC\n"
                            ",XTH004,2026-11,MC01,80,Cổng DVC\n"
                            ",NOPE,2026-11,MC03,80,Cổng DVC\n"
                            "XTH-VP,XTH004,2026-11,MC03,80,Cổng DVC\n"
                            "XTH-VP,,2026-13,MC03,80,Cổng DVC\n"
                            "ZZZ,,2026-11,MC03,80,Cổng DVC\n"
                            "XTH-VP,,2026-Q4,MC03,80,Cổng DVC\n", encoding="utf-8")
    async with harness.db.session() as s:
        report = await import_satisfaction(s, bad, now=clock.now())
    problems = [str(p) for p in report.problems]
    assert report.rejected == 7 and not report.written
    assert 'Dòng 2, cột "Tỷ lệ (%)": tỷ lệ phần trăm phải từ 0 đến 100' in problems
    assert ('Dòng 3, cột "Mã sản phẩm": vị trí việc làm của XTH004 không có sản phẩm tỷ lệ MC01 '
            'trong danh mục') in problems
    assert 'Dòng 4, cột "Mã cán bộ": không có cán bộ đang công tác nào có mã NOPE' in problems
    assert "Dòng 5: ghi «Mã đơn vị» hoặc «Mã cán bộ» (một trong hai)" in problems
    assert any(p.startswith('Dòng 6, cột "Kỳ": «2026-13» không phải là tháng hoặc quý')
               for p in problems)
    assert 'Dòng 7, cột "Mã đơn vị": đơn vị ZZZ chưa có (hãy nhập danh sách đơn vị trước)' \
        in problems
    assert 'Dòng 8, cột "Kỳ": XTH-VP được đánh giá theo tháng, không theo quý' in problems
    assert await satisfaction_of(harness) == {}

    # the portal's November figures: the office's row for its one-stop staff, Sơn's own row
    good = tmp_path / "hai_long_11.csv"
    good.write_text(HEADER + "XTH-VP,,2026-11,MC03,81,Cổng DVC tỉnh\n"
                             ",XTH009,11/2026,MC03,\"88,5\",Cổng DVC tỉnh\n", encoding="utf-8")
    async with harness.db.session() as s:
        dry = await import_satisfaction(s, good, now=clock.now(), dry_run=True)
    assert dry.ok and not dry.written
    assert "81% của MC03 cho XTH004 kỳ 2026-11" in dry.changes
    assert await satisfaction_of(harness) == {}
    async with harness.db.session() as s:
        report = await import_satisfaction(s, good, now=clock.now())
    assert report.ok and report.written
    found = await satisfaction_of(harness)
    assert found["XTH004"] == (81.0, "approved", "Cổng DVC tỉnh")
    assert found["XTH009"][0] == 88.5  # her own row wins over her office's
    async with harness.db.session() as s:  # everyone of the office with that product
        office = set(await s.scalars(select(Cadre.code).where(
            Cadre.active.is_(True), Cadre.code.like("XTH%"),
            Cadre.unit_id == select(OrgUnit.id).where(OrgUnit.code == "XTH-VP")
            .scalar_subquery(),
            Cadre.position_id == select(JobPosition.id).where(JobPosition.code == "MC-XA")
            .scalar_subquery())))
    assert set(found) == office and {"XTH003", "XTH004", "XTH105"} <= office
    assert "XTH007" not in found  # the office's clerk (VT): no such product
    # Thảo's sheet had the entry already
    assert report.updated == 1 and report.created == len(office) - 1
    async with harness.db.session() as s:  # the same file again changes nothing
        again = await import_satisfaction(s, good, now=clock.now())
        assert again.created == again.updated == 0 and again.unchanged == len(office)
        assert await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "import_satisfaction")) == 1

    # the cadre sees the figure, marked as imported, and has no way to change it
    await thao.send("📝 Báo cáo KPI")
    text = thao.last.text
    assert "đạt 81% (📥 nhập từ: Cổng DVC tỉnh) — ✅ Đã duyệt" in text
    assert not any(label.startswith("✏️ 3.") for label in thao.buttons())
    async with harness.db.session() as s:
        entry_id = await s.scalar(select(Entry.id).join(Cadre, Cadre.id == Entry.cadre_id)
                                  .join(ProductType, ProductType.id == Entry.product_type_id)
                                  .where(Cadre.code == "XTH004", ProductType.code == "MC03"))
    await thao.tap_data(f"kp:e:{entry_id}")
    assert any("không sửa được trong báo cáo" in alert for alert in thao.alerts)

    # it counts: a = b = c = 81/90 for the product, in the projected score
    await thao.tap_starting("✏️ 2.")
    await thao.send("80%")
    await thao.tap("⏭ Bỏ qua")
    await thao.tap("✅ Xong")
    await self_assess(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    text = thao.last.text
    assert "3. <b>Mức độ hài lòng của người dân</b> (tỷ lệ, chỉ tiêu 90%" in text
    assert "đạt 81% → a = b = c = 90%" in text
    # three products of equal weight: a = (100% + 100% + 90%)/3, and so b and c
    assert "Trung bình có trọng số: a = 97% · b = 97% · c = 97%" in text
    assert "= 70 × (a + b + c) / 3 = 67,6" in text  # 70 points with 90% satisfaction
    assert "<b>Tổng: 67,6 + 30,0 = 97,6" in text
    assert not harness.errors


FEEDBACK = "Mã phản ánh,Mã đơn vị,Mã cán bộ,Ngày tiếp nhận,Nguồn,Nội dung,Kết quả xử lý\n"


async def test_the_evaluator_sees_the_periods_feedback_on_the_report(harness, clock, tmp_path):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)

    bad = tmp_path / "phan_anh_sai.csv"
    bad.write_text(FEEDBACK + "PA-5,,XTH004,,Đường dây nóng,Nội dung,\n"
                              "PA-6,XTH-VP,XTH004,12/11/2026,Đường dây nóng,Nội dung,\n"
                              "PA-7,,XTH004,12/11/2099,Đường dây nóng,Nội dung,\n"
                              "PA-9,,XTH004,12/11/2026,Đường dây nóng,,\n"
                              "PA-8,,XTH004,12/11/2026,Đường dây nóng,Đúng,\n"
                              "PA-8,,XTH004,12/11/2026,Đường dây nóng,Lặp mã,\n",
                   encoding="utf-8")
    async with harness.db.session() as s:
        report = await import_feedback(s, bad, now=clock.now())
    problems = [str(p) for p in report.problems]
    assert report.rejected == 5 and not report.written
    assert 'Dòng 2, cột "Ngày tiếp nhận": không được để trống' in problems
    assert "Dòng 3: ghi «Mã đơn vị» hoặc «Mã cán bộ» (một trong hai)" in problems
    assert 'Dòng 4, cột "Ngày tiếp nhận": ngày ở tương lai' in problems
    assert 'Dòng 5, cột "Nội dung": không được để trống' in problems
    assert 'Dòng 7, cột "Mã phản ánh": mã PA-8 đã có ở dòng 6' in problems

    records = tmp_path / "phan_anh.csv"
    records.write_text(
        FEEDBACK + "PA-1,,XTH004,12/11/2026,Đường dây nóng,Chậm trả kết quả hồ sơ,"
                   "Đã xác minh; cán bộ đã xin lỗi\n"
                   "PA-2,XTH-VP,,15/11/2026,Cổng DVC tỉnh,Thái độ tiếp dân chưa niềm nở,\n"
                   "PA-3,,XTH005,13/11/2026,Hộp thư góp ý,Về người khác,\n"
                   "PA-4,,XTH004,20/10/2026,Đường dây nóng,Phản ánh tháng trước,\n",
        encoding="utf-8")
    async with harness.db.session() as s:
        report = await import_feedback(s, records, now=clock.now())
    assert report.ok and report.created == 4

    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    text = anh.last.text
    assert "📣 <b>Phản ánh của người dân trong kỳ</b> (2):" in text
    assert ("• 12/11/2026 · Đường dây nóng: Chậm trả kết quả hồ sơ\n"
            "    → Kết quả xử lý: Đã xác minh; cán bộ đã xin lỗi") in text
    assert ("• 15/11/2026 · Cổng DVC tỉnh (về đơn vị Văn phòng HĐND và UBND xã Tân Hưng): "
            "Thái độ tiếp dân chưa niềm nở\n    → chưa xử lý") in text
    assert "Về người khác" not in text and "tháng trước" not in text

    # the outcome recorded later: the same file, re-imported, updates the record
    records.write_text(records.read_text(encoding="utf-8").replace(
        "chưa niềm nở,\n", "chưa niềm nở,Đã nhắc nhở tại cuộc họp cơ quan\n"), encoding="utf-8")
    async with harness.db.session() as s:
        report = await import_feedback(s, records, now=clock.now())
        assert report.updated == 1 and report.unchanged == 3
        assert await s.scalar(select(Feedback.outcome).where(Feedback.code == "PA-2")) \
            == "Đã nhắc nhở tại cuộc họp cơ quan"
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "→ Kết quả xử lý: Đã nhắc nhở tại cuộc họp cơ quan" in anh.last.text
    assert not harness.errors


async def test_the_board_sends_the_files_in_the_chat(harness, clock):
    """The same imports from the chat: the board sends the spreadsheet, checks, applies."""
    from tests.test_flow_chatfiles import province

    thao, _anh, ha = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # November has started
    await ha.send_document(
        file_name="phan_anh.csv", mime_type="text/csv",
        content=(FEEDBACK + "PA-1,,XTH004,12/11/2026,Đường dây nóng,Chậm trả kết quả,\n")
        .encode())
    assert "phản ánh của người dân" in ha.last.text
    await ha.tap("✅ Áp dụng")
    await ha.send_document(
        file_name="hai_long.csv", mime_type="text/csv",
        content=(HEADER + ",XTH004,2026-11,MC03,93,Cổng DVC tỉnh\n").encode())
    assert "tỷ lệ hài lòng" in ha.last.text
    await ha.tap("✅ Áp dụng")
    async with harness.db.session() as s:
        assert await s.scalar(select(Feedback.content).where(Feedback.code == "PA-1")) \
            == "Chậm trả kết quả"
    assert (await satisfaction_of(harness))["XTH004"] == (93.0, "approved", "Cổng DVC tỉnh")
    assert not harness.errors


async def test_the_board_records_feedback_in_the_chat_and_the_evaluator_reads_it(
        harness, clock):
    from tests.test_flow_chatfiles import province

    thao, anh, ha = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)

    await thao.send("/phananh XTH004")  # not the board
    assert thao.last.text == "Chỉ Ban Tổ chức ghi phản ánh."
    await ha.send("/phananh")
    assert "Cách dùng: /phananh MÃ" in ha.last.text
    await ha.send("/phananh NOPE")
    assert ha.last.text == "Không có cán bộ hoặc đơn vị mã NOPE."

    # about a cadre: the content, a source among the usual ones, the outcome typed
    await ha.send("/phananh XTH004")
    assert "Phản ánh về Đinh Thị Thảo (XTH004)" in ha.last.text
    assert "Chưa có phản ánh nào." in ha.last.text
    await ha.tap("✍️ Ghi phản ánh mới")
    await thao.tap_data("pa:s:0")  # a forged step: refused
    assert thao.alerts[-1] == "Chỉ Ban Tổ chức ghi phản ánh."
    await ha.send(".")
    assert ha.last.text == "Vui lòng ghi bằng lời."  # asked again
    await ha.send("Người dân phản ánh chậm trả kết quả hồ sơ chứng thực")
    assert "Phản ánh đến từ đâu?" in ha.last.text
    await ha.tap("Đường dây nóng")
    await ha.send("Đã xác minh, cán bộ đã xin lỗi người dân")
    assert "✅ Đã ghi phản ánh TG-1 về Đinh Thị Thảo (XTH004) (tiếp nhận ngày 20/11/2026)" \
        in ha.last.text

    # about a unit, not handled yet
    await ha.send("/phananh XTH-VP")
    await ha.tap("✍️ Ghi phản ánh mới")
    await ha.send("Phòng chờ bộ phận một cửa thiếu ghế")
    await ha.send("Hội nghị đối thoại")
    await ha.tap("⏭ Chưa xử lý")
    assert "về đơn vị Văn phòng HĐND và UBND xã Tân Hưng (XTH-VP)" in ha.last.text
    await ha.send("/phananh XTH-VP")
    assert "• 20/11/2026 · Hội nghị đối thoại: Phòng chờ bộ phận một cửa thiếu ghế" \
        in ha.last.text

    async with harness.db.session() as s:
        stored = {f.code: f for f in await s.scalars(select(Feedback))}
        assert stored["TG-1"].outcome == "Đã xác minh, cán bộ đã xin lỗi người dân"
        assert stored["TG-2"].outcome is None and stored["TG-2"].cadre_id is None
        assert await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "record_feedback")) == 2

    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    text = anh.last.text
    assert "📣 <b>Phản ánh của người dân trong kỳ</b> (2):" in text
    assert "• 20/11/2026 · Đường dây nóng: Người dân phản ánh chậm trả kết quả" in text
    assert "→ chưa xử lý" in text
    assert not harness.errors
