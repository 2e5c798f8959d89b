"""Exactly one process runs the scheduler ticks: a lease row renewed by its holder; when
the holder dies the lease expires and another process takes it over within a minute."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from telegram.ext import Application, ContextTypes

from bot.db import Database, insert_if_absent
from bot.db_health import is_outage
from models import SchedulerLease

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
# A dead holder's lease lapses after CADREBOT_SCHEDULER_LEASE_SECONDS (40) and the others try
# every third of that: take-over in under a minute.


async def acquire(db: Database, holder: str, now: datetime, seconds: int,
                  name: str = LEASE_NAME) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + seconds."""
    expires = now + timedelta(seconds=seconds)
    async with db.session() as session:
        result = await session.execute(
            update(SchedulerLease).where(
                SchedulerLease.name == name,
                or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires))
        if result.rowcount:
            return True
        return await insert_if_absent(session, SchedulerLease, name=name, holder=holder,
                                      expires_at=expires)


LAPSED = datetime(2000, 1, 1, tzinfo=UTC)  # a released lease's expiry: before any "now"


async def release(db: Database, holder: str, name: str = LEASE_NAME) -> None:
    """Give a lease up: it lapses now. The row stays (expired), so a process that stopped is
    told apart from one that has not written its first liveness lease yet (bot.inbound)."""
    async with db.session() as session:
        await session.execute(update(SchedulerLease).where(
            SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(expires_at=LAPSED))


def process_id(app: Application) -> str:
    return app.bot_data.setdefault("process_id", f"p-{uuid.uuid4().hex[:10]}")


def process_lease(holder: str) -> str:
    """The lease every process renews to say it is alive: updates it holds are taken over by
    another process as soon as it lapses (bot.inbound)."""
    return f"process:{holder}"


async def is_leader(app: Application) -> bool:
    """Renew (or take) the lease now; scheduled jobs run only when this is True. Also renew
    this process's own liveness lease."""
    services = app.bot_data["services"]
    await acquire(services.db, process_id(app), services.clock.now(),
                  services.settings.scheduler_lease_seconds, name=process_lease(process_id(app)))
    held = await acquire(services.db, process_id(app), services.clock.now(),
                         services.settings.scheduler_lease_seconds)
    if held != app.bot_data.get("leader"):
        log.info("scheduler lease %s by this process", "taken" if held else "not held")
        app.bot_data["leader"] = held
    return held


async def _heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    app = context.application
    try:
        if await is_leader(app):
            for duty in context.job.data:
                await duty(app, process_id(app))
            await forget_dead_processes(app)
    except Exception as error:  # noqa: BLE001 - keep the heartbeat; try again next time
        if not is_outage(error):  # an outage is logged once by the database's health
            log.exception("scheduler heartbeat failed")


def schedule(app: Application, duties: list[Callable[[Application, str], Awaitable]]) -> None:
    """Renew the lease every third of its length; the holder also runs `duties(app, holder)`."""
    if app.job_queue is not None:
        every = max(1.0, app.bot_data["services"].settings.scheduler_lease_seconds / 3)
        app.job_queue.run_repeating(_heartbeat, interval=every, first=0,
                                    name="scheduler-lease", data=duties)


async def forget_dead_processes(app: Application) -> None:
    """Liveness leases of processes gone for an hour: nothing waits on them any more."""
    services = app.bot_data["services"]
    cutoff = services.clock.now() - timedelta(hours=1)
    async with services.db.session() as session:
        await session.execute(delete(SchedulerLease).where(
            SchedulerLease.name.startswith("process:"), SchedulerLease.expires_at < cutoff))


async def step_down(app: Application) -> None:
    """At shutdown: give the leases up so another process need not wait for them to lapse."""
    db = app.bot_data["services"].db
    if app.bot_data.get("leader"):
        await release(db, process_id(app))
        app.bot_data["leader"] = False
    await release(db, process_id(app), name=process_lease(process_id(app)))
