"""/chitieu, update by update: each command, tap and typed target is one transaction (the
cadre's message goes out after it); refusals keep or end the step as they should."""

from __future__ import annotations

from sqlalchemy import select

from models import AuditLog, Cadre
from tests.test_flow_report import setup
from tests.transactions import begun_since


async def test_a_rate_target_changed_step_by_step_in_one_transaction_each(
        harness, clock):
    thao, anh = await setup(harness, clock)
    since = len(harness.transactions)
    await anh.send("/chitieu")
    await anh.tap("Tiếp ▶️")
    await anh.tap("Đinh Thị Thảo")
    await anh.tap_starting("✏️ 3.")  # a rate: at most 100
    assert "Chỉ tiêu mới cho «Mức độ hài lòng của người dân»" in anh.last.text
    assert "(hiện tại 90%)" in anh.last.text  # a rate reads with its sign (#22 item 12)
    await anh.send("150")
    assert "Tỷ lệ phải từ 0 đến 100%" in anh.last.text
    await anh.send("0")
    assert "Chỉ tiêu phải là số dương" in anh.last.text
    await anh.send("chín lăm")
    assert "bằng số" in anh.last.text
    await anh.send("95")  # the step stayed open through the refusals
    assert "Đã đặt chỉ tiêu «Mức độ hài lòng của người dân» là 95" in anh.last.text
    assert "(mặc định 90%)" in anh.last.text
    assert "Người đánh giá đã điều chỉnh chỉ tiêu «Mức độ hài lòng của người dân»" in thao.last.text
    await anh.send("96")  # the step is over: the fallback answers
    assert "chưa hiểu" in anh.last.text
    begun = begun_since(harness, since)
    assert len(begun) == 9 and max(begun) == 1, begun
    async with harness.db.session() as s:
        log = await s.scalar(select(AuditLog).where(AuditLog.action == "adjust_target"))
        assert log.before == {"quantity": 90} and log.after == {"quantity": 95}


async def test_the_board_by_code_and_forged_taps(harness, clock):
    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 803
        other = await s.scalar(select(Cadre).where(Cadre.code == "SNV003"))
    board = harness.person(803, "Ban Tổ chức")
    since = len(harness.transactions)
    await board.send("/chitieu xth004")
    assert "Chỉ tiêu của Đinh Thị Thảo — Tháng 11/2026" in board.last.text
    await anh.send("/chitieu SNV003")
    assert "Không thể điều chỉnh chỉ tiêu của SNV003" in anh.last.text
    await anh.tap_data(f"tg:c:{other.id}")
    await anh.tap_data("tg:l:-1")
    await anh.tap_data("tg:p:1")
    assert sum("hết hiệu lực" in a for a in anh.alerts) == 3
    begun = begun_since(harness, since)
    assert len(begun) == 5 and max(begun) == 1, begun
