"""Benchmark 5: the dashboard's (Telegram Mini App) data at province scale, server time: the
board's overview (the period under review and its year) and one level of the drill-down by
unit (the province's top level, and a typical unit below it), with the text digest's board
overview next to it (the same BoardDigest) — each the service call and its JSON, as the API
answers it, best and median of a few runs.

    .venv/bin/python bench/dashboard.py --db /tmp/demo50k.db       # an existing demo database
    .venv/bin/python bench/dashboard.py --cadres 300 --months 2    # a fresh small province
    .venv/bin/python bench/dashboard.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_p50k

Targets (issue #25): overview ≤ 300 ms, a drill-down page ≤ 150 ms at 50,000 cadres.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def _timed(db, work, runs: int) -> tuple[float, float, int]:
    """(best, median) milliseconds of `work(session)` in its own transaction, and the size of
    its JSON."""
    times, size = [], 0
    for _ in range(runs):
        async with db.session() as session:
            started = time.perf_counter()
            body = await work(session)
            size = len(json.dumps(body, ensure_ascii=False))
            times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), size


async def run(url: str, cadres: int, months: int, runs: int) -> list[tuple]:
    from sqlalchemy import func, select

    from bot.clock import Clock
    from bot.db import Database
    from bot.migrate import upgrade_engine
    from bot.policy import Policy
    from bot.services import dashboard, digests
    from bot.services.calendar import WorkCalendar
    from bot.services.demo_data import generate
    from bot.services.identity import Actor
    from handlers.screens import webapp as screens
    from models import Cadre, OrgUnit, Period
    from models.enums import Role

    db = Database(url)
    await upgrade_engine(db.engine)
    now = Clock().now()
    async with db.session() as s:
        if not await s.scalar(select(func.count()).select_from(Period)):
            await generate(s, cadres=cadres, months=months, seed=2, now=now)
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)
    async with db.session() as s:
        period = await s.scalar(select(Period).where(Period.kind == "month")
                                .order_by(Period.starts_on.desc()).limit(1))
        today = period.ends_on + timedelta(days=1)  # the period just ended is under review
        people = await s.scalar(select(func.count()).select_from(Cadre))
        units = await s.scalar(select(func.count()).select_from(OrgUnit))
        # a typical unit below the top: the one with the most sub-units
        parent = (await s.execute(select(OrgUnit.parent_id, func.count()).where(
            OrgUnit.parent_id.is_not(None)).group_by(OrgUnit.parent_id)
            .order_by(func.count().desc()).limit(1))).first()[0]
    board = Actor(0, "BENCH", "bench", None, frozenset({Role.CADRE, Role.BOARD}))
    bands = policy.scoring.bands

    async def overview(s):
        found = await dashboard.overview(s, board, period.id, today, calendar, policy)
        return screens.overview_json(found, bands)

    async def text_digest(s):
        found = await digests.board_digest(s, period, policy, today)
        return {"cadres": found.cadres, "submitted": found.submitted}

    async def top_level(s):
        return screens.unit_json(await dashboard.unit_drill(s, board, period.id, None, today,
                                                            calendar, policy), bands)

    async def one_unit(s):
        return screens.unit_json(await dashboard.unit_drill(s, board, period.id, parent, today,
                                                            calendar, policy), bands)

    rows = [("the text digest's board overview (digests.board_digest)", *await _timed(
        db, text_digest, runs))]
    rows += await _over_http(db, today)
    rows.append(("dashboard overview (period + year, JSON)", *await _timed(db, overview, runs)))
    rows.append(("drill-down: the province's top level", *await _timed(db, top_level, runs)))
    rows.append(("drill-down: the unit with most sub-units", *await _timed(db, one_unit, runs)))
    await db.dispose()
    print(f"{people:,} cadres, {units:,} units, period {period.year}-{period.number:02d}, "
          f"{db.engine.dialect.name}")
    print("| what | best | median | JSON |\n|---|---|---|---|")
    for name, best, median, size in rows:
        print(f"| {name} | {best:,.0f} ms | {median:,.0f} ms | {size / 1024:,.0f} KB |")
    return rows


BENCH_USER = 990_000_001  # the Telegram account of the board member the HTTP rows sign in as


async def _over_http(db, today) -> list[tuple]:
    """The API as a phone calls it (tornado, initData checked, the service, the JSON): a
    first board member (nothing cached) and a second one within CADREBOT_WEBAPP_CACHE_SECONDS
    (the shared answer)."""
    from datetime import UTC, datetime
    from datetime import time as day_time
    from types import SimpleNamespace

    import httpx
    from sqlalchemy import select
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port
    from tornado.web import Application as WebApplication

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.context import AppServices
    from bot.services.webapp_auth import sign
    from handlers import webapp
    from models import Cadre, RoleGrant
    from models.enums import Role

    token = "123456789:BENCH-dashboard-token"
    clock = FrozenClock(datetime.combine(today, day_time(3), tzinfo=UTC))
    async with db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.telegram_user_id == BENCH_USER))
        if board is None:
            board = await s.scalar(select(Cadre).where(Cadre.telegram_user_id.is_(None))
                                   .order_by(Cadre.id).limit(1))
            board.telegram_user_id = board.telegram_chat_id = BENCH_USER
            if not await s.scalar(select(RoleGrant.id).where(
                    RoleGrant.cadre_id == board.id, RoleGrant.role == Role.BOARD.value)):
                s.add(RoleGrant(cadre_id=board.id, role=Role.BOARD.value,
                                granted_at=clock.now(), granted_by="bench"))
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=token, DATABASE_URL=str(db.engine.url))
    app = SimpleNamespace(bot_data={"services": AppServices.create(settings, db, clock)},
                          bot=SimpleNamespace(username="bench_bot"))
    sock, port = bind_unused_port()
    server = HTTPServer(WebApplication(webapp.routes(app, "https://x.example/app/")))
    server.add_sockets([sock])
    headers = {"X-Telegram-Init-Data": sign({"id": BENCH_USER, "first_name": "B"}, token,
                                             int(clock.now().timestamp()))}
    rows = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/app/api/",
                                 headers=headers, timeout=600) as client:
        for name, path in (("GET api/overview", "overview"), ("GET api/unit (top level)", "unit")):
            times = []
            for _attempt in range(2):
                started = time.perf_counter()
                response = await client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            rows.append((f"{name}: first board member", times[0], times[0],
                         len(response.content)))
            rows.append((f"{name}: the next, shared ({settings.webapp_cache_seconds} s)",
                         times[1], times[1], len(response.content)))
    server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an SQLite demo database (made when empty)")
    parser.add_argument("--url", help="a database URL instead of --db")
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{args.db or Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(run(url, args.cadres, args.months, args.runs))


if __name__ == "__main__":
    main()
