"""⭐ Rating after approval: quota, override with reason, leaders, discipline, the year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.i18n import vietnamese_name_key
from bot.policy import Policy, ScoringPolicy
from bot.services.calendar import WorkCalendar
from bot.services.kpi import KpiService
from bot.services.rating import RatingService, quota_for, two_year_flags
from models import AuditLog, Cadre, Discipline, Evaluation, OrgUnit, Period
from models.enums import Band
from tests.test_flow_review import submitted


async def approved(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    return thao, anh


async def test_quota_refuses_excellent_then_override_with_reason(harness, clock):
    thao, anh = await approved(harness, clock)
    assert "Chờ anh/chị xếp loại: 1" in anh.last.text
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    assert "Tự đánh giá tiêu chí chung" in anh.last.text
    await anh.tap("✅ Đồng ý với tự đánh giá")
    text = anh.last.text
    assert "Mức xếp loại theo điểm: <b>Hoàn thành xuất sắc nhiệm vụ</b>" in text
    assert "đã dùng 0/0" in text
    # the quota is used up: Xuất sắc is not offered, and the screen says why
    assert "⚠️ Đơn vị đã dùng hết tỷ lệ" in text
    assert not any("xuất sắc" in label for label in anh.buttons())
    assert anh.buttons()[0] == "Chọn: Hoàn thành tốt nhiệm vụ"
    async with harness.db.session() as s:  # a stale or forged tap is still refused
        thao_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH004"))
        period_id = await s.scalar(select(Period.id).where(Period.kind == "month",
                                                           Period.year == 2026, Period.number == 11))
    await anh.tap_data(f"ra:ok:{thao_id}:{period_id}:X:0")
    assert any("dùng hết tỷ lệ" in a for a in anh.alerts)
    await anh.tap("Chọn: Hoàn thành tốt nhiệm vụ")
    assert "Gõ lý do" in anh.last.text
    await anh.send("y" * 501)
    assert "Lý do quá dài" in anh.last.text  # asked again, nothing rated yet
    await anh.send("Đơn vị đã hết chỉ tiêu xuất sắc")
    assert "Đã xếp loại Đinh Thị Thảo kỳ Tháng 11/2026" in anh.last.text
    assert "Hoàn thành tốt nhiệm vụ" in thao.last.text
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert (evaluation.band, evaluation.computed_band) == ("tot", "xuat_sac")
        assert evaluation.band_reason == "Đơn vị đã hết chỉ tiêu xuất sắc"
        assert evaluation.total_score > 90 and evaluation.rated_by_id is not None
        override = await s.scalar(select(AuditLog).where(AuditLog.action == "rate_override"))
        assert override.after["band"] == "tot"
    await thao.send("📊 Kết quả của tôi")
    assert "Hoàn thành tốt nhiệm vụ (đã xếp loại)" in thao.last.text
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")  # the score says more than the rating
    assert "→ Hoàn thành xuất sắc nhiệm vụ</b>" in thao.last.text
    assert "Xếp loại do người đánh giá xác nhận: " in thao.last.text
    assert thao.last.text.rstrip().endswith("Hoàn thành tốt nhiệm vụ")


async def test_evaluator_rescores_criteria_by_tapping_or_typing(harness, clock):
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✏️ Chấm lại tiêu chí")
    assert "hoặc gõ điểm" in anh.last.text
    await anh.send("7")  # typed
    await anh.send("nhiều")  # not a number: asked again, nothing lost
    assert "Vui lòng bấm chọn điểm, hoặc gõ một số" in anh.last.text
    await anh.send("9")  # above the criterion's 7,5
    assert "Vui lòng cho điểm từ 0 đến 7,5" in anh.last.text
    await anh.send("6,5 điểm")
    await anh.tap("7,5")  # tapped
    await anh.send("5")
    assert "Mức xếp loại theo điểm" in anh.last.text
    await anh.tap("Chọn: Hoàn thành tốt nhiệm vụ")  # the unit's Xuất sắc quota is 0/0
    await anh.send("Theo tỷ lệ")
    async with harness.db.session() as s:
        evaluation = await s.scalar(select(Evaluation))
        assert evaluation.status == "rated"
        assert evaluation.criteria == {"political": 7, "ethics": 6.5, "style": 7.5,
                                       "discipline": 5}


async def test_discipline_forces_failed(harness, clock):
    thao, anh = await approved(harness, clock)
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        s.add(Discipline(cadre_id=cadre.id, year=2026, level="khien_trach"))
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    assert "bắt buộc xếp loại «Không hoàn thành nhiệm vụ»" in anh.last.text
    assert anh.buttons() == ["✅ Xác nhận: Không hoàn thành nhiệm vụ"]  # nothing else offered
    async with harness.db.session() as s:
        period_id = await s.scalar(select(Period.id).where(Period.kind == "month",
                                                           Period.year == 2026, Period.number == 11))
    await anh.tap_data(f"ra:b:{cadre.id}:{period_id}:T:0")  # a stale button of another band
    await anh.send("Thử")
    assert "Có hình thức kỷ luật trong năm" in anh.last.text
    await anh.send("/pheduyet")
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap("✅ Xác nhận: Không hoàn thành nhiệm vụ")
    async with harness.db.session() as s:
        assert (await s.scalar(select(Evaluation))).band == "khong_hoan_thanh"


async def test_excellent_quota_at_the_boundary(db, clock):
    """10 rated "tốt" in a unit → at most 2 "xuất sắc" (20%); 25% for outstanding units."""
    policy = Policy()
    kpi = KpiService(policy, WorkCalendar())
    async with db.session() as s:
        unit = OrgUnit(code="U", name="Đơn vị", level="xa", outstanding=False, active=True)
        period = Period(kind="month", year=2026, number=11, starts_on=date(2026, 11, 1),
                        ends_on=date(2026, 11, 30), submission_deadline=date(2026, 12, 3),
                        review_deadline=date(2026, 12, 9), status="open")
        s.add_all([unit, period])
        await s.flush()
        for i in range(12):
            c = Cadre(code=f"C{i}", full_name=f"Cán bộ {i}", unit_id=unit.id, is_leader=False,
                      party_member=False, in_planning=False, active=True, reachable=True,
                      reminders_enabled=True)
            s.add(c)
            await s.flush()
            band = "tot" if i < 10 else "xuat_sac"
            s.add(Evaluation(cadre_id=c.id, period_id=period.id, unit_id=unit.id, band=band,
                             status="rated", version=1, total_score=80))
        await s.flush()
        quota = await quota_for(s, kpi, unit.id, period.id, excluding=-1)
        assert (quota.rated_good, quota.excellent, quota.allowed, quota.full) == (10, 2, 2, True)
        one_less = await quota_for(s, kpi, unit.id, period.id,
                                   excluding=(await s.scalar(select(Cadre.id).where(Cadre.code == "C11"))))
        assert (one_less.excellent, one_less.full) == (1, False)
        unit.outstanding = True
        await s.flush()
        assert (await quota_for(s, kpi, unit.id, period.id, excluding=-1)).allowed == 2  # 25% of 10
    assert RatingService(kpi).policy.scoring.excellent_cap_ratio == ScoringPolicy().excellent_cap_ratio


async def test_two_year_flags(db, clock):
    policy = Policy()
    async with db.session() as s:
        cadre = Cadre(code="Q1", full_name="Người quy hoạch", is_leader=False, party_member=True,
                      in_planning=True, active=True, reachable=True, reminders_enabled=True)
        last_year = Period(kind="year", year=2025, number=1, starts_on=date(2025, 1, 1),
                           ends_on=date(2025, 12, 31), submission_deadline=date(2026, 1, 6),
                           review_deadline=date(2026, 1, 12), status="locked")
        s.add_all([cadre, last_year])
        await s.flush()
        s.add(Evaluation(cadre_id=cadre.id, period_id=last_year.id, band="hoan_thanh",
                         status="rated", version=1))
        await s.flush()
        assert await two_year_flags(s, policy, cadre, 2026, Band.DONE) == ["done_twice_in_planning"]
        assert await two_year_flags(s, policy, cadre, 2026, Band.GOOD) == []


async def test_annual_rating_needs_six_months(harness, clock):
    thao, anh = await approved(harness, clock)
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap("Chọn: Hoàn thành tốt nhiệm vụ")
    await anh.send("Theo tỷ lệ")
    await anh.tap("📅 Xếp loại năm 2026")
    assert "hạn 15/12/2026" in anh.last.text
    assert "Đinh Thị Thảo: 1 tháng công tác — không xếp loại năm" in anh.last.text


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
    await anh.tap("📅 Xếp loại năm 2026")
    first = anh.last.text
    assert f"1–10 trong số {len(others)} cán bộ" in first
    assert f"• {names[0]}: chưa có kỳ nào được xếp loại trong năm" in first
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
    await anh.tap("⭐ Xếp loại Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap("Chọn: Hoàn thành tốt nhiệm vụ")
    await anh.send("Theo tỷ lệ của đơn vị")
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
    assert record["Xếp loại theo điểm"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert record["Xếp loại"] == "Hoàn thành tốt nhiệm vụ"
    assert record["Lý do chọn mức khác"] == "Theo tỷ lệ của đơn vị"
    assert record["Người đánh giá"] == "Phan Thị Ngọc Ánh"
    assert record["Sản phẩm đã duyệt"] == "3/3"
    assert record["a (số lượng) %"] == 100.0
    actions = [r[2] for r in wb["Nhật ký"].iter_rows(min_row=2, values_only=True)]
    assert actions.count("approve") == 3 and "rate_override" in actions


async def test_leader_rating_asks_organising_and_rallying(harness, clock):
    from tests.test_flow_report import setup

    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        binh = await s.scalar(select(Cadre).where(Cadre.code == "XTH001"))
        binh.telegram_user_id = binh.telegram_chat_id = 870
    binh = harness.person(870, "Bình")
    await anh.send("📝 Báo cáo KPI")  # the vice-chair reports her own two products
    for index, value in (("1", "20"), ("2", "6")):
        await anh.tap_starting(f"✏️ {index}.")
        await anh.send(value)
        await anh.tap(f"✅ Tất cả ({value})")
        await anh.tap(f"✅ Tất cả ({value})")
        await anh.tap("0")
        await anh.tap("0")
        await anh.tap("⏭ Bỏ qua")
        await anh.tap("✅ Xong")
    await anh.tap("⭐ Tự đánh giá")
    for _ in range(4):
        await anh.tap("7")
    await anh.tap("📤 Gửi duyệt")
    await anh.tap("📤 Xác nhận gửi")
    await binh.send("✅ Phê duyệt")
    await binh.tap("Phan Thị Ngọc Ánh · Tháng 11/2026")
    await binh.tap("✅ Duyệt tất cả")
    await binh.tap("✅ Xác nhận duyệt")
    await binh.tap("⭐ Xếp loại Phan Thị Ngọc Ánh · Tháng 11/2026")
    await binh.tap("✅ Đồng ý với tự đánh giá")
    assert "năng lực tổ chức thực hiện nhiệm vụ" in binh.last.text
    await binh.tap("90%")
    assert "năng lực tập hợp, đoàn kết" in binh.last.text
    await binh.tap("80%")
    # task = 70 × (1 + 1 + 1 + d 1 + đ 0,9 + e 0,8) / 6 = 66,5; general 28 → 94,5
    assert "Lãnh đạo: d = 100% · đ = 90% · e = 80%" in binh.last.text
    assert "= <b>94,5</b>" in binh.last.text
    await binh.tap("Chọn: Hoàn thành tốt nhiệm vụ")
    await binh.send("Đơn vị chưa có ai được xếp loại")
    async with harness.db.session() as s:
        ev = await s.scalar(select(Evaluation).where(Evaluation.band.is_not(None)))
        assert (ev.organising, ev.rallying, ev.unit_result) == (0.9, 0.8, 1.0)
    assert "Hoàn thành tốt nhiệm vụ" in anh.last.text
