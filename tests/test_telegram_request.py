"""The bot's HTTP client for the Bot API (bot/telegram_request.py: aiohttp in place of PTB's
httpx), over HTTP to the emulator: messages with keyboards, a file up and a file down, and
PTB's errors — a refused connection is a NetworkError that does not carry the token, a
server that does not answer in time is TimedOut."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from bot.telegram_request import AiohttpRequest

TOKEN = "777001:REQUEST-test-token-not-real"


def _bot(server: EmulatorServer, **request_options) -> Bot:
    return Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url,
               request=AiohttpRequest(8, **request_options),
               get_updates_request=AiohttpRequest(1))


async def test_messages_keyboards_and_files_go_through():
    emulator = Emulator(token=TOKEN, bot_username="request_bot")
    person = emulator.user(user_id=6001, first_name="Lan")
    async with EmulatorServer(emulator) as server, _bot(server) as bot:
        sent = await bot.send_message(
            person.user_id, "<b>Báo cáo</b> tháng 11", parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("✏️ 1. Văn bản",
                                                                     callback_data="kp:e:1")]]))
        document = await bot.send_document(person.user_id, "bảng điểm".encode() * 1000,
                                           filename="bang_diem.xlsx", caption="Kết quả")
        file = await bot.get_file(document.document.file_id)
        downloaded = await file.download_as_bytearray()
    assert sent.message_id == person.messages[0].message_id
    assert "tháng 11" in person.messages[0].text
    assert person.messages[0].inline_buttons[0][0].callback_data == "kp:e:1"
    assert person.messages[1].kind == "document"
    assert person.messages[1].file_name == "bang_diem.xlsx"
    assert person.messages[1].text == "Kết quả"  # the caption
    assert bytes(downloaded) == "bảng điểm".encode() * 1000


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_refused_connection_is_a_network_error_without_the_token():
    port = _closed_port()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot",
              request=AiohttpRequest(1), get_updates_request=AiohttpRequest(1))
    with pytest.raises(NetworkError) as raised:
        await bot.initialize()  # getMe
    assert not isinstance(raised.value, TimedOut)
    assert TOKEN not in str(raised.value)
    await bot.shutdown()


async def test_a_server_that_does_not_answer_in_time_is_timed_out():
    emulator = Emulator(token=TOKEN, bot_username="request_bot")
    person = emulator.user(user_id=6002, first_name="Minh")
    async with EmulatorServer(emulator) as server, _bot(server, read_timeout=0.2) as bot:
        emulator.delay_for["sendMessage"] = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(person.user_id, "Xin chào")
