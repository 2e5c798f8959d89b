"""Webhook mode from outside (SECURITY.md): no secret, no start; the secret is checked
before the body is read; the body is capped; what the bot cannot parse is refused with 400
and never stored, so it cannot stall a chat."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select
from tornado.httpserver import HTTPServer

from bot.config import ConfigError, load_settings
from bot.webhook import MAX_BODY, SECRET_HEADER, web_application
from models import InboundUpdate
from tests.harness import make_settings

SECRET = "k9X2mQ7vB4nR8tY1wE5uI3oP6aS0dF2g"


def test_webhook_mode_without_a_secret_does_not_start(monkeypatch):
    for name in ("CADREBOT_WEBHOOK_SECRET", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, CADREBOT_WEBHOOK_URL="https://bot.example.vn/hook")
    assert str(error.value).startswith("cấu hình không hợp lệ: ")
    assert "CADREBOT_WEBHOOK_SECRET" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ConfigError):  # Telegram accepts letters, digits, _ and - only
        load_settings(_env_file=None, CADREBOT_WEBHOOK_URL="https://bot.example.vn/hook",
                      CADREBOT_WEBHOOK_SECRET="mật khẩu")


@pytest.fixture
async def webhook(harness, unused_tcp_port):
    settings = make_settings(CADREBOT_WEBHOOK_URL=f"http://127.0.0.1:{unused_tcp_port}/hook",
                             CADREBOT_WEBHOOK_SECRET=SECRET)
    web, _state = web_application(harness.app, settings)
    server = HTTPServer(web)
    server.listen(unused_tcp_port, "127.0.0.1")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}") as client:
        yield client
    server.stop()


async def _stored(harness) -> int:
    async with harness.db.session() as s:
        return await s.scalar(select(func.count()).select_from(InboundUpdate))


UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 1796000000,
                                      "chat": {"id": 55, "type": "private"},
                                      "from": {"id": 55, "is_bot": False, "first_name": "A"},
                                      "text": "/start"}}


async def test_the_secret_is_checked_before_anything_is_stored(harness, webhook):
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
        response = await webhook.post("/hook", json=UPDATE, headers=headers)
        assert response.status_code == 403
    assert await _stored(harness) == 0
    response = await webhook.post("/hook", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert await _stored(harness) == 1


async def test_oversized_and_malformed_updates_get_400_or_413_and_are_not_stored(
        harness, webhook):
    secret = {SECRET_HEADER: SECRET}
    big = b'{"update_id": 8, "x": "' + b"a" * (MAX_BODY + 10) + b'"}'
    assert (await webhook.post("/hook", content=big, headers=secret)).status_code == 413

    async def chunks():  # no Content-Length: the cap holds while the body is read
        for _ in range(20):
            yield b"a" * 100_000

    assert (await webhook.post("/hook", content=chunks(), headers=secret)).status_code == 413
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    for body in (b"{not json", b"[]", b'{"update_id": "x"}', json.dumps(
            {**UPDATE, "update_id": 2**63}).encode(), deep,
            json.dumps({"update_id": 9, "message": "not a message"}).encode()):
        response = await webhook.post("/hook", content=body, headers=secret)
        assert response.status_code == 400, body[:40]
    assert await _stored(harness) == 0
