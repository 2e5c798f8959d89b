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


async def rated_by_groups(harness, clock):
    thao, anh = await setup(harness, clock)
    await report_by_groups(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap("✅ Xác nhận: 91,8 điểm — Hoàn thành xuất sắc nhiệm vụ")
    return thao, anh


async def test_digests_excel_and_the_drill_down_show_the_groups(harness, clock):
    import io

    from openpyxl import load_workbook
    from sqlalchemy import select

    from models import Cadre

    _thao, anh = await rated_by_groups(harness, clock)
    await anh.send("📈 Tổng hợp")
    assert "Theo nhóm chỉ số: Kết quả 90% · Phục vụ 88%" in anh.last.text
    await anh.tap("📥 Tải Excel")
    sheet = load_workbook(io.BytesIO(anh.last.file_bytes))["Cán bộ"]
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["Kết quả thực hiện nhiệm vụ (%)",
                           "Chất lượng phục vụ Nhân dân, doanh nghiệp (%)"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Đinh Thị Thảo"][-2:] == (90.0, 87.5)
    assert rows["Trịnh Văn Nam"][-2:] == (None, None)  # nothing sent

    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 893
    ha = harness.person(893, "Hà")
    await ha.send("📈 Tổng hợp")
    overview = next(m.text for m in ha.fake.messages if "Tổng hợp toàn tỉnh" in (m.text or ""))
    assert "Theo nhóm chỉ số (các báo cáo đã đánh giá): Kết quả 90% · Phục vụ 88%" in overview
    await ha.tap("📥 Tải Excel")
    units = load_workbook(io.BytesIO(ha.last.file_bytes))["Đơn vị"]
    assert [c.value for c in units[1]][-3:] == [
        "Kết quả thực hiện nhiệm vụ (%)", "Chất lượng phục vụ Nhân dân, doanh nghiệp (%)",
        "Nhóm chỉ số yếu nhất"]
    rows = {r[0]: r for r in units.iter_rows(min_row=2, values_only=True)}
    assert rows["UBND xã Tân Hưng"][-3:] == (90.0, 87.5,
                                             "Chất lượng phục vụ Nhân dân, doanh nghiệp")
    assert rows["Sở Nội vụ"][-3:] == (None, None, None)  # nobody rated there: empty cells
    await ha.send("📈 Tổng hợp")
    await ha.tap("🏢 Theo đơn vị")
    text = ha.last.text
    line = next(x for x in text.splitlines() if x.startswith("• UBND xã Tân Hưng:"))
    assert line.endswith("trung bình 91,8 · yếu nhất: Phục vụ 88%"), line
    assert "yếu nhất" not in next(x for x in text.splitlines() if x.startswith("• Sở Nội vụ"))


async def test_the_evaluations_export_has_a_column_per_indicator_group(harness, clock, tmp_path):
    from openpyxl import load_workbook
    from sqlalchemy import select

    from bot.policy import Policy
    from bot.services.exports import export_evaluations
    from models import Period

    await rated_by_groups(harness, clock)
    path = tmp_path / "danh_gia.xlsx"
    async with harness.db.session() as s:
        period = await s.scalar(select(Period).where(Period.year == 2026, Period.number == 11,
                                                     Period.kind == "month"))
        await export_evaluations(s, period, Policy(), path,
                                 harness.app.bot_data["services"].settings.tz)
    sheet = load_workbook(path)["Đánh giá"]
    headers = [c.value for c in sheet[1]]
    # after a, b, c: the example catalogue's groups, each a column
    at = headers.index("c (tiến độ) %")
    assert headers[at + 1:at + 3] == ["Kết quả thực hiện nhiệm vụ (%)",
                                      "Chất lượng phục vụ Nhân dân, doanh nghiệp (%)"]
    assert headers[at + 3:at + 5] == ["Năng lực phối hợp, tổ chức thực hiện (%)",
                                      "Kỷ luật, kỷ cương, liêm chính công vụ (%)"]
    record = dict(zip(headers, next(r for r in sheet.iter_rows(min_row=2, values_only=True)
                                    if r[0] == "XTH004"), strict=True))
    assert record["Kết quả thực hiện nhiệm vụ (%)"] == 90.0
    assert record["Chất lượng phục vụ Nhân dân, doanh nghiệp (%)"] == 87.5
    assert record["Năng lực phối hợp, tổ chức thực hiện (%)"] is None  # not hers
    assert sheet.cell(2, at + 2).number_format == "0.0"


def test_a_leaders_breakdown_shows_d_dd_e_apart_from_the_groups():
    """A leader's task score: the groups' points make 70 × (a + b + c) / 6, the line of d, đ
    and e the rest (70 × (0,5 + 1 + 1) / 6 = 29,1…), and together the task score."""
    from bot.policy import ScoringPolicy
    from bot.services.scoring import LeaderInputs, ProductFigures, score_task
    from handlers.screens.results import group_breakdown_lines
    from models.enums import ProductKind

    items = [ProductFigures(1, "Văn bản", ProductKind.COUNT, 3.0, 8, 8, 8, 8, group=1),
             ProductFigures(2, "Cuộc họp", ProductKind.COUNT, 1.0, 6, 3, 3, 3, group=3)]
    task = score_task(items, ScoringPolicy(), LeaderInputs(0.5, 1.0, 1.0))
    lines = group_breakdown_lines(task)
    assert lines[2:] == ["• Kết quả thực hiện nhiệm vụ: 100% → 28,0 điểm",
                         "• Năng lực phối hợp, tổ chức thực hiện: 50% → 3,5 điểm",
                         "• d, đ, e (lãnh đạo): 29,1 điểm"]
    assert group_breakdown_lines(score_task([], ScoringPolicy())) == []
