"""⭐ Evaluating a month after approval: no quota, the points' level, leaders' d, đ, e,
discipline, locks; the annual screen's list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.i18n import vietnamese_name_key
from bot.policy import Policy
from models import AuditLog, Cadre, Discipline, Evaluation, OrgUnit, Period
from tests.test_flow_review import submitted


async def approved(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    return thao, anh


async def test_a_period_has_no_quota_the_first_person_rated_can_be_excellent(harness, clock):
    """A month is "theo dõi, đánh giá": points and the level they correspond to, no quota."""
    thao, anh = await approved(harness, clock)
    assert "Chờ anh/chị đánh giá: 1" in anh.last.text
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    assert "Tự đánh giá tiêu chí chung" in anh.last.text
    assert "Phẩm chất chính trị, đạo đức, văn hóa thực thi công vụ, ý thức kỷ luật: 10/10" \
        in anh.last.text
    await anh.tap("✅ Đồng ý với tự đánh giá")
    text = anh.last.text
    assert "Mức tương ứng: <b>Hoàn thành xuất sắc nhiệm vụ</b>" in text
    assert "tỷ lệ" not in text and "0/0" not in text
    confirm = anh.buttons()
    assert confirm == ["✅ Xác nhận: 100,0 điểm — Hoàn thành xuất sắc nhiệm vụ"]
    data = next(b.callback_data for row in anh.last.inline_buttons for b in row)
    await anh.tap(confirm[0])
    assert "Đã đánh giá Đinh Thị Thảo kỳ Tháng 11/2026: 100,0 điểm" in anh.last.text
    assert "Kết quả theo dõi, đánh giá Tháng 11/2026 của anh/chị: 100,0 điểm — Hoàn thành xuất " \
        "sắc nhiệm vụ" in thao.last.text
    await anh.tap_data(data)  # the same button again: one decision only
    assert any("đã được xác nhận" in a for a in anh.alerts)
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert (evaluation.band, evaluation.computed_band) == ("xuat_sac", "xuat_sac")
        assert evaluation.status == "rated" and evaluation.version == 1
        assert len(list(await s.scalars(select(AuditLog).where(AuditLog.action == "rate")))) == 1
    await thao.send("📊 Kết quả của tôi")
    assert "100,0 điểm — Hoàn thành xuất sắc nhiệm vụ (đã đánh giá)" in thao.last.text


async def test_evaluator_rescores_criteria_by_tapping_or_typing(harness, clock):
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✏️ Chấm lại tiêu chí")
    assert "hoặc gõ điểm" in anh.last.text
    await anh.send("nhiều")  # not a number: asked again, nothing lost
    assert "Vui lòng bấm chọn điểm, hoặc gõ một số" in anh.last.text
    await anh.send("11")  # above the criterion's 10
    assert "Vui lòng cho điểm từ 0 đến 10" in anh.last.text
    await anh.send("8,5 điểm")  # typed
    await anh.tap("9")  # tapped
    await anh.send("7")
    assert "Mức tương ứng" in anh.last.text
    await anh.tap_starting("✅ Xác nhận:")
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert evaluation.status == "rated"
        assert evaluation.criteria == {"politics_ethics": 8.5, "responsibility": 9,
                                       "innovation": 7}
        assert evaluation.general_score == 24.5


async def test_discipline_forces_failed(harness, clock):
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        s.add(Discipline(cadre_id=cadre.id, year=2026, level="khien_trach"))
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    assert "Trong năm có hình thức kỷ luật" in anh.last.text
    assert anh.buttons() == ["✅ Xác nhận: 100,0 điểm — Không hoàn thành nhiệm vụ"]
    await anh.tap(anh.buttons()[0])
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert (evaluation.band, evaluation.computed_band) == ("khong_hoan_thanh", "xuat_sac")


async def test_a_locked_period_cannot_be_rated(harness, clock):
    from bot.services.periods import set_locked

    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    async with harness.db.session() as s:
        period = await s.scalar(select(Period).where(Period.kind == "month", Period.number == 11))
        await set_locked(s, period, True, clock.now())
    await anh.tap(anh.buttons()[0])
    assert any("đã khóa sổ" in a for a in anh.alerts)
    async with harness.db.session() as s:
        assert (await s.scalar(select(Evaluation))).status == "draft"


async def test_leader_d_waits_for_everyone_managed(harness, clock):
    """Ánh (vice-chair) is in charge of the commune office (the roster's "Đơn vị phụ
    trách"): her d waits until Thảo, the one civil servant left there, is evaluated; then it
    is 100%, from a real result."""
    from bot.services.leaders import unit_result_of

    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        office = await s.scalar(select(OrgUnit).where(OrgUnit.code == "XTH-VP"))
        ngoc_anh = await s.scalar(select(Cadre).where(Cadre.code == "XTH002"))
        for other in await s.scalars(select(Cadre).where(Cadre.unit_id == office.id,
                                                         Cadre.code != "XTH004")):
            other.active = False
        binh = await s.scalar(select(Cadre).where(Cadre.code == "XTH001"))
        binh.telegram_user_id = binh.telegram_chat_id = 870
        period = await s.scalar(select(Period).where(Period.kind == "month", Period.number == 11))
        await s.flush()
        d = await unit_result_of(s, ngoc_anh, period, Policy().scoring)
        assert (d.known, d.managed, d.pending_names) == (False, 1, ["Đinh Thị Thảo"])
    binh = harness.person(870, "Bình")
    await anh.send("📝 Báo cáo KPI")  # the vice-chair reports her own two products
    for index, value in (("1", "20"), ("2", "6")):
        await anh.tap_starting(f"✏️ {index}.")
        await anh.send(value)
        await anh.tap(f"✅ Tất cả ({value})")
        await anh.tap("0")
        await anh.tap("0")
        await anh.tap("⏭ Bỏ qua")
        await anh.tap("✅ Xong")
    await anh.tap("⭐ Tự đánh giá")
    for _ in range(3):
        await anh.tap("9")
    await anh.tap("📤 Gửi duyệt")
    await anh.tap("📤 Xác nhận gửi")
    await binh.send("✅ Phê duyệt")
    await binh.tap("Phan Thị Ngọc Ánh · Tháng 11/2026")
    await binh.tap("✅ Duyệt tất cả")
    await binh.tap("✅ Xác nhận duyệt")
    await binh.tap("⭐ Đánh giá Phan Thị Ngọc Ánh · Tháng 11/2026")
    await binh.tap("✅ Đồng ý với tự đánh giá")
    text = binh.last.text
    assert "khả năng tổ chức triển khai thực hiện nhiệm vụ" in text
    assert "Tổ chức triển khai hoàn thành 100% nhiệm vụ theo kế hoạch" in text  # the condition
    await binh.tap("75%")
    assert "năng lực tập hợp, đoàn kết công chức thuộc phạm vi quản lý" in binh.last.text
    await binh.tap("100%")
    text = binh.last.text
    assert "đang chờ — 1/1 người chưa được đánh giá: Đinh Thị Thảo" in text
    assert "100%" not in text.split("d (")[1].split("\n")[0]  # never 100% because nobody was rated
    assert binh.buttons() == []  # nothing to confirm yet
    # Ánh evaluates Thảo; then Bình's screen has d from a real result
    await anh.send("✅ Phê duyệt")
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap_starting("✅ Xác nhận:")
    await binh.send("✅ Phê duyệt")
    await binh.tap("⭐ Đánh giá Phan Thị Ngọc Ánh · Tháng 11/2026")
    await binh.tap("✅ Đồng ý với tự đánh giá")
    await binh.tap("75%")
    await binh.tap("100%")
    text = binh.last.text
    assert "100% — cả 1 công chức thuộc phạm vi quản lý đạt «Hoàn thành nhiệm vụ» trở lên" in text
    # task = 70 × (1 + 1 + 1 + d 1 + đ 0,75 + e 1) / 6 = 67,08…; general 27 → 94,0
    assert "= <b>94,0 điểm</b>" in text
    await binh.tap_starting("✅ Xác nhận:")
    async with harness.db.session() as s:
        ev = await s.scalar(select(Evaluation).where(Evaluation.cadre_id == ngoc_anh.id))
        assert (ev.organising, ev.rallying, ev.unit_result, ev.band) == (0.75, 1.0, 1.0,
                                                                         "xuat_sac")


async def test_annual_rating_counts_the_months_actually_worked(harness, clock):
    """Months worked come from the start date and recorded leave, not from how many periods
    were rated; under 6 months: evaluated, not rated (Decree 90/2020 practice, a toggle)."""
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap_starting("✅ Xác nhận:")
    await anh.tap("📅 Xếp loại chất lượng năm 2026")
    assert "hạn 15/12/2026" in anh.last.text
    # one month evaluated, but twelve worked (in service since 2015): rated on that month
    assert "• Đinh Thị Thảo: 100,0 điểm qua 1 tháng — chưa đề xuất (theo điểm: Hoàn thành " \
        "xuất sắc nhiệm vụ)" in anh.last.text
    await anh.tap("Đinh Thị Thảo")
    assert "Số tháng công tác: 12" in anh.last.text
    await anh.tap("🏖 Ghi nhận thời gian nghỉ")
    await anh.tap("Nghỉ thai sản")
    await anh.send("01/03/2026")
    assert "Đến hết ngày nào" in anh.last.text
    await anh.send("31/02/2026")  # no such day: asked again
    assert "không tồn tại" in anh.last.text
    await anh.send("28/02/2026")  # before the start
    assert "Ngày kết thúc trước ngày bắt đầu" in anh.last.text
    await anh.send("31/08/2026")
    assert "Đã ghi nhận thời gian nghỉ" in anh.last.text
    assert "Số tháng công tác: 6" in anh.last.text
    assert "Nghỉ thai sản 01/03/2026–31/08/2026" in anh.last.text
    await anh.tap("🏖 Ghi nhận thời gian nghỉ")
    await anh.tap("Nghỉ ốm đau")
    await anh.send("01/09/2026")
    await anh.send("15/09/2026")
    assert "Số tháng công tác: 5,5" in anh.last.text
    assert "5,5 tháng công tác — được đánh giá, không xếp loại (dưới 6 tháng)" in anh.last.text
    assert not any(label.startswith("📝 Đề xuất") for label in anh.buttons())
    async with harness.db.session() as s:
        from models import Leave

        leaves = list(await s.scalars(select(Leave).order_by(Leave.starts_on)))
        assert [(x.kind, x.starts_on) for x in leaves] == [("thai_san", date(2026, 3, 1)),
                                                           ("om_dau", date(2026, 9, 1))]


async def test_annual_rating_lists_every_cadre_page_by_page(harness, clock):
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        evaluator = await s.scalar(select(Cadre).where(Cadre.code == "XTH002"))
        others = list(await s.scalars(select(Cadre).where(Cadre.id != evaluator.id,
                                                          Cadre.active.is_(True))))
        for cadre in others:
            cadre.evaluator_id = evaluator.id
    names = sorted((c.full_name for c in others), key=vietnamese_name_key)
    await anh.send("✅ Phê duyệt")
    await anh.tap("📅 Xếp loại chất lượng năm 2026")
    first = anh.last.text
    assert f"1–10 trong số {len(others)} cán bộ" in first
    assert f"• {names[0]}: chưa có kỳ nào được đánh giá trong năm — không xếp loại" in first
    assert names[10] not in first
    pages = [first]
    while "Tiếp ▶️" in anh.buttons():
        await anh.tap("Tiếp ▶️")
        pages.append(anh.last.text)
    everything = "\n".join(pages)
    assert [n for n in names if f"• {n}:" in everything] == names  # nobody is left out
    await anh.tap("◀️ Trước")
    assert anh.last.text == pages[-2]


async def test_export_evaluations_file_contents(harness, clock, tmp_path):
    from openpyxl import load_workbook

    from bot.services.exports import export_evaluations

    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap_starting("✅ Xác nhận:")
    path = tmp_path / "danh_gia.xlsx"
    async with harness.db.session() as s:
        period = await s.scalar(select(Period).where(Period.year == 2026, Period.number == 11))
        count = await export_evaluations(s, period, Policy(), path, harness.app.bot_data[
            "services"].settings.tz)
    assert count == 60
    wb = load_workbook(path)
    sheet = wb["Đánh giá"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Mã cán bộ", "Họ và tên", "Đơn vị"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "XTH004")
    record = dict(zip(headers, row, strict=True))
    assert record["Họ và tên"] == "Đinh Thị Thảo"
    assert record["Mức theo điểm"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert record["Mức"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert record["Tổng điểm"] == 100.0  # truncated, as the bot shows it
    assert record["Người đánh giá"] == "Phan Thị Ngọc Ánh"
    # counts are numbers a spreadsheet can sum (was the text "3/3")
    assert (record["Sản phẩm đã duyệt"], record["Sản phẩm đã báo cáo"]) == (3, 3)
    assert record["a (số lượng) %"] == 100.0
    cells = {sheet.cell(1, i + 1).value: sheet.cell(2, i + 1) for i in range(len(headers))}
    assert cells["Tổng điểm"].number_format == "0.0"
    assert cells["Sản phẩm đã duyệt"].number_format == "#,##0"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(headers)).column_letter}61"
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert sheet.freeze_panes == "A2"
    audit = list(wb["Nhật ký"].iter_rows(min_row=2, values_only=True))
    actions = [r[2] for r in audit]
    assert actions.count("duyệt sản phẩm") == 3 and "xác nhận kết quả kỳ" in actions
    approval = next(r for r in audit if r[2] == "duyệt sản phẩm")
    assert approval[1] == "Phan Thị Ngọc Ánh"
    assert approval[3].startswith("sản phẩm #") and "Đinh Thị Thảo (XTH004)" in approval[3]
    assert (approval[4], approval[5]) == ("trạng thái: chờ duyệt", "trạng thái: đã duyệt")
    rated = next(r for r in audit if r[2] == "xác nhận kết quả kỳ")
    assert "mức xếp loại: Hoàn thành xuất sắc nhiệm vụ" in rated[5]
    assert "tổng điểm: 100" in rated[5]
    assert not any(isinstance(v, str) and ("None" in v or "=" in v) for r in audit for v in r)
    sent = next(r for r in audit if r[2] == "gửi báo cáo để duyệt")
    assert (sent[3], sent[5]) == ("kỳ Tháng 11/2026", "số sản phẩm: 3")
    # an evaluator's own team (what 📈 Tổng hợp may offer them): only the people they evaluate
    from io import BytesIO

    from bot.services.exports import evaluations_workbook

    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.full_name == "Phan Thị Ngọc Ánh"))
        team = await evaluations_workbook(s, period, Policy(), harness.app.bot_data[
            "services"].settings.tz, evaluator_id=anh_id)
        size = len(list(await s.scalars(select(Cadre.id).where(
            Cadre.evaluator_id == anh_id, Cadre.active.is_(True)))))
    mine = load_workbook(BytesIO(team.content))
    rows = list(mine["Đánh giá"].iter_rows(min_row=2, values_only=True))
    assert 0 < team.rows == size == len(rows) < 60
    assert {r[headers.index("Người đánh giá")] for r in rows} == {"Phan Thị Ngọc Ánh"}
    assert "XTH004" in {r[0] for r in rows}
