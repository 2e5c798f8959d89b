"""Benchmark 1: update throughput of the full bot against a bare echo bot, on the same HTTP
emulator in the same run, with p50/p95 handler latency and the bot's resident memory.

Both bots are real subprocesses polling the emulator over HTTP. Simulated people act in a
closed loop (each waits for the answer to their previous action, like a person does):
cadres open the KPI report, pick a product and type a figure (a database write), open their
results and the help; evaluators open their approvals, a report, an entry and approve it
(a version-checked write). Telegram's own send limits are lifted for both bots (the
rate limiter only sleeps; here we measure the work) and so is the per-person flood control.

    .venv/bin/python bench/throughput.py --cadres 50000 --months 12        # full size
    .venv/bin/python bench/throughput.py --cadres 300 --months 1 --seconds 5 --users 10  # smoke
    .venv/bin/python bench/throughput.py ... --database-url postgresql+asyncpg://…/empty_db
    .venv/bin/python bench/throughput.py ... --floor   # + the echo bot with one read (and write)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "616161:BENCH-throughput-token-xyz"
BASE_ID = 1_000_000_000

ECHO_RUN = """
app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(os.environ["TELEGRAM_API_BASE_URL"])
       .base_file_url(os.environ["TELEGRAM_API_FILE_URL"]).build())
app.add_handler(MessageHandler(filters.ALL, echo))
app.add_handler(CallbackQueryHandler(echo))
app.run_polling()
"""

ECHO_BOT = """
import os
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

async def echo(update, context):
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("ok")
    else:
        await update.message.reply_text(update.message.text or "ok")

""" + ECHO_RUN

FULL_BOT = """
from bot.app import ALLOWED_UPDATES, build_application
from bot.config import load_settings
from bot.db import Database
from bot.logging_setup import setup_logging
from bot.migrate import upgrade

settings = load_settings()
setup_logging(settings.log_level, [settings.token])
upgrade(settings.database_url)
app = build_application(settings, Database(settings.database_url), rate_limiter=False)
app.run_polling(allowed_updates=ALLOWED_UPDATES)
"""

# The least any bot of this product does per update, to show where the ratio's ceiling lies
# (`--floor`): the echo bot plus one session that reads the person (the access check
# every update needs), and plus a write (a flow step stored, as every entry step is).
FLOOR_BOT = """
import os
from datetime import UTC, datetime
from sqlalchemy import select
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters
from bot.db import Database
from models import Cadre, FlowState

db = Database(os.environ["DATABASE_URL"])
WRITE = os.environ["BENCH_FLOOR"] == "write"

async def echo(update, context):
    chat = update.effective_chat.id
    async with db.session() as s:
        cadre = await s.scalar(select(Cadre).where(
            Cadre.telegram_user_id == update.effective_user.id))
        if WRITE:
            await s.merge(FlowState(chat_id=chat, flow="bench", step=str(update.update_id),
                                    data={}, updated_at=datetime.now(UTC)))
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(cadre.full_name)
    else:
        await update.message.reply_text(cadre.full_name)

""" + ECHO_RUN


async def prepare(url: str, cadres: int, months: int, people: int):
    """The synthetic province; `people` cadres and their evaluators linked to Telegram, the
    cadres' last generated month sent for approval. Returns (cadre chats, evaluator chats,
    now)."""
    from sqlalchemy import delete, func, select, update

    from bot.clock import Clock
    from bot.config import load_settings
    from bot.db import Database
    from bot.migrate import upgrade_engine
    from bot.services.demo_data import generate
    from models import Cadre, Entry, FlowState, Period

    db = Database(url)
    await upgrade_engine(db.engine)
    now = Clock().now()
    async with db.session() as s:
        if not await s.scalar(select(func.count()).select_from(Cadre)):
            await generate(s, cadres=cadres, months=months, seed=1, now=now)
        chosen = list(await s.scalars(select(Cadre).where(Cadre.evaluator_id.is_not(None))
                                      .order_by(Cadre.id).limit(people)))
        evaluator_ids = sorted({c.evaluator_id for c in chosen})
        ids = [c.id for c in chosen] + evaluator_ids
        # a flow left by an earlier run on this file (the floor bots write "bench" flows)
        await s.execute(delete(FlowState).where(FlowState.chat_id.in_([i + BASE_ID for i in ids])))
        await s.execute(update(Cadre).where(Cadre.id.in_(ids)).values(
            telegram_chat_id=Cadre.id + BASE_ID, telegram_user_id=Cadre.id + BASE_ID,
            linked_at=now))
        # the last generated month (before this one) goes to the evaluators' inboxes; this
        # month's entries are created as drafts when a cadre opens the report, for typing
        this_month = now.astimezone(load_settings().tz).date().replace(day=1)
        latest = await s.scalar(select(Period.id).join(Entry, Entry.period_id == Period.id)
                                .where(Period.starts_on < this_month)
                                .order_by(Period.starts_on.desc()).limit(1))
        if latest is not None:
            await s.execute(update(Entry).where(Entry.cadre_id.in_([c.id for c in chosen]),
                                                Entry.period_id == latest)
                            .values(status="submitted", submitted_at=now))
    await db.dispose()
    return [c.id + BASE_ID for c in chosen], [i + BASE_ID for i in evaluator_ids], now


def make_emulator():
    from bot.sandbox.emulator import Emulator

    class Watched(Emulator):
        """Wakes the simulated person when the bot writes to their chat."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.events: dict[int, asyncio.Event] = {}
            self.api_calls: Counter[str] = Counter()

        async def handle(self, method, params, uploads=None):
            self.api_calls[method] += 1
            result = await super().handle(method, params, uploads)
            chat = params.get("chat_id")
            if chat is not None and (event := self.events.get(int(chat))):
                event.set()
            return result

    return Watched(token=TOKEN, bot_username="bench_bot")


def _tap_prefix(user, *prefixes: str) -> bool:
    """Tap the first button of the last message whose data starts with one of `prefixes`."""
    for message in reversed(user.messages):
        if message.inline_buttons:
            for prefix in prefixes:
                for button in (b for row in message.inline_buttons for b in row):
                    if (button.callback_data or "").startswith(prefix) and (
                            prefix != "kp:" or button.text.startswith("✏️")):
                        user.tap_data(button.callback_data, message.message_id)
                        return True
            return False
    return False


CADRE_PHASE: dict[int, int] = {}  # chat → where the cadre is in the loop below


def cadre_script(user, step: int) -> str:
    """Report → (open the period that takes entries) → pick a product → type a figure →
    results → help → report …"""
    phase = CADRE_PHASE.get(user.user_id, 0)
    CADRE_PHASE[user.user_id] = (phase + 1) % 5
    if phase == 1:
        if _tap_prefix(user, "kp:"):
            return "kpi: pick a product"
        if _tap_prefix(user, "kp:o:"):  # a sent report is shown until its deadline
            CADRE_PHASE[user.user_id] = 1
            return "kpi: open the next period"
    if phase == 2:
        user.text(str(5 + step % 7))
        return "kpi: type a figure"
    if phase == 3:
        user.text("📊 Kết quả của tôi")
        return "results"
    if phase == 4:
        user.text("/trogiup")
        return "help"
    CADRE_PHASE[user.user_id] = 1
    user.text("📝 Báo cáo KPI")
    return "kpi: open the report"


def evaluator_script(user, step: int) -> str:
    kind = step % 4
    if kind == 1 and _tap_prefix(user, "rv:g:"):
        return "approvals: open a report"
    if kind == 2 and _tap_prefix(user, "rv:e:"):
        return "approvals: open an entry"
    if kind == 3 and _tap_prefix(user, "rv:ok:"):
        return "approvals: approve"
    user.text("✅ Phê duyệt")
    return "approvals: inbox"


def echo_script(user, step: int) -> str:
    user.text(f"xin chào {step}")
    return "echo"


async def drive(emulator, chats: list[tuple[int, object]], seconds: float) -> dict:
    """Closed-loop load; returns throughput and latency of update → first answer."""
    latencies: list[float] = []
    by_action: dict[str, list[float]] = {}
    stop_at = time.monotonic() + seconds

    async def person(chat: int, script) -> None:
        user = emulator.users[chat]
        event = emulator.events.setdefault(chat, asyncio.Event())
        step = 0
        while time.monotonic() < stop_at:
            event.clear()
            started = time.monotonic()
            action = script(user, step)
            try:
                await asyncio.wait_for(event.wait(), 30)
            except TimeoutError:
                pass  # counted as a 30 s latency
            latencies.append(time.monotonic() - started)
            by_action.setdefault(action, []).append(latencies[-1])
            step += 1

    started = time.monotonic()
    await asyncio.gather(*(person(chat, script) for chat, script in chats))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"updates": len(latencies), "rate": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "actions": {k: (len(v), statistics.median(v) * 1000) for k, v in by_action.items()}}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(args) -> dict:
    from bot.sandbox.server import EmulatorServer

    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    t = time.monotonic()
    cadre_chats, evaluator_chats, now = await prepare(url, args.cadres, args.months, args.users)
    prepared = time.monotonic() - t
    emulator = make_emulator()
    for chat in cadre_chats + evaluator_chats:
        emulator.user(chat, "Cán bộ")
    results: dict = {"prepare_s": prepared, "cadres": len(cadre_chats),
                     "evaluators": len(evaluator_chats)}
    async with EmulatorServer(emulator) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                   TELEGRAM_API_FILE_URL=server.base_file_url, DATABASE_URL=url,
                   CADREBOT_LOG_LEVEL="WARNING", CADREBOT_FLOOD_MAX_UPDATES="1000000")

        async def measure(code: str, people, **extra_env) -> tuple[dict, int]:
            proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                                    env=env | extra_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                probe = people[0][0]
                for _ in range(600):  # up when it answers
                    assert proc.poll() is None, "the bot did not start"
                    emulator.events.setdefault(probe, asyncio.Event()).clear()
                    emulator.users[probe].text("/trogiup")
                    try:
                        await asyncio.wait_for(emulator.events[probe].wait(), 1.0)
                        break
                    except TimeoutError:
                        continue
                await asyncio.sleep(2.0)
                idle = rss_mb(proc.pid)
                spy = None
                if args.profile and code is FULL_BOT:  # py-spy: where the bot's time goes
                    spy = subprocess.Popen(["py-spy", "record", "-p", str(proc.pid), "-f", "raw",
                                            "-o", args.profile, "-d", str(int(args.seconds))],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                cpu = cpu_seconds(proc.pid)
                emulator.api_calls.clear()
                stats = await drive(emulator, people, args.seconds)
                stats["calls"] = dict(emulator.api_calls)
                stats["cpu_ms"] = (cpu_seconds(proc.pid) - cpu) * 1000 / max(stats["updates"], 1)
                if spy is not None:
                    await asyncio.to_thread(spy.wait, 60)
                stats["rss_idle"], stats["rss_load"] = idle, rss_mb(proc.pid, "VmHWM")
                return stats, proc.pid
            finally:
                proc.terminate()  # the emulator must keep answering while the bot stops
                await asyncio.to_thread(proc.wait, 60)

        everyone = [(c, echo_script) for c in cadre_chats + evaluator_chats]
        results["echo"], _ = await measure(ECHO_BOT, everyone)
        mixed = [(c, cadre_script) for c in cadre_chats] + \
            [(c, evaluator_script) for c in evaluator_chats]
        results["full"], _ = await measure(FULL_BOT, mixed)
        if args.floor:
            for kind in ("read", "write"):
                results[f"floor_{kind}"], _ = await measure(FLOOR_BOT, everyone,
                                                            BENCH_FLOOR=kind)
    results["approvals"], results["typed"] = await written_counts(url, cadre_chats, now)
    return results


async def written_counts(url: str, cadre_chats: list[int], since) -> tuple[int, int]:
    """Entries the evaluators approved during the run (they were all `submitted`), and
    entries the cadres typed a figure into during the run."""
    from sqlalchemy import func, select

    from bot.db import Database
    from models import Entry

    db = Database(url)
    mine = Entry.cadre_id.in_([c - BASE_ID for c in cadre_chats])
    async with db.session() as s:
        approved = await s.scalar(select(func.count()).select_from(Entry).where(
            mine, Entry.status == "approved", Entry.decided_at >= since))
        typed = await s.scalar(select(func.count()).select_from(Entry).where(
            mine, Entry.status == "draft", Entry.quantity_done.is_not(None),
            Entry.updated_at > since))
    await db.dispose()
    return approved, typed


def main() -> None:
    import logging

    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--users", type=int, default=40, help="cadres acting (plus evaluators)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to fill (default: a new SQLite file)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure the echo bot plus one database read (and write)")
    parser.add_argument("--profile", default=None, help="write a py-spy profile of the full bot")
    args = parser.parse_args()
    r = asyncio.run(run(args))
    echo, full = r["echo"], r["full"]
    ratio = full["rate"] / echo["rate"] if echo["rate"] else 0.0
    print(f"province of {args.cadres} cadres ready in {r['prepare_s']:.0f} s; "
          f"{r['cadres']} cadres + {r['evaluators']} evaluators acting for {args.seconds:.0f} s")
    print(f"echo bot: {echo['rate']:.1f} updates/s, p50 {echo['p50']:.0f} ms, "
          f"p95 {echo['p95']:.0f} ms, {echo['cpu_ms']:.1f} ms CPU per update, "
          f"RSS {echo['rss_idle']:.0f} MB")
    print(f"full bot: {full['rate']:.1f} updates/s, p50 {full['p50']:.0f} ms, "
          f"p95 {full['p95']:.0f} ms, {full['cpu_ms']:.1f} ms CPU per update; RSS idle {full['rss_idle']:.0f} MB, "
          f"peak under load {full['rss_load']:.0f} MB; approvals {r['approvals']}, "
          f"entries typed {r['typed']}")
    for name, stats in (("echo", echo), ("full", full)):
        calls = ", ".join(f"{method} {count / max(stats['updates'], 1):.2f}"
                          for method, count in sorted(stats["calls"].items()))
        print(f"{name} bot's Bot API calls per update: {calls}")
    for action, (count, median) in sorted(full["actions"].items()):
        print(f"    {action}: {count} × , median {median:.0f} ms")
    for kind, what in (("read", "one read"), ("write", "one read and one write")):
        if (floor := r.get(f"floor_{kind}")) is not None:
            print(f"echo bot + {what} per update: {floor['rate']:.1f} updates/s "
                  f"({floor['rate'] / echo['rate']:.0%} of the echo bot), "
                  f"{floor['cpu_ms']:.1f} ms CPU per update")
    print(f"full / echo throughput: {ratio:.0%} (target ≥ 50%)")


if __name__ == "__main__":
    main()
