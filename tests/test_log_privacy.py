"""Logs never carry the bot token, full phone numbers or what people typed (Decree 13/2023):
a full journey — linking by phone, a KPI report, a return with a reason, approval, a course
declaration and a board notice — runs with the production logging at DEBUG, and the whole
log output is scanned."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logging_setup import setup_logging
from tests.harness import TOKEN
from tests.test_flow_notices import compose, drain
from tests.test_flow_report import (
    fill_and_submit,
    setup,
)
from tests.test_flow_training import declare_course

REASON = "Thiếu sổ theo dõi hồ sơ QX-7731"
COURSE = "Lớp bồi dưỡng QX-7732"
NOTICE = "Họp giao ban trực tuyến QX-7733 lúc 14 giờ"
PHONE = "+84912000016"  # XTH005's phone on the roster


@pytest.fixture
def production_logging():
    """The logging `cadrebot run` sets up, at DEBUG, its stream captured."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("DEBUG", secrets=[TOKEN])
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    yield stream.getvalue
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


async def test_a_full_journey_leaves_no_personal_data_in_the_logs(harness, clock,
                                                                   production_logging):
    thao, anh = await setup(harness, clock)
    truong = harness.person(950, "Trường", phone=PHONE)
    await truong.send("/start")
    await truong.share_contact()
    assert "Chào mừng Mai Xuân Trường" in truong.last.text

    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap_starting("🔍 1.")
    await anh.tap("↩️ Trả lại")
    await anh.send(REASON)
    assert f"Lý do: {REASON}" in thao.last.text
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")

    await thao.send("📚 Bồi dưỡng")
    await declare_course(thao, COURSE)
    assert f"Đã gửi «{COURSE}» để xác nhận" in thao.last.text

    from sqlalchemy import select

    from models import Cadre
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 951
    ha = harness.person(951, "Hà")
    await compose(ha, NOTICE)
    await ha.tap_starting("➡️ Tiếp tục")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("📤 Xác nhận gửi")
    await drain(harness)
    assert any(NOTICE in (m.text or "") for m in thao.fake.messages)
    # an error on the way is logged too: a Telegram failure while answering
    harness.emulator.fail("sendMessage", status=500, times=10, chat_id=thao.id)
    await thao.send("/trogiup")
    harness.errors.clear()

    log = production_logging()
    assert "INFO handlers.onboarding" in log and "ERROR" in log  # the log was written
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "912000016" not in log and "912000015" not in log
    for typed in (REASON, COURSE, NOTICE, "QX-773"):
        assert typed not in log, f"{typed!r} reached the log"
