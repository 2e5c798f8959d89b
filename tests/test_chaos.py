"""Chaos (SECURITY.md, faults): `cadrebot run` SIGKILLed while people type KPI figures, then
started again — on SQLite and on PostgreSQL. Every figure the bot confirmed is stored (one
update is one transaction, committed before the answer), the person continues where they
were, and the database passes its checks."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.migrate import upgrade_engine
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from models import Cadre, Entry
from tests.test_e2e import TOKEN, _env
from tests.test_multiprocess import pg_database  # noqa: F401 - a fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/chaos.db"
    return request.getfixturevalue("pg_database")

PEOPLE = {"XTH003": 801, "XTH004": 802, "XTH005": 803, "XTH006": 804, "XTH008": 805,
          "XTH009": 806}


async def _seed(db) -> None:
    from datetime import UTC, datetime

    from bot.demo import load_demo_province

    await upgrade_engine(db.engine)
    async with db.session() as s:
        await load_demo_province(s, datetime.now(UTC), link=False)
        for code, tg in PEOPLE.items():
            cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
            cadre.telegram_user_id = cadre.telegram_chat_id = tg


def _start(tmp_path, env, log):
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def _ready(emulator: Emulator, proc, log_path, calls_before: int) -> None:
    for _ in range(300):
        if any(c.method == "setMyCommands" for c in emulator.calls[calls_before:]):
            return
        assert proc.poll() is None, log_path.read_text()
        await asyncio.sleep(0.1)
    raise AssertionError("the bot did not start")


async def test_sigkill_during_kpi_writes_loses_nothing_confirmed(database_url, tmp_path):
    db = Database(database_url)
    await _seed(db)
    emulator = Emulator(token=TOKEN, bot_username="chaos_bot")
    users = {code: emulator.user(user_id=tg, first_name=code) for code, tg in PEOPLE.items()}
    confirmed: dict[str, int] = {}
    async with EmulatorServer(emulator) as server:
        env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                   TELEGRAM_API_FILE_URL=server.base_file_url)
        env["DATABASE_URL"] = database_url
        log_path = tmp_path / "bot.log"
        with log_path.open("w") as log:
            proc = _start(tmp_path, env, log)
            try:
                await _ready(emulator, proc, log_path, 0)
                for user in users.values():
                    user.text("📝 Báo cáo KPI")
                await emulator.wait_idle(quiet=0.5, timeout=30)
                for round_ in range(6):
                    for user in users.values():
                        user.tap(next(b for b in user.last.buttons if b.startswith("✏️ 1.")))
                    await emulator.wait_idle(quiet=0.3, timeout=30)
                    for user in users.values():
                        user.text(str(100 + round_))
                    if round_ == 3:  # killed with figures in flight
                        await asyncio.sleep(0.05)
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                        calls = len(emulator.calls)
                        proc = _start(tmp_path, env, log)
                        await _ready(emulator, proc, log_path, calls)
                    await emulator.wait_idle(quiet=0.5, timeout=30)
                    for code, user in users.items():
                        if "bao nhiêu đạt yêu cầu chất lượng" in (user.last.text or ""):
                            confirmed[code] = 100 + round_  # the bot answered: it is stored
                        user.text("/huy")
                    await emulator.wait_idle(quiet=0.3, timeout=30)
                    for user in users.values():
                        user.text("📝 Báo cáo KPI")
                    await emulator.wait_idle(quiet=0.5, timeout=30)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    assert len(confirmed) == len(PEOPLE)  # everyone went on after the kill
    async with db.session() as s:
        stored = dict((await s.execute(
            select(Cadre.code, Entry.quantity_done).join(Entry, Entry.cadre_id == Cadre.id)
            .where(Cadre.code.in_(list(PEOPLE)), Entry.quantity_done.is_not(None)))).all())
    for code, value in confirmed.items():
        assert stored[code] >= value, (code, stored.get(code), value)  # nothing confirmed lost
    from tests.invariants import assert_consistent, sqlite_file_problems

    if database_url.startswith("sqlite"):  # the file passes SQLite's own checks
        assert sqlite_file_problems(database_url.split("///", 1)[1]) == []
    await assert_consistent(db, "after a SIGKILL")
    await db.dispose()
    text = log_path.read_text()
    assert TOKEN.split(":")[1] not in text
