"""📊 Kết quả của tôi, update by update: each screen is one transaction; only the caller's
own periods open."""

from __future__ import annotations

from tests.test_flow_report import fill_count_product, fill_rates, self_assess, setup
from tests.transactions import begun_since


async def test_results_breakdown_and_chart_take_one_transaction_each(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)
    since = len(harness.transactions)
    await anh.send("📊 Kết quả của tôi")
    assert "Chưa có kết quả" in anh.last.text
    await anh.tap_data("rs:c")  # nothing to chart: a forged tap
    await thao.send("/ketqua")
    assert "Tháng 11/2026</b>:" in thao.last.text
    button = next(b for row in thao.last.inline_buttons for b in row
                  if b.text == "🔎 Cách tính điểm Tháng 11/2026")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    assert "a = 125/120 = 100%" in thao.last.text
    await anh.tap_data(button.callback_data)  # someone else's period
    await thao.tap("⬅️ Quay lại")
    await thao.tap("📈 Biểu đồ 12 kỳ gần nhất")
    assert thao.last.kind == "photo"
    await thao.tap_data("rs:d:x")
    begun = begun_since(harness, since)
    assert len(begun) == 8 and max(begun) == 1, begun
    assert sum("hết hiệu lực" in a for a in anh.alerts) == 2
    assert sum("hết hiệu lực" in a for a in thao.alerts) == 1


async def _adjusted_and_rated(harness, clock, rescore=("6", "6", "6")):
    """The issue's story: Thảo reports 118 done (all of quality), her evaluator adjusts it to
    116 done, 112 of quality, each with a reason, approves, and rates the month after scoring
    the general criteria again (18 of her self-assessed 30)."""
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="118")
    await fill_rates(thao)
    await self_assess(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap_starting("🔍 1.")
    await anh.tap("✏️ Điều chỉnh và duyệt")
    await anh.tap("✏️ Hoàn thành: 118")
    await anh.send("116")
    await anh.send("Sổ theo dõi ghi 116 hồ sơ")
    await anh.tap("✏️ Đạt chất lượng: 116")
    await anh.send("112")
    await anh.send("4 hồ sơ thiếu chữ ký")
    await anh.tap("✅ Xác nhận điều chỉnh và duyệt")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    return thao, anh


ADJUSTED = ("✏️ hoàn thành 118 → 116 (bởi Phan Thị Ngọc Ánh) — lý do: Sổ theo dõi ghi 116 hồ sơ",
            "✏️ đạt chất lượng 118 → 112 (bởi Phan Thị Ngọc Ánh) — lý do: 4 hồ sơ thiếu chữ ký")
RATED = ("⭐ Kết quả đánh giá: <b>86,9 điểm — Hoàn thành tốt nhiệm vụ</b> (Phan Thị Ngọc Ánh "
         "đánh giá ngày 20/11/2026)")


async def test_after_adjustment_and_rating_the_report_results_and_breakdown_agree(harness, clock):
    """Issue 22 item 1: the report said "Điểm dự kiến: … xuất sắc" with the original figures
    and the breakdown "→ xuất sắc" then a different confirmed band; now all three show the
    adjusted figures (old → new, by whom, why) and, once rated, the evaluated result."""
    thao, anh = await _adjusted_and_rated(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    before = thao.last.text  # approved, not rated yet: projected, and says so
    assert all(line in before for line in ADJUSTED)
    assert ("Điểm dự kiến: <b>98,9</b> — Hoàn thành xuất sắc nhiệm vụ (theo số liệu người đánh "
            "giá đã điều chỉnh)") in before
    assert "Đang chờ người đánh giá đánh giá" in before

    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✏️ Chấm lại tiêu chí")
    for points in ("6", "6", "6"):
        await anh.send(points)
    await anh.tap("✅ Xác nhận: 86,9 điểm — Hoàn thành tốt nhiệm vụ")

    await thao.send("📝 Báo cáo KPI")
    report = thao.last.text
    await thao.send("📊 Kết quả của tôi")
    overview = thao.last.text
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    breakdown = thao.last.text
    for text in (report, breakdown):
        assert RATED in text
        assert all(line in text for line in ADJUSTED)
        assert "Tiêu chí chung: tự đánh giá 30,0, người đánh giá chấm 18,0" in text
        assert "xuất sắc" not in text and "dự kiến" not in text.lower()
    assert "<b>Tháng 11/2026</b>: 86,9 điểm — Hoàn thành tốt nhiệm vụ (đã đánh giá)" in overview
    assert "a = 116/120 = 97%" in breakdown and "b = 112/120 = 93%" in breakdown
    assert "<b>Tổng: 68,9 + 18,0 = 86,9 → Hoàn thành tốt nhiệm vụ</b>" in breakdown


async def test_a_band_that_is_not_the_points_band_is_explained(harness, clock):
    """A discipline that year (LAW L6): the breakdown gives the points' band, then why the
    evaluated band differs — never "→ xuất sắc" followed by another band unexplained. And
    figures changed after the rating (the board's correction) are said to have changed."""
    from sqlalchemy import select

    from models import Cadre, Discipline, Target

    thao, anh = await _adjusted_and_rated(harness, clock)
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        s.add(Discipline(cadre_id=cadre.id, year=2026, level="khien_trach"))
    await anh.tap("⭐ Đánh giá Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Đồng ý với tự đánh giá")
    await anh.tap("✅ Xác nhận: 98,9 điểm — Không hoàn thành nhiệm vụ")
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    text = thao.last.text
    assert "⭐ Kết quả đánh giá: <b>98,9 điểm — Không hoàn thành nhiệm vụ</b>" in text
    assert ("<b>Tổng: 68,9 + 30,0 = 98,9 điểm</b>, tương ứng mức «Hoàn thành xuất sắc nhiệm "
            "vụ»") in text
    assert ("Số điểm tương ứng mức «Hoàn thành xuất sắc nhiệm vụ»; xếp loại là «Không hoàn "
            "thành nhiệm vụ» do trong năm có hình thức kỷ luật") in text
    assert "→ Hoàn thành xuất sắc" not in text

    async with harness.db.session() as s:  # a target corrected after the rating
        target = await s.scalar(select(Target).where(Target.cadre_id == cadre.id,
                                                     Target.quantity == 120))
        target.quantity = 150
    await thao.tap("⬅️ Quay lại")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    assert ("Số liệu đã thay đổi sau khi đánh giá: theo số liệu hiện nay được 94,5 điểm; kết "
            "quả đã đánh giá vẫn là 98,9 — Không hoàn thành nhiệm vụ") in thao.last.text
