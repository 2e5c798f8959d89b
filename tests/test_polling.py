"""Polling in batches (bot/polling.py): the next getUpdates waits until every update already
fetched has been taken up for handling, so a busy bot gets what arrived meanwhile in one
call; an idle bot asks at once, so a lone person waits no longer."""

from __future__ import annotations

import asyncio

from bot import polling
from bot.app import build_application
from bot.clock import Clock
from bot.db import Database
from bot.migrate import upgrade_engine
from bot.polling import PacedUpdatesRequest, UpdateQueue
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from tests.harness import TOKEN, make_settings


class Recorded:
    """An inner request backend that only notes when it was asked."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def do_request(self, url, method, request_data=None, *args):
        self.asked.append(asyncio.get_running_loop().time())
        return 200, b'{"ok": true, "result": []}'


async def _ask(request: PacedUpdatesRequest) -> None:
    await request.do_request(f"https://api.telegram.org/bot{TOKEN}/getUpdates", "POST")


async def test_an_idle_bot_asks_at_once():
    inner = Recorded()
    request = PacedUpdatesRequest(UpdateQueue(), inner)
    await asyncio.wait_for(_ask(request), 0.5)
    assert len(inner.asked) == 1


async def test_the_next_call_waits_until_the_queue_has_drained():
    queue, inner = UpdateQueue(), Recorded()
    request = PacedUpdatesRequest(queue, inner)
    queue.put_nowait("update 1")
    queue.put_nowait("update 2")
    asking = asyncio.create_task(_ask(request))
    await asyncio.sleep(0.05)
    assert inner.asked == []  # two updates still wait for handling
    queue.get_nowait()
    await asyncio.sleep(0.05)
    assert inner.asked == []  # one still does
    queue.get_nowait()
    await asyncio.wait_for(asking, 0.5)
    assert len(inner.asked) == 1


async def test_a_handler_that_never_ends_does_not_stop_the_polling(monkeypatch):
    monkeypatch.setattr(polling, "MAX_WAIT_SECONDS", 0.1)
    queue, inner = UpdateQueue(), Recorded()
    queue.put_nowait("an update nobody takes")
    await asyncio.wait_for(_ask(PacedUpdatesRequest(queue, inner)), 1.0)
    assert len(inner.asked) == 1


async def test_a_busy_bot_fetches_what_arrived_meanwhile_in_one_call(tmp_path):
    """Eight people, each writing again as soon as the bot answers (SQLite: one update at a
    time): every message is answered, in fewer getUpdates calls than half the messages (PTB
    alone asks once per update here)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/polling.db"
    db = Database(url)
    await upgrade_engine(db.engine)
    emulator = Emulator(token=TOKEN, bot_username="polling_bot")
    people = [emulator.user(user_id=5000 + i, first_name=f"Người {i}") for i in range(8)]
    rounds = 6
    async with EmulatorServer(emulator) as server:
        settings = make_settings(DATABASE_URL=url, TELEGRAM_API_BASE_URL=server.base_url,
                                 TELEGRAM_API_FILE_URL=server.base_file_url)
        app = build_application(settings, db, Clock(), rate_limiter=False)
        await app.initialize()
        await app.updater.start_polling(timeout=1)
        await app.start()
        try:
            started = len(emulator.calls)

            async def person(user) -> None:
                for _ in range(rounds):
                    answered = len(user.messages)
                    user.text("/start")
                    while len(user.messages) == answered:
                        await asyncio.sleep(0.002)

            await asyncio.wait_for(asyncio.gather(*(person(user) for user in people)), 60)
            polls = [c for c in emulator.calls[started:] if c.method == "getUpdates"]
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await db.dispose()
    messages = len(people) * rounds
    assert all(len(user.messages) >= rounds for user in people)
    assert len(polls) < messages / 2, f"{len(polls)} getUpdates calls for {messages} messages"
