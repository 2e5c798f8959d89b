"""Benchmark 5: the dashboard's (Telegram Mini App) data at province scale, server time, and
the page's first render in a phone-sized headless browser.

The board's views (the province overview of a period, each level of its drill-down by unit)
are the same for every board member: the bot computes them ahead, in a worker process, and
keeps them in the database (bot/services/dashboard_views.py, bot/jobs/dashboard.py); a phone
asking for one reads it as stored. Measured here, on an existing demo database:

- cold: a view nobody computed yet, as the first request computes it (and the text digest's
  own board overview, the same BoardDigest, for comparison);
- the refresh: everything the worker computes for the period under review;
- served: the API as a phone calls it (initData checked, the stored view read and sent);
- the page's first render in headless Chromium at 390×844, from a new browser context to the
  overview's figures on screen, and to the drill-down's top level.

    .venv/bin/python bench/dashboard.py --db /tmp/demo50k.db       # an existing demo database
    .venv/bin/python bench/dashboard.py --cadres 300 --months 2    # a fresh small province
    .venv/bin/python bench/dashboard.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_p50k

Targets (issue #25): overview ≤ 300 ms, a drill-down page ≤ 150 ms at 50,000 cadres, the
first render ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def _timed(work, runs: int) -> tuple[float, float, int]:
    """(best, median) milliseconds of `await work()` over `runs` runs, and its size."""
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = await work()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), size


BENCH_USER = 990_000_001  # the Telegram account of the board member the HTTP rows sign in as
TOKEN = "123456789:BENCH-dashboard-token"


async def run(url: str, cadres: int, months: int, runs: int, browser: bool) -> list[tuple]:
    from datetime import UTC, datetime
    from datetime import time as day_time
    from types import SimpleNamespace

    import httpx
    from sqlalchemy import delete, func, select
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port
    from tornado.web import Application as WebApplication

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.context import AppServices
    from bot.db import Database
    from bot.migrate import upgrade_engine
    from bot.services import digests
    from bot.services.demo_data import generate
    from bot.services.webapp_auth import sign
    from handlers import webapp, webapp_views
    from models import Cadre, DashboardView, OrgUnit, Period, RoleGrant
    from models.enums import Role

    db = Database(url)
    await upgrade_engine(db.engine)
    async with db.session() as s:
        if not await s.scalar(select(func.count()).select_from(Period)):
            from bot.clock import Clock

            await generate(s, cadres=cadres, months=months, seed=2, now=Clock().now())
    async with db.session() as s:
        period = await s.scalar(select(Period).where(Period.kind == "month")
                                .order_by(Period.starts_on.desc()).limit(1))
        today = period.ends_on + timedelta(days=1)  # the period just ended is under review
        people = await s.scalar(select(func.count()).select_from(Cadre))
        units = await s.scalar(select(func.count()).select_from(OrgUnit))
        # a typical unit below the top: the one with the most sub-units; and a leaf
        roots = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
        parent = (await s.execute(select(OrgUnit.parent_id, func.count()).where(
            OrgUnit.parent_id.is_not(None), OrgUnit.parent_id.not_in(roots))
            .group_by(OrgUnit.parent_id).order_by(func.count().desc()).limit(1))).first()[0]
        leaf = await s.scalar(select(Cadre.unit_id).where(Cadre.unit_id.is_not(None))
                              .group_by(Cadre.unit_id).order_by(func.count().desc()).limit(1))
        clock = FrozenClock(datetime.combine(today, day_time(3), tzinfo=UTC))
        board = await s.scalar(select(Cadre).where(Cadre.telegram_user_id == BENCH_USER))
        if board is None:
            board = await s.scalar(select(Cadre).where(Cadre.telegram_user_id.is_(None))
                                   .order_by(Cadre.id).limit(1))
            board.telegram_user_id = board.telegram_chat_id = BENCH_USER
            if not await s.scalar(select(RoleGrant.id).where(
                    RoleGrant.cadre_id == board.id, RoleGrant.role == Role.BOARD.value)):
                s.add(RoleGrant(cadre_id=board.id, role=Role.BOARD.value,
                                granted_at=clock.now(), granted_by="bench"))
        await s.execute(delete(DashboardView))  # nothing computed ahead yet
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=url)
    services = AppServices.create(settings, db, clock)
    app = SimpleNamespace(bot_data={"services": services},
                          bot=SimpleNamespace(username="bench_bot"))
    sock, port = bind_unused_port()
    server = HTTPServer(WebApplication(webapp.routes(app, "https://x.example/app/")))
    server.add_sockets([sock])
    site = f"http://127.0.0.1:{port}/app/"
    init_data = sign({"id": BENCH_USER, "first_name": "B"}, TOKEN, int(clock.now().timestamp()))
    client = httpx.AsyncClient(base_url=f"{site}api/", timeout=600,
                               headers={"X-Telegram-Init-Data": init_data})

    def get(path: str, **params):
        async def call() -> int:
            response = await client.get(path, params=params)
            assert response.status_code == 200, response.text
            return len(response.content)
        return call

    async def text_digest() -> int:
        async with db.session() as s:
            await digests.board_digest(s, period, services.policy, today)
        return 0

    stored: list[int] = []

    async def refresh() -> int:
        stored.append(await webapp_views.refresh(services, today, clock.now()))
        async with db.session() as s:
            return await s.scalar(select(func.sum(func.length(DashboardView.body))))

    rows = [("cold: the text digest's board overview (digests.board_digest)",
             *await _timed(text_digest, 1)),
            ("cold: GET api/overview, nothing computed yet", *await _timed(get("overview"), 1)),
            ("cold: GET api/unit (top level), nothing computed yet",
             *await _timed(get("unit"), 1))]
    async with db.session() as s:
        await s.execute(delete(DashboardView))
    rows.append(("the first refresh (+ the overview of each earlier period of the year; in "
                 "the bot: a worker process); size: the views kept, gzip",
                 *await _timed(refresh, 1)))
    rows.append(("the next refresh (the period under review: overview + every level)",
                 *await _timed(refresh, 1)))
    for name, call in (("GET api/overview", get("overview")),
                       ("GET api/unit (top level)", get("unit")),
                       ("GET api/unit (the unit with most sub-units)", get("unit", unit=parent)),
                       ("GET api/unit (the unit with most people)", get("unit", unit=leaf))):
        rows.append((f"served: {name}", *await _timed(call, runs)))
    if browser:
        rows += await _first_render(site, init_data)
    await client.aclose()
    server.stop()
    await db.dispose()
    print(f"{people:,} cadres, {units:,} units, period {period.year}-{period.number:02d}, "
          f"{db.engine.dialect.name}; the refresh kept {stored[0]:,} views")
    print("| what | best | median | JSON |\n|---|---|---|---|")
    for name, best, median, size in rows:
        shown = f"{size / 1024:,.0f} KB" if size else "—"
        print(f"| {name} | {best:,.0f} ms | {median:,.0f} ms | {shown} |")
    return rows


async def _first_render(site: str, init_data: str) -> list[tuple]:
    """The page as Telegram opens it on a phone (390×844, initData in the fragment), from a
    new browser context: to the overview's figures, and to the drill-down's first rows."""
    import shutil
    from urllib.parse import quote

    try:
        from playwright.async_api import async_playwright
    except ImportError:
        print("first render: not measured (pip install playwright)")
        return []
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    fragment = f"tgWebAppData={quote(init_data)}&tgWebAppVersion=7.10&tgWebAppPlatform=android"
    overview, units = [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium,
                                                   args=["--no-sandbox"])
        for _ in range(3):
            context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                locale="vi-VN")
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(f"{site}#{fragment}")
            await page.locator("#figures").wait_for()
            overview.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await page.locator("#tabs button").nth(1).click()
            await page.locator("#units tbody tr").first.wait_for()
            units.append((time.perf_counter() - started) * 1000)
            await context.close()
        await browser.close()
    return [("browser: first render, new context → the overview's figures",
             min(overview), statistics.median(overview), 0),
            ("browser: tap Đơn vị → the drill-down's top level on screen",
             min(units), statistics.median(units), 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an SQLite demo database (made when empty)")
    parser.add_argument("--url", help="a database URL instead of --db")
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20, help="runs of each served view")
    parser.add_argument("--no-browser", action="store_true", help="skip the first render")
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{args.db or Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(run(url, args.cadres, args.months, args.runs, not args.no_browser))


if __name__ == "__main__":
    main()
