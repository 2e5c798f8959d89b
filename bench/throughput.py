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
    .venv/bin/python bench/throughput.py ... --floor --floor-plumbed
        # + that floor with the full bot's HTTP client and polling: the work per update alone
    BENCH_SQL=/tmp/sql.jsonl .venv/bin/python bench/throughput.py ... --single
        # + every statement of the single-person run with its wall time, one JSON line each
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
builder = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_API_BASE_URL"])
           .base_file_url(os.environ["TELEGRAM_API_FILE_URL"]))
if os.environ.get("BENCH_PLUMBED"):  # the full bot's Telegram plumbing: its HTTP client
    # (bot/telegram_request.py) and its polling in batches (bot/polling.py)
    from bot.polling import PacedUpdatesRequest, UpdateQueue
    from bot.telegram_request import CONNECTION_POOL_SIZE, AiohttpRequest
    queue = UpdateQueue()
    builder = (builder.request(AiohttpRequest(CONNECTION_POOL_SIZE)).update_queue(queue)
               .get_updates_request(PacedUpdatesRequest(queue)))
app = builder.build()
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
import os
from bot.app import ALLOWED_UPDATES, build_application
from bot.config import load_settings
from bot.db import Database
from bot.logging_setup import setup_logging
from bot.migrate import upgrade

settings = load_settings()
setup_logging(settings.log_level, [settings.token])
upgrade(settings.database_url)
db = Database(settings.database_url)
app = build_application(settings, db, rate_limiter=False)
if os.environ.get("BENCH_STATS"):
    measure_updates(app, db, os.environ["BENCH_STATS"])
app.run_polling(allowed_updates=ALLOWED_UPDATES)
"""

# With BENCH_STATS set, the full bot writes one line per update: its id, the SQL statements
# and transactions it ran, its CPU time and wall time. Exact when updates run one at a time
# (the single-person run below; SQLite's default of one update at a time).
MEASURE_UPDATES = """
import json
import os
import time

from sqlalchemy import event


def measure_updates(app, db, path):
    counts = {"statements": 0, "transactions": 0}

    def statement(*_args):
        counts["statements"] += 1

    def begin(*_args):
        counts["transactions"] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    event.listen(db.engine.sync_engine, "begin", begin)
    if os.environ.get("BENCH_SQL"):  # each statement's wall time, to find the slow ones
        sql_out = open(os.environ["BENCH_SQL"], "a", encoding="utf-8")
        started = {}

        def before(conn, cursor, text, *_args):
            started[id(conn)] = time.perf_counter()

        def after(conn, cursor, text, *_args):
            took = (time.perf_counter() - started.pop(id(conn), time.perf_counter())) * 1000
            sql_out.write(json.dumps({"ms": took, "sql": " ".join(text.split())[:300]}) + "\\n")

        event.listen(db.engine.sync_engine, "before_cursor_execute", before)
        event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    out = open(path, "a", encoding="utf-8")
    handle = app.process_update

    async def measured(update):
        counts["statements"] = counts["transactions"] = 0
        if os.environ.get("BENCH_SQL"):
            sql_out.write(json.dumps({"update_id": getattr(update, "update_id", None)}) + "\\n")
        cpu, wall = time.process_time(), time.perf_counter()
        await handle(update)
        out.write(json.dumps({"update_id": getattr(update, "update_id", None),
                              "cpu_ms": (time.process_time() - cpu) * 1000,
                              "wall_ms": (time.perf_counter() - wall) * 1000,
                              **counts}) + "\\n")
        out.flush()

    app.process_update = measured
"""

FULL_BOT = MEASURE_UPDATES + FULL_BOT

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
            self.last_update_id = 0

        def push_update(self, body: dict) -> dict:
            update = super().push_update(body)
            self.last_update_id = update["update_id"]
            return update

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
    kinds: dict[int, str] = {}  # update_id → the kind of action it was
    stop_at = time.monotonic() + seconds

    async def person(chat: int, script) -> None:
        user = emulator.users[chat]
        event = emulator.events.setdefault(chat, asyncio.Event())
        step = 0
        while time.monotonic() < stop_at:
            event.clear()
            started = time.monotonic()
            action = script(user, step)
            kinds[emulator.last_update_id] = action
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
            "actions": {k: (len(v), statistics.median(v) * 1000) for k, v in by_action.items()},
            "latency_by_action": {k: sorted(v) for k, v in by_action.items()}, "kinds": kinds}


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

        async def measure(code: str, people, one_at_a_time: bool = False,
                          **extra_env) -> tuple[dict, int]:
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
                if one_at_a_time:  # each person alone on the bot, one after the other
                    parts = [await drive(emulator, [person], args.seconds / len(people))
                             for person in people]
                    stats = merge_runs(parts)
                else:
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
        if args.single:
            stats_file = folder / "updates.jsonl"
            single, _ = await measure(FULL_BOT, [(cadre_chats[0], cadre_script),
                                                 (evaluator_chats[0], evaluator_script)],
                                      one_at_a_time=True, BENCH_STATS=str(stats_file))
            results["single"] = per_kind(single, stats_file)
        if args.floor:
            for kind in ("read", "write"):
                results[f"floor_{kind}"], _ = await measure(FLOOR_BOT, everyone,
                                                            BENCH_FLOOR=kind)
        if args.floor_plumbed:
            results["floor_plumbed"], _ = await measure(FLOOR_BOT, everyone, BENCH_FLOOR="write",
                                                        BENCH_PLUMBED="1")
    results["approvals"], results["typed"] = await written_counts(url, cadre_chats, now)
    return results


def merge_runs(parts: list[dict]) -> dict:
    latency = {}
    for part in parts:
        for action, values in part["latency_by_action"].items():
            latency.setdefault(action, []).extend(values)
    kinds = {k: v for part in parts for k, v in part["kinds"].items()}
    updates = sum(part["updates"] for part in parts)
    return {"updates": updates, "rate": sum(p["rate"] for p in parts) / len(parts),
            "latency_by_action": latency, "kinds": kinds,
            "p50": statistics.median(sorted(x for v in latency.values() for x in v)) * 1000,
            "p95": 0.0, "actions": {}}


def per_kind(run: dict, stats_file: Path) -> dict:
    """For each kind of tap: how many, p50/p95 latency (update sent → first answer, ms), CPU
    ms per update, SQL statements and transactions per update (mean and most)."""
    import json

    lines = [json.loads(line) for line in stats_file.read_text().splitlines() if line]
    by_update = {line["update_id"]: line for line in lines}
    table = {}
    for kind, latencies in run["latency_by_action"].items():
        ids = [u for u, k in run["kinds"].items() if k == kind and u in by_update]
        measured = [by_update[u] for u in ids]
        if not measured:
            continue
        values = sorted(latencies)
        table[kind] = {
            "count": len(values),
            "p50": statistics.median(values) * 1000,
            "p95": values[max(int(len(values) * 0.95) - 1, 0)] * 1000,
            "cpu_ms": statistics.mean(m["cpu_ms"] for m in measured),
            "statements": statistics.mean(m["statements"] for m in measured),
            # the bound is checked on the median: a scheduler tick of the same process (a
            # reminder pass, the outbox) now and then runs during an update and is counted
            "statements_median": statistics.median(m["statements"] for m in measured),
            "statements_max": max(m["statements"] for m in measured),
            "transactions": statistics.mean(m["transactions"] for m in measured),
            "transactions_max": max(m["transactions"] for m in measured),
        }
    return table


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
    parser.add_argument("--floor-plumbed", action="store_true",
                        help="also the floor bot (one read and one write) with the full bot's "
                             "Telegram plumbing (its HTTP client, polling in batches): what is "
                             "left of the ratio is the work per update")
    parser.add_argument("--profile", default=None, help="write a py-spy profile of the full bot")
    parser.add_argument("--single", action="store_true",
                        help="also one person at a time on an unloaded bot: latency, CPU, SQL "
                             "statements and transactions per kind of tap")
    parser.add_argument("--check-bounds", default=None, metavar="JSON",
                        help="with --single: fail when a kind of tap runs more SQL statements "
                             "per update (median) than the bound recorded in this file")
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
    floor = r.get("floor_write")
    if floor is not None and floor["rate"]:
        print(f"full / floor (one read and one write) throughput: "
              f"{full['rate'] / floor['rate']:.0%} (target ≥ 75%)")
    if (plumbed := r.get("floor_plumbed")) is not None and plumbed["rate"]:
        print(f"echo bot + one read and one write per update, with the full bot's HTTP client "
              f"and polling: {plumbed['rate']:.1f} updates/s, {plumbed['cpu_ms']:.1f} ms CPU "
              f"per update; full / this floor: {full['rate'] / plumbed['rate']:.0%}")
    print(f"full / echo throughput: {ratio:.0%}")
    if "single" in r:
        print("one person at a time, unloaded bot — per kind of tap: count, latency p50 / p95, "
              "CPU per update, SQL statements (median / most), transactions (mean / most)")
        for kind, row in sorted(r["single"].items()):
            print(f"    {kind}: {row['count']} ×, {row['p50']:.0f} / {row['p95']:.0f} ms, "
                  f"{row['cpu_ms']:.1f} ms CPU, {row['statements_median']:g} / "
                  f"{row['statements_max']} statements, {row['transactions']:.1f} / "
                  f"{row['transactions_max']} transactions")
        if args.check_bounds:
            import json

            bounds = json.loads(Path(args.check_bounds).read_text())
            over = [f"{kind}: {row['statements_median']:g} statements > bound {bounds[kind]}"
                    for kind, row in sorted(r["single"].items())
                    if kind in bounds and row["statements_median"] > bounds[kind]]
            missing = sorted(set(r["single"]) - set(bounds))
            if over or missing:
                print("SQL statements per update past the recorded bound: "
                      + "; ".join(over + [f"{kind}: no bound recorded" for kind in missing]))
                sys.exit(1)
            print("SQL statements per update within the recorded bounds")


if __name__ == "__main__":
    main()
