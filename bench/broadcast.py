"""Benchmark 3: a notice to N recipients, sent by `cadrebot run` (a real subprocess) through
the HTTP emulator enforcing a global rate limit; the bot is SIGKILLed half-way and started
again. Reports the achieved rate against the limit, lost and duplicated messages.

    .venv/bin/python bench/broadcast.py --recipients 50000      # full size (≈ 28 min at 30/s)
    .venv/bin/python bench/broadcast.py --recipients 60         # smoke size (run by the tests)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "555000:BENCH-broadcast-token-xyz"
STALE_SECONDS = 5


async def prepare(url: str, recipients: int) -> list[int]:
    from sqlalchemy import select, update

    from bot.clock import Clock
    from bot.db import Database
    from bot.migrate import upgrade_engine
    from bot.services import notices
    from bot.services.demo_data import generate
    from models import Cadre

    db = Database(url)
    await upgrade_engine(db.engine)
    now = Clock().now()
    async with db.session() as s:
        await generate(s, cadres=max(recipients, 20), months=0, seed=3, now=now)
        await s.execute(update(Cadre).values(telegram_chat_id=Cadre.id + 1_000_000_000,
                                             telegram_user_id=Cadre.id + 1_000_000_000))
        chats = list(await s.scalars(select(Cadre.telegram_chat_id).order_by(Cadre.id)
                                     .limit(recipients)))
        ids = list(await s.scalars(select(Cadre.id).order_by(Cadre.id).limit(recipients)))
        notice = await notices.create(s, author_id=None, text="Thông báo thử tải", audience={
            "cadre_ids": ids}, ack_kind="ack", attachment_kind=None, attachment_file_id=None,
            scheduled_at=None, now=now)
        await notices.queue(s, notice, now, now.date())
    await db.dispose()
    return chats


def sent_per_chat(emulator, chats: set[int]) -> Counter:
    """Messages Telegram accepted (a 429-refused call is not a message)."""
    return Counter({chat: len(emulator.sent.get(chat, [])) for chat in chats
                    if emulator.sent.get(chat)})


async def run(recipients: int, limit: int, url: str | None = None) -> dict:
    from bot.sandbox.emulator import Emulator
    from bot.sandbox.server import EmulatorServer

    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{folder}/bench.db"
    chats = await prepare(url, recipients)
    emulator = Emulator(token=TOKEN, bot_username="bench_bot")
    for chat in chats:
        emulator.user(chat, "Cán bộ")
    emulator.rate_limit = limit
    wanted = set(chats)
    async with EmulatorServer(emulator) as server:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url,
               "TELEGRAM_API_FILE_URL": server.base_file_url, "DATABASE_URL": url,
               "CADREBOT_LOG_LEVEL": "WARNING", "CADREBOT_OUTBOX_STALE_SECONDS": str(STALE_SECONDS)}

        def start() -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=folder, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        proc = start()
        first_at = None
        # Poll a counter, not the 50,000 chats: the emulator shares this event loop, and a
        # scan of every chat 20 times a second would slow its answers to the bot.
        while True:  # first half, then SIGKILL
            count = emulator.sent_total
            if count and first_at is None:
                first_at = time.monotonic()
            if count >= recipients // 2:
                break
            await asyncio.sleep(0.02 if first_at is None else 0.1)
        half_time = time.monotonic() - first_at
        half_count = count
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc = start()
        deadline = time.monotonic() + recipients / max(limit, 1) * 3 + 120
        while time.monotonic() < deadline:
            if emulator.sent_total >= recipients and len(sent_per_chat(emulator, wanted)) >= \
                    recipients:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
        proc.terminate()  # the emulator keeps answering while the bot stops
        await asyncio.to_thread(proc.wait, 60)
    per_chat = sent_per_chat(emulator, wanted)
    rejected = sum(1 for c in emulator.calls if c.method == "sendMessage") - sum(per_chat.values())
    return {"recipients": recipients, "limit": limit, "half": half_count,
            "rate": half_count / half_time if half_time else 0.0,
            "lost": recipients - len(per_chat),
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "rejected_429": max(rejected, 0)}


def main() -> None:
    import logging

    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--limit", type=int, default=30, help="messages/s the emulator allows")
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database, e.g. postgresql+asyncpg://…/db (default SQLite)")
    args = parser.parse_args()
    r = asyncio.run(run(args.recipients, args.limit, args.database_url))
    print(f"broadcast: {r['recipients']} recipients, emulator limit {r['limit']}/s; before the "
          f"SIGKILL {r['half']} sent at {r['rate']:.1f}/s ({r['rate'] / r['limit']:.0%} of the "
          f"limit); lost {r['lost']}, duplicates {r['duplicates']} (in-flight bound 1); "
          f"{r['rejected_429']} calls refused with 429 and retried")
    if r["lost"] or r["duplicates"] > 1:
        sys.exit(1)


if __name__ == "__main__":
    main()
