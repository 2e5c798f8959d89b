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


async def test_the_deputy_is_picked_from_the_unit_or_found_by_name(harness, clock):
    """Issue #22: delegating meant typing a cadre code. The evaluator's unit (with its
    sub-units) is offered as a list, paged; a typed name is searched without case or marks."""
    from sqlalchemy import select

    from models import Cadre, Delegation

    thao, anh = await submitted(harness, clock)
    binh = await deputy(harness)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    since = len(harness.transactions)
    await anh.tap("➕ Ủy quyền mới")
    assert "Chọn một người trong đơn vị, hoặc gõ họ tên hay mã cán bộ" in anh.last.text
    first = anh.buttons()
    # 14 colleagues of UBND xã Tân Hưng and its office, by given name: 8 on a page
    assert first[:3] == ["Lý Văn Bình (XTH001)", "Cao Văn Định (XTH007)",
                         "Đặng Hồng Dung (XTH129)"]
    assert len(first) == 10 and first[8:] == ["Tiếp ▶️", "⬅️ Quay lại"]
    assert "Phan Thị Ngọc Ánh (XTH002)" not in first  # not herself
    await anh.tap("Tiếp ▶️")
    second = anh.buttons()
    assert len(second) == 8 and second[6:] == ["◀️ Trước", "⬅️ Quay lại"]
    assert not set(first[:8]) & set(second[:6])
    await anh.send("THỊ")  # a name: capitals and marks do not matter
    text = anh.last.text
    assert "Những người có tên khớp với «THỊ»" in text
    assert "Đinh Thị Thảo (XTH004)" in anh.buttons() and "Tạ Thị Yến (XTH006)" in anh.buttons()
    assert "Lý Văn Bình (XTH001)" not in anh.buttons()
    await anh.send("nguyen van khong co")
    assert "Không có ai trong đơn vị có tên khớp với «nguyen van khong co»" in anh.last.text
    await anh.send("xth999")  # a code nobody has
    assert "Không có cán bộ nào đang công tác có mã này" in anh.last.text
    await anh.send("ly binh")
    assert anh.buttons() == ["Lý Văn Bình (XTH001)", "👥 Cả đơn vị"]
    await anh.tap("Lý Văn Bình (XTH001)")
    assert "Ủy quyền cho Lý Văn Bình trong bao lâu?" in anh.last.text
    await anh.tap("7 ngày")
    assert "Lý Văn Bình sẽ duyệt thay anh/chị từ 20/11/2026 đến 26/11/2026" in anh.last.text
    assert "đã ủy quyền cho anh/chị duyệt thay" in binh.last.text
    async with harness.db.session() as s:
        delegation = await s.scalar(select(Delegation))
        delegate = await s.get(Cadre, delegation.delegate_id)
        assert delegate.code == "XTH001"
        assert (delegation.starts_on.isoformat(), delegation.ends_on.isoformat()) == (
            "2026-11-20", "2026-11-26")
    begun = begun_since(harness, since)
    assert len(begun) == 8 and max(begun) == 1, begun


async def test_a_picked_deputy_button_works_only_at_that_step(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    await anh.tap("➕ Ủy quyền mới")
    pick = next(b.callback_data for row in anh.last.inline_buttons for b in row
                if b.text == "Lý Văn Bình (XTH001)")
    await anh.tap("⬅️ Quay lại")  # leaves the new delegation
    assert "Ủy quyền duyệt báo cáo" in anh.last.text
    await anh.tap_data(pick)
    assert any("hết hiệu lực" in a for a in anh.alerts)
    await thao.tap_data(pick)  # Thảo evaluates nobody
    assert len(thao.alerts) == 1
