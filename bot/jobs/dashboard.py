"""Keeps the board's dashboard views of the period under review computed ahead (issue #25):
whenever its stored views are missing or older than half of CADREBOT_WEBAPP_CACHE_SECONDS,
the scheduler's leader (a duty of bot/jobs/leadership.py) starts one refresh in a worker
process — seconds of CPU at province scale, while the bot's own process keeps answering —
so a board member opening the dashboard reads a stored view instead of waiting for it.

The refresh itself (compute, render, store) is handed over by the composition root
(bot/app.py: handlers/webapp_views.py's `refresh_process`, a module-level function the worker
process imports)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from telegram.ext import Application

from bot.config import Settings
from bot.services import dashboard, dashboard_views

log = logging.getLogger(__name__)

# settings, today, now[, period id, what] -> None; run in a spawned process
Refresh = Callable[[Settings, date, datetime], None]
POLL_SECONDS = 0.5
TASK = "dashboard_refresh"
ENDED = "dashboard_refresh_ended"  # when the last refresh ended (monotonic)
RECOMPUTE = "dashboard_recompute"  # (period id, what) -> the task recomputing it


async def due(app: Application, today: date, now: datetime) -> bool:
    """The stored views of the period under review are missing, or older than half of the
    time they may be served (so the next refresh lands before they go stale)."""
    services = app.bot_data["services"]
    async with services.db.session() as session:
        period = await dashboard.period_of(session, None, today, services.calendar,
                                           services.policy)
        at = await dashboard_views.refreshed_at(session, period.id)
    if at is None:
        return True
    if dashboard_views.is_final(period, at):
        return False
    return now - at >= timedelta(seconds=services.settings.webapp_cache_seconds / 2)


async def run_in_worker(refresh: Refresh, settings: Settings, today: date, now: datetime,
                        *args) -> int | None:
    """One refresh in a spawned process; its exit code (cancelled: the process is ended)."""
    process = multiprocessing.get_context("spawn").Process(
        target=refresh, args=(settings, today, now, *args), name="dashboard-refresh",
        daemon=True)
    started = time.monotonic()
    process.start()
    try:
        while process.is_alive():
            await asyncio.sleep(POLL_SECONDS)
    except asyncio.CancelledError:
        process.terminate()
        raise
    process.join()
    if process.exitcode:
        log.warning("dashboard refresh ended with exit code %s", process.exitcode)
    else:
        log.info("dashboard views refreshed in %.0f s", time.monotonic() - started)
    return process.exitcode


def duty(refresh: Refresh) -> Callable[[Application, str], Awaitable[None]]:
    """The leader's duty: start a refresh when one is due and none is running."""

    async def start_refresh(app: Application, _holder: str) -> None:
        services = app.bot_data["services"]
        settings = services.settings
        if not settings.webapp_url or settings.webapp_cache_seconds <= 0:
            return
        running = app.bot_data.get(TASK)
        if running is not None and not running.done():
            return
        if running is not None and not running.cancelled() and running.result() \
                and time.monotonic() - app.bot_data[ENDED] < settings.webapp_cache_seconds / 2:
            return  # the last one failed (logged): not a new process every heartbeat
        now = services.clock.now()
        today = now.astimezone(settings.tz).date()
        if await due(app, today, now):
            app.bot_data[TASK] = task = asyncio.create_task(
                run_in_worker(refresh, settings, today, now), name=TASK)
            task.add_done_callback(lambda _task: app.bot_data.__setitem__(ENDED,
                                                                          time.monotonic()))

    return start_refresh


def recompute_soon(app: Application, refresh: Refresh, settings: Settings, today: date,
                   now: datetime, period_id: int, what: str) -> None:
    """Recompute one period's views (`what`: "overview" or "units") in a worker process,
    unless this process is already at it: a stale view was just served."""
    tasks = app.bot_data.setdefault(RECOMPUTE, {})
    running = tasks.get((period_id, what))
    if running is None or running.done():
        tasks[(period_id, what)] = asyncio.create_task(
            run_in_worker(refresh, settings, today, now, period_id, what), name=RECOMPUTE)


async def stop(app: Application) -> None:
    """At shutdown: end the refreshes under way (the next leader, the next request starts
    them again)."""
    tasks = [app.bot_data.pop(TASK, None), *app.bot_data.pop(RECOMPUTE, {}).values()]
    for task in tasks:
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
