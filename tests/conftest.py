"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.migrate import upgrade_engine

PG_URL = os.environ.get("CADREBOT_TEST_DATABASE_URL", "")
_pg_status: dict[str, str | None] = {}


def _pg_unavailable_reason() -> str | None:
    """None when the configured PostgreSQL answers; otherwise why not (checked once)."""
    if "reason" in _pg_status:
        return _pg_status["reason"]
    if not PG_URL:
        reason = "CADREBOT_TEST_DATABASE_URL is not set"
    else:
        import asyncpg

        async def probe() -> None:
            dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.close()

        try:
            asyncio.run(probe())
            reason = None
        except Exception as exc:  # noqa: BLE001
            reason = f"PostgreSQL at {PG_URL.split('@')[-1]} does not answer ({exc.__class__.__name__})"
    _pg_status["reason"] = reason
    return reason


def _pg_line() -> str:
    reason = _pg_unavailable_reason()
    if reason is None:
        return f"PostgreSQL tests: against {PG_URL.split('@')[-1]}"
    return f"PostgreSQL tests: skipped — {reason}"


def pytest_report_header(config):
    return _pg_line()


def _browser_line() -> str:
    import shutil

    from tests.test_webapp_browser import CHROMIUM, async_playwright

    if async_playwright is None:
        return "Browser test: skipped — the playwright package is not installed"
    if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
        return "Browser test: skipped — no Chromium (apt-get install -y chromium)"
    return f"Browser test: with {CHROMIUM}"


def pytest_terminal_summary(terminalreporter):
    # The header is hidden under -q (our default), so the one line is repeated at the end.
    terminalreporter.write_line(_pg_line())
    terminalreporter.write_line(_browser_line())


BACKENDS = ["sqlite", "postgresql"]


@dataclass
class DbTarget:
    url: str
    engine_kwargs: dict = field(default_factory=dict)

    def database(self) -> Database:
        return Database(self.url, **self.engine_kwargs)


@pytest.fixture(params=BACKENDS)
def db_target(request, tmp_path):
    """A fresh, empty database: a file on SQLite, a new schema on PostgreSQL."""
    if request.param == "sqlite":
        yield DbTarget(f"sqlite+aiosqlite:///{tmp_path}/test.db")
        return
    reason = _pg_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:12]
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE SCHEMA "{schema}"'))
    yield DbTarget(PG_URL, {"connect_args": {"server_settings": {"search_path": schema}}})
    asyncio.run(admin(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
async def db(db_target):
    database = db_target.database()
    await upgrade_engine(database.engine)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    # A Tuesday morning in Hanoi (02:00 UTC = 09:00 ICT).
    return FrozenClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))


@pytest.fixture
async def harness(db, clock):
    """The real bot, in-process against the emulator, on a fresh database per backend."""
    from bot.sandbox.emulator import Emulator
    from tests.harness import TOKEN, BotHarness, start_app

    emulator = Emulator(token=TOKEN, bot_username="trolycanbo_bot")
    errors: list[BaseException] = []
    app = await start_app(emulator, db, clock, errors)
    h = BotHarness(emulator, app, db, errors)
    yield h
    await h.app.shutdown()
    assert h.errors == [], f"handlers raised: {h.errors!r}"
    assert over_transaction_budget(h) == []


# One update, one transaction (ENGINEERING.md), two at most where someone else is told
# about it: every flow test checks it, for every update it sends (harness.transactions).
# A broadcast's confirmation reaches the others through the outbox, after the update: its
# status message is sent, then the notice that names it is written.
REACHES_OTHERS_LATER = ("nt:go",)
# A file the board sends to import (handlers/chatfiles.py) is downloaded after the gate's
# read is committed (no connection waits on Telegram); the check of its content is then a
# transaction of its own: an update that downloads a file may begin two.


def over_transaction_budget(h) -> list[tuple[str, int]]:
    over = []
    for (data, begun), notified, failed, downloaded in zip(
            h.transactions, h.notified_others, h.failed, h.downloaded, strict=True):
        what = (data.get("callback_query", {}).get("data")
                or (data.get("message") or {}).get("text") or "?")
        if failed:  # rolled back; the error handler records what happened on its own
            continue
        if begun > (2 if notified or downloaded or what.startswith(REACHES_OTHERS_LATER)
                    else 1):
            over.append((what, begun))
    return over
