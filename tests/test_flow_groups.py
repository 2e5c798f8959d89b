"""Results by indicator group (issue #24 part 2), as the people concerned read them: the
cadre's 📊 Kết quả của tôi and 🔎 Cách tính điểm, the evaluator's review screen, the digests
and the exports."""

from __future__ import annotations

from tests.test_flow_report import fill_count_product, fill_rates, self_assess, setup


async def report_by_groups(thao):
    """Thảo (one-stop desk, MC-XA): 108 of 120 files (group 1, 90%); online filing 60% of the
    80% target (75%) and satisfaction 90% of 90% (100%), both group 2 → (75 + 100)/2 = 87,5%.
    Weights 120, 120, 120: group 1 brings 70 × 108/360 = 21,0 points, group 2 70 × 210/360
    = 40,83 → 61,83 points of task score."""
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="108")
    await fill_rates(thao, first="60", second="90")
    await self_assess(thao)


async def test_my_results_and_the_breakdown_show_each_indicator_group(harness, clock):
    thao, _anh = await setup(harness, clock)
    await report_by_groups(thao)
    await thao.send("📊 Kết quả của tôi")
    overview = thao.last.text
    assert "<b>Tháng 11/2026</b>: 91,8 điểm" in overview
    assert "    Kết quả 90% · Phục vụ 88%" in overview
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    text = thao.last.text
    assert "Điểm tiêu chí kết quả thực hiện nhiệm vụ = 70 × (a + b + c) / 3 = 61,8" in text
    assert "<b>Theo nhóm chỉ số</b>" in text
    assert "• Kết quả thực hiện nhiệm vụ: 90% → 21,0 điểm" in text
    assert "• Chất lượng phục vụ Nhân dân, doanh nghiệp: 88% → 40,8 điểm" in text
    assert "d, đ, e" not in text  # not a leader
    # the groups come before the general criteria and the total
    assert text.index("Theo nhóm chỉ số") < text.index("<b>Tổng:")


async def test_the_evaluator_sees_the_groups_on_the_review_screen(harness, clock):
    thao, anh = await setup(harness, clock)
    await report_by_groups(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    text = anh.last.text
    assert "Điểm dự kiến: <b>91,8</b>" in text
    assert "Theo nhóm chỉ số: Kết quả 90% · Phục vụ 88%" in text
