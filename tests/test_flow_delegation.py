"""🔁 Ủy quyền, update by update: each tap or typed step is one transaction (the delegate's
message goes out after it)."""

from __future__ import annotations

from tests.test_flow_review import deputy, submitted
from tests.transactions import begun_since


async def test_a_delegation_made_and_cancelled_takes_one_transaction_per_update(
        harness, clock):
    thao, anh = await submitted(harness, clock)
    binh = await deputy(harness)
    await anh.send("✅ Phê duyệt")
    since = len(harness.transactions)
    await anh.tap("🔁 Ủy quyền")
    await anh.tap("➕ Ủy quyền mới")
    await anh.send("KHONGCO")  # refused: the step stays
    await anh.send("XTH001")
    await anh.tap("7 ngày")
    assert "Lý Văn Bình sẽ duyệt thay anh/chị" in anh.last.text
    assert "đã ủy quyền cho anh/chị duyệt thay" in binh.last.text
    await anh.tap("❌ Hủy ủy quyền cho Lý Văn Bình")
    await anh.tap("✅ Đồng ý hủy")
    assert "Đã hủy ủy quyền" in anh.last.text
    assert "đã hủy ủy quyền duyệt báo cáo cho anh/chị" in binh.last.text
    await anh.tap_data("dl:d:7")  # a duration of a delegation she is no longer making
    await anh.tap_data("dl:d:8")  # not a duration offered
    await anh.tap_data("dl:x:abc")
    begun = begun_since(harness, since)
    assert len(begun) == 10 and max(begun) == 1, begun
    assert sum("hết hiệu lực" in a for a in anh.alerts) == 3


async def test_a_refused_duration_button_is_answered_in_the_chat(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    for _ in range(2):
        await anh.tap("➕ Ủy quyền mới")
        await anh.send("XTH001")
        await anh.send("hôm nay")  # not a range: the step stays
        assert "Vui lòng chọn thời hạn" in anh.last.text
        await anh.tap("14 ngày")
    assert "Anh/chị đã ủy quyền cho người này từ 20/11/2026 đến 03/12/2026" in anh.last.text
    await anh.send("/huy")
    assert "Đã hủy" in anh.last.text
