"""The emulator's faults as the bot meets them: 429 waits and retries, 403 marks the cadre
unreachable, "message is not modified" is harmless, files go both ways."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.demo import load_demo_province
from bot.sandbox.emulator import Emulator
from bot.sandbox.request import EmulatorRequest
from bot.sandbox.server import EmulatorServer
from models import Cadre

TOKEN = "999:FAULTS-test-token"


@pytest.fixture
async def bot_and_emulator():
    emulator = Emulator(token=TOKEN)
    emulator.user(1, "Lan")
    bot = Bot(TOKEN, request=EmulatorRequest(emulator), get_updates_request=EmulatorRequest(emulator))
    await bot.initialize()
    yield bot, emulator
    await bot.shutdown()


async def test_429_403_and_not_modified_reach_the_bot_as_telegram_errors(bot_and_emulator):
    bot, emulator = bot_and_emulator
    emulator.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "xin chào")
    assert info.value.retry_after == 3
    message = await bot.send_message(1, "xin chào")  # the fault was injected once
    emulator.block(1)
    with pytest.raises(Forbidden):
        await bot.send_message(1, "lần nữa")
    emulator.unblock(1)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("xin chào", chat_id=1, message_id=message.message_id)


async def test_files_both_ways_and_rate_limit(bot_and_emulator):
    bot, emulator = bot_and_emulator
    upload = emulator.users[1].document("bao_cao.pdf", b"%PDF-1.4 data", "application/pdf")
    file_id = upload["message"]["document"]["file_id"]
    telegram_file = await bot.get_file(file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 data"
    await bot.send_document(1, b"xlsx bytes", filename="tong_hop.xlsx")
    assert emulator.users[1].last.file_bytes == b"xlsx bytes"
    emulator.rate_limit = 2
    await bot.send_message(1, "1")
    await bot.send_message(1, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "3")


async def test_http_server_refuses_a_wrong_token():
    import httpx

    emulator = Emulator(token=TOKEN)
    async with EmulatorServer(emulator) as server:
        async with httpx.AsyncClient() as client:
            ok = await client.post(f"{server.base_url}{TOKEN}/getMe")
            bad = await client.post(f"{server.base_url}123:WRONG/getMe")
            missing = await client.post(f"{server.base_url}{TOKEN}/noSuchMethod")
    assert ok.json()["result"]["username"] == "trolycanbo_bot"
    assert bad.status_code == 401
    assert missing.json()["error_code"] == 404


async def test_bot_survives_429_and_marks_blocked_cadres(harness, clock):
    async with harness.db.session() as s:
        await load_demo_province(s, clock.now(), link=False)
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        cadre.telegram_user_id = cadre.telegram_chat_id = 901
    thao = harness.person(901, "Thảo")
    harness.emulator.fail("sendMessage", status=429, retry_after=1)
    await thao.send("/start")  # the rate limiter waits retry_after and sends again
    assert "Xin chào Đinh Thị Thảo" in thao.last.text
    harness.emulator.block(901)
    await thao.send("/trogiup")
    harness.errors.clear()  # the 403 went to the error handler, which is the point
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        assert cadre.reachable is False
