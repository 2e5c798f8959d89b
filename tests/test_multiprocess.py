"""Several `cadrebot run` processes in webhook mode behind one URL, sharing one PostgreSQL
(issue #8.3): any process handles any update and one chat's updates apply in order; one
process holds the scheduler lease and another takes over when it dies; the outbox workers
share a broadcast and the global send rate, and a SIGKILL mid-way loses nothing and sends
at most the one message in flight twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from tests.conftest import PG_URL, _pg_unavailable_reason

TOKEN = "515151:MULTI-process-token-xyz"
SECRET = "multi-secret-token"
RATE_LIMIT = 10  # messages/s the emulator accepts; the bots share 9/s between them


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database (the processes cannot be given a per-test search_path)."""
    reason = _pg_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    import asyncpg

    name = "t_mp_" + uuid.uuid4().hex[:10]
    admin_dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _seed(url: str) -> list[int]:
    """The demo province; every cadre linked to a Telegram chat. Returns the chat ids."""
    from bot.clock import Clock
    from bot.db import Database
    from bot.demo import load_demo_province
    from bot.migrate import upgrade_engine
    from models import Cadre

    db = Database(url)
    await upgrade_engine(db.engine)
    async with db.session() as s:
        await load_demo_province(s, Clock().now(), link=True)
        await s.execute(update(Cadre).where(Cadre.telegram_chat_id.is_(None)).values(
            telegram_chat_id=Cadre.id + 800_000_000, telegram_user_id=Cadre.id + 800_000_000))
        chats = list(await s.scalars(select(Cadre.telegram_chat_id).where(
            Cadre.active.is_(True))))
    await db.dispose()
    return chats


async def _queue_notice(url: str) -> int:
    from bot.clock import Clock
    from bot.db import Database
    from bot.services import notices
    from models import Cadre

    db = Database(url)
    now = Clock().now()
    async with db.session() as s:
        ids = list(await s.scalars(select(Cadre.id).where(Cadre.active.is_(True))))
        notice = await notices.create(s, author_id=None, text="Thông báo kiểm thử nhiều tiến trình",
                                      audience={"cadre_ids": ids}, ack_kind="ack",
                                      attachment_kind=None, attachment_file_id=None,
                                      scheduled_at=None, now=now)
        count = await notices.queue(s, notice, now, now.date())
    await db.dispose()
    return count


async def _scalar(url: str, statement):
    from bot.db import Database

    db = Database(url)
    try:
        async with db.session() as s:
            return await s.scalar(statement)
    finally:
        await db.dispose()


class Process:
    def __init__(self, name: str, port: int, env: dict, folder: Path) -> None:
        self.name, self.port = name, port
        self.log = folder / f"{name}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=folder, stdout=out,
                stderr=subprocess.STDOUT,
                env={**env, "CADREBOT_LISTEN": f"127.0.0.1:{port}"})

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def health(self) -> dict | None:
        try:
            async with httpx.AsyncClient(timeout=3) as client:
                response = await client.get(f"http://127.0.0.1:{self.port}/healthz")
            return response.json() if response.status_code == 200 else None
        except httpx.HTTPError:
            return None

    async def wait_healthy(self) -> dict:
        for _ in range(300):
            assert self.proc.poll() is None, self.log.read_text()
            if (health := await self.health()) is not None:
                return health
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} never became healthy: {self.log.read_text()}")


async def _until(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def _sent(emulator: Emulator, chats: set[int]) -> Counter:
    return Counter({chat: len(emulator.sent[chat]) for chat in chats if emulator.sent.get(chat)})


async def test_two_processes_behind_one_webhook(pg_database, tmp_path, unused_tcp_port_factory):
    from models import SchedulerLease

    chats = await _seed(pg_database)
    emulator = Emulator(token=TOKEN, bot_username="multi_bot")
    for chat in chats:
        emulator.user(chat, "Cán bộ")
    cadre = emulator.users[700_000_001]
    async with EmulatorServer(emulator) as server:
        lb_url = f"http://127.0.0.1:{unused_tcp_port_factory()}/hook"  # the balancer's URL
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                   TELEGRAM_API_FILE_URL=server.base_file_url, DATABASE_URL=pg_database,
                   PYTHONUNBUFFERED="1", CADREBOT_WEBHOOK_URL=lb_url,
                   CADREBOT_WEBHOOK_SECRET=SECRET, CADREBOT_SCHEDULER_LEASE_SECONDS="6",
                   CADREBOT_OUTBOX_STALE_SECONDS="5", CADREBOT_BROADCAST_RATE="9")
        a = Process("a", unused_tcp_port_factory(), env, tmp_path)
        b = Process("b", unused_tcp_port_factory(), env, tmp_path)
        try:
            await a.wait_healthy()
            await b.wait_healthy()
            emulator.webhook_targets = [a.hook, b.hook]
            await _until(lambda: _scalar(pg_database, select(func.count()).select_from(
                SchedulerLease)), 20, "a scheduler lease")

            # Exactly one process runs the scheduler.
            leaders = [p for p in (a, b) if (await p.health())["scheduler"]]
            assert len(leaders) == 1

            # One chat's updates, sent at once, reach both processes and apply in order.
            cadre.text("📝 Báo cáo KPI")
            cadre.text("/trogiup")
            cadre.text("/huy")
            await emulator.wait_idle(quiet=1.0, timeout=30)
            replies = cadre.texts[-3:]
            assert "Báo cáo KPI — Tháng" in replies[0]
            assert "Hướng dẫn sử dụng" in replies[1]
            assert "thao tác" in replies[2]  # /huy answers last
            targets = {target for _, target in emulator.webhook_deliveries}
            assert targets == {a.hook, b.hook}

            # A flow whose steps are handled by alternating processes (state is in the DB).
            cadre.text("📝 Báo cáo KPI")
            await emulator.wait_idle(quiet=0.5, timeout=20)
            first = next(label for label in cadre.last.buttons if label.startswith("✏️ 1."))
            cadre.tap(first)
            await emulator.wait_idle(quiet=0.5, timeout=20)
            assert "bao nhiêu" in cadre.last.text
            cadre.text("12")
            await emulator.wait_idle(quiet=0.5, timeout=20)
            assert "12" in cadre.last.text and "Lỗi" not in cadre.last.text

            # A broadcast shared by both workers; the scheduler's holder is killed mid-way.
            wanted = set(chats)
            before = _sent(emulator, wanted)
            total = await _queue_notice(pg_database)
            assert total == len(chats)

            async def some_sent() -> bool:
                return sum((_sent(emulator, wanted) - before).values()) >= total // 3

            await _until(some_sent, 60, "the broadcast to start")
            leader, survivor = leaders[0], (b if leaders[0] is a else a)
            leader.proc.send_signal(signal.SIGKILL)
            leader.proc.wait()
            emulator.webhook_targets = [survivor.hook]
            # the survivor keeps answering people, within a second, while it takes over
            answered = len(cadre.texts)
            started = asyncio.get_running_loop().time()
            cadre.text("/trogiup")
            while len(cadre.texts) == answered:
                assert asyncio.get_running_loop().time() - started < 1.0, "no answer in 1 s"
                await asyncio.sleep(0.02)
            assert "Hướng dẫn sử dụng" in cadre.last.text

            async def all_sent() -> bool:
                return len(_sent(emulator, wanted) - before) >= total

            await _until(all_sent, 90, "every recipient to get the notice")
            await asyncio.sleep(1.5)
            got = _sent(emulator, wanted) - before
            assert len(got) == total  # nobody lost it
            assert sum(n - 1 for n in got.values()) <= 1  # at most the one in flight, twice
            sends = [c for c in emulator.calls if c.method == "sendMessage"]
            refused = len(sends) - sum(len(v) for v in emulator.sent.values())
            assert refused <= 3, f"{refused} sends refused with 429: the rate was not shared"

            # The survivor takes the scheduler over within the lease time.
            async def survivor_leads() -> bool:
                return bool((await survivor.health() or {}).get("scheduler"))

            await _until(survivor_leads, 20, "the survivor to take the scheduler lease")

            # A wrong secret is refused; a graceful stop gives the lease up.
            async with httpx.AsyncClient() as client:
                forged = await client.post(survivor.hook, json={"update_id": 1},
                                           headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
            assert forged.status_code == 403
            survivor.proc.send_signal(signal.SIGTERM)
            assert survivor.proc.wait(timeout=30) == 0, survivor.log.read_text()
            assert await _scalar(pg_database, select(func.count()).select_from(
                SchedulerLease).where(SchedulerLease.name == "scheduler",
                                      SchedulerLease.expires_at > datetime.now(UTC))) == 0
        finally:
            for p in (a, b):
                if p.proc.poll() is None:
                    p.proc.kill()
                    p.proc.wait()
        for p in (a, b):
            text = p.log.read_text()
            assert "Traceback" not in text, text
            assert TOKEN.split(":")[1] not in text


async def test_processes_starting_together_migrate_once(pg_database, tmp_path):
    """Every `cadrebot run` applies pending migrations first: several at once is safe."""
    from bot.migrate import current_revision, head_revision

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
    env["DATABASE_URL"] = pg_database
    procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(3)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    from bot.db import Database

    db = Database(pg_database)
    try:
        assert await current_revision(db.engine) == head_revision()
    finally:
        await db.dispose()
