"""The board's dashboard views as the page receives them, computed and kept (bot/services/
dashboard_views.py): the province overview of a period (each target with its trend over the
year, from the overviews kept for the earlier periods) and every level of its drill-down.
Run by a request that finds nothing fresh (handlers/webapp.py), and by the refresh job in a
worker process (bot/jobs/dashboard.py, handed `refresh_process` by bot/app.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime

from bot.config import Settings
from bot.services import dashboard, dashboard_views
from handlers.screens import webapp as screens

log = logging.getLogger(__name__)


async def overview_body(session, period, today, services) -> dict:
    """The province overview of `period` as the page receives it, each target with its trend
    over the year from the overviews kept for the earlier periods."""
    found = await dashboard.overview(session, dashboard.REFRESH_ACTOR, period.id, today,
                                     services.calendar, services.policy)
    body = screens.overview_json(found, services.policy.scoring.bands)
    year = [point.period for point in found.year]
    kept = await dashboard_views.overviews(session, [p.id for p in year if p.id != period.id])
    return screens.with_target_trends(
        body, year, {pid: screens.indicator_values(stored.json()) for pid, stored in kept.items()})


async def store_period(services, period_id: int, today: date, now: datetime, *,
                       overview: bool = True, levels: bool = True) -> int:
    """Compute and keep a period's board views: its overview and/or every level of its
    drill-down (from one load of the period's facts). Reads first, then writes in one short
    transaction. The number of views stored."""
    bands = services.policy.scoring.bands
    as_of = screens.as_of_json(now, services.settings.tz)
    views: dict[str, bytes] = {}
    async with services.db.session() as session:
        period = await dashboard.period_of(session, period_id, today, services.calendar,
                                           services.policy)
        if overview:
            views[dashboard_views.OVERVIEW] = dashboard_views.pack(
                {**await overview_body(session, period, today, services), **as_of})
        if levels:
            for unit_id, level in (await dashboard.unit_drills(
                    session, dashboard.REFRESH_ACTOR, period, today, services.calendar)).items():
                views[dashboard_views.unit_view(unit_id)] = dashboard_views.pack(
                    {**screens.unit_json(level, bands), **as_of})
    async with services.db.session() as session:
        await dashboard_views.store(session, period_id, views, now,
                                    replace_all=overview and levels)
    return len(views)


async def refresh(services, today: date, now: datetime) -> int:
    """The refresh job's work: every view of the period under review, and the overview of
    each earlier period of the year that has none yet (the targets' trend is drawn from
    them). The number of views stored."""
    async with services.db.session() as session:
        period = await dashboard.period_of(session, None, today, services.calendar,
                                           services.policy)
        earlier = [p.id for p in await dashboard.periods_of_year(session, period, today)
                   if p.id != period.id]
        kept = await dashboard_views.overviews(session, earlier)
    stored = 0
    for missing in [pid for pid in earlier if pid not in kept]:  # oldest first: each feeds
        stored += await store_period(services, missing, today, now, levels=False)  # the next
    return stored + await store_period(services, period.id, today, now)


def refresh_process(settings: Settings, today: date, now: datetime, period_id: int | None = None,
                    what: str = "all") -> None:
    """In a worker process (bot/jobs/dashboard.py spawns it), with its own engine: `refresh`,
    or one period's views (`what`: "overview", "units" or "all"). A failure is logged (the
    token redacted, as in the bot's own log) and ends it with exit code 1, which the bot logs
    too."""
    from bot.clock import FrozenClock
    from bot.context import AppServices
    from bot.db import Database
    from bot.logging_setup import setup_logging

    setup_logging(settings.log_level, secrets=[settings.token or ""])

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            services = AppServices.create(settings, db, FrozenClock(now))
            if period_id is None:
                await refresh(services, today, now)
            else:
                await store_period(services, period_id, today, now, overview=what != "units",
                                   levels=what != "overview")
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except Exception:  # noqa: BLE001 - one line in the log, the next refresh tries again
        log.exception("dashboard refresh failed")
        raise SystemExit(1) from None
