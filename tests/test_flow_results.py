"""📊 Kết quả của tôi, update by update: each screen is one transaction; only the caller's
own periods open."""

from __future__ import annotations

from tests.test_flow_report import fill_count_product, setup
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
