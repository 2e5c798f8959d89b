"""Benchmark 2: every supervisor digest plus the board digest of a province, computed and
rendered (text + chart), against one aggregate SQL scan of the period's entries; and the
"📥 Tải Excel" workbooks made on demand (a sample of supervisors', and the board's).

    .venv/bin/python bench/digests.py --cadres 50000 --months 12     # full size
    .venv/bin/python bench/digests.py --cadres 300 --months 1        # smoke size (tests)
    .venv/bin/python bench/digests.py --db /tmp/demo50k.db           # an existing demo database
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from contextlib import aclosing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TELEGRAM_RATE = 30  # messages per second Telegram allows a bot
EXCEL_SAMPLE = 200  # supervisors whose workbook is timed (the largest teams)


def _peak_rss_mb(process) -> float:
    """A live process's peak resident memory (its own, since it started: VmHWM)."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines()
                 if line.startswith("VmHWM:")), 0)


async def run(db_path: Path | None, cadres: int, months: int, workers: int,
              url: str | None = None) -> dict:
    from sqlalchemy import func, select

    from bot.clock import Clock
    from bot.db import Database
    from bot.jobs.digests import render_stream
    from bot.migrate import upgrade_engine
    from bot.policy import Policy
    from bot.services import digests
    from bot.services.demo_data import generate
    from handlers.screens.digest import excel_workbook, render_digest
    from models import Entry, Period

    if url is None:
        if db_path is None:
            db_path = Path(tempfile.mkdtemp()) / "bench.db"
        url = f"sqlite+aiosqlite:///{db_path}"
    db = Database(url)
    await upgrade_engine(db.engine)
    now = Clock().now()
    async with db.session() as s:
        if not await s.scalar(select(func.count()).select_from(Period)):
            await generate(s, cadres=cadres, months=months, seed=2, now=now)
    policy = Policy()
    async with db.session() as s:
        period = await s.scalar(select(Period).where(Period.kind == "month")
                                .order_by(Period.starts_on.desc()).limit(1))
        started = time.perf_counter()
        await s.execute(select(func.count(), func.sum(Entry.quantity_done))
                        .where(Entry.period_id == period.id))
        scan = time.perf_counter() - started

        started = time.perf_counter()
        everyone = await digests.all_supervisor_digests(s, period, policy)
        board = await digests.board_digest(s, period, policy, now.date())
        computed = time.perf_counter() - started
    # What the bot does on a digest morning (bot/jobs/digests.py send_scheduled), minus the
    # sending: every digest drawn (text + chart) by the worker processes, in order.
    items = [(cadre_id, period, digest, None) for cadre_id, digest in everyone.items()]
    items.append(("board", period, None, board))
    started = time.perf_counter()
    rendered_count = texts = charts = worker_rss = 0
    async with aclosing(render_stream(items, render_digest, workers)) as stream:
        async for _key, rendered in stream:
            rendered_count += 1
            texts += len(rendered)
            charts += sum(1 for _text, png, _name in rendered if png)
            if rendered_count % 256 == 0 or rendered_count == len(items):
                worker_rss = max([worker_rss, *map(_peak_rss_mb, multiprocessing.active_children())])
    rendered = time.perf_counter() - started
    assert rendered_count == len(items)
    # On demand: one supervisor's workbook (the largest teams first), and the board's.
    sample = sorted(everyone.values(), key=lambda d: len(d.lines), reverse=True)[:EXCEL_SAMPLE]
    started = time.perf_counter()
    for digest in sample:
        assert excel_workbook(digest, None)[:2] == b"PK"
    excel = (time.perf_counter() - started) / max(len(sample), 1)
    started = time.perf_counter()
    excel_board = len(excel_workbook(sample[0], board))
    excel_board_time = time.perf_counter() - started
    await db.dispose()
    total = computed + rendered
    messages = texts + charts  # a text for each part of a digest, and its chart
    return {"supervisors": len(everyone), "cadres": sum(len(d.lines) for d in everyone.values()),
            "scan": scan, "computed": computed, "rendered": rendered, "total": total,
            "send_time": messages / TELEGRAM_RATE, "excel": excel, "excel_sample": len(sample),
            "excel_board": excel_board_time, "excel_board_kb": excel_board / 1024,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "workers": workers,
            "worker_rss": worker_rss}


def main() -> None:
    from bot.jobs.digests import RENDER_WORKERS

    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--database-url", default=None,
                        help="e.g. postgresql+asyncpg://…/db (filled when empty) instead of --db")
    parser.add_argument("--workers", type=int, default=RENDER_WORKERS,
                        help="processes drawing the charts (the bot's own setting by default)")
    args = parser.parse_args()
    r = asyncio.run(run(args.db, args.cadres, args.months, args.workers, args.database_url))
    print(f"digests: {r['supervisors']} supervisors ({r['cadres']} cadres) + board: computed "
          f"{r['computed']:.1f} s, rendered (text + chart, {r['workers']} processes) "
          f"{r['rendered']:.1f} s, total "
          f"{r['total']:.1f} s = {r['send_time'] / r['total']:.1f}× faster than Telegram can "
          f"send them ({r['send_time']:.0f} s at {TELEGRAM_RATE}/s); one aggregate scan of the "
          f"period's entries {r['scan'] * 1000:.0f} ms; on demand: a supervisor's Excel "
          f"{r['excel'] * 1000:.0f} ms (mean of the {r['excel_sample']} largest teams), the "
          f"board's {r['excel_board'] * 1000:.0f} ms ({r['excel_board_kb']:.0f} KB); "
          f"peak RSS {r['rss']:.0f} MB (a drawing worker: {r['worker_rss']:.0f} MB)")


if __name__ == "__main__":
    main()
