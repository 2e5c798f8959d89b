"""The board's dashboard views kept in the database (issue #25): the province overview of a
period and each level of its drill-down by unit are the same for every board member and cost
seconds to compute at province scale, so they are computed ahead (bot/jobs/dashboard.py, in
a worker process) or by the first request, and served as stored:

- a period that is locked (its data cannot change any more): for good, once computed after
  the lock;
- a period still open: while younger than CADREBOT_WEBAPP_CACHE_SECONDS; the refresh job
  recomputes the period under review twice in that time, so a board member never waits;
  an earlier period's view gone stale is served as it is while a worker recomputes it
  (handlers/webapp.py).

A view is stored as the page receives it (gzip-compressed JSON, rendered by handlers/screens/
webapp.py), with the time it was computed (the page says "figures as of …")."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import upsert_insert
from models import DashboardView, Period

OVERVIEW = "overview"
TOP = 0  # the drill-down's top level ("unit:0"): the province


def unit_view(unit_id: int | None) -> str:
    return f"unit:{unit_id or TOP}"


TOP_VIEW = unit_view(None)


@dataclass(frozen=True)
class Stored:
    computed_at: datetime
    body: bytes  # gzip-compressed JSON
    fresh: bool = True  # may be served as it is (see `is_fresh`)

    def json(self):
        return json.loads(gzip.decompress(self.body))


def pack(payload) -> bytes:
    return gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), compresslevel=6)


def is_final(period: Period, computed_at: datetime) -> bool:
    """Computed after its period was locked: the figures cannot change any more."""
    return period.locked_at is not None and computed_at >= period.locked_at


def is_fresh(period: Period, computed_at: datetime, now: datetime, max_age: int) -> bool:
    return is_final(period, computed_at) or now - computed_at < timedelta(seconds=max_age)


async def lookup(session: AsyncSession, period: Period, view: str, now: datetime,
                 max_age: int) -> Stored | None:
    """The stored view (None: never computed), and whether it is still fresh."""
    found = (await session.execute(select(DashboardView.computed_at, DashboardView.body).where(
        DashboardView.period_id == period.id, DashboardView.view == view))).first()
    if found is None:
        return None
    return Stored(found.computed_at, found.body,
                  is_fresh(period, found.computed_at, now, max_age))


async def refreshed_at(session: AsyncSession, period_id: int) -> datetime | None:
    """When the period's views were last all computed together (the refresh stores the
    overview and the drill-down's top level at once; a request stores only its own): the
    older of those two, None while one is missing."""
    found = dict((await session.execute(select(DashboardView.view, DashboardView.computed_at)
                                        .where(DashboardView.period_id == period_id,
                                               DashboardView.view.in_((OVERVIEW, TOP_VIEW)))
                                        )).all())
    return min(found.values()) if len(found) == 2 else None


async def store(session: AsyncSession, period_id: int, views: dict[str, bytes],
                at: datetime, *, replace_all: bool = False) -> None:
    """Keep `views` (name → packed body) of the period, computed at `at` (an upsert: two
    processes may store the same view at once); `replace_all`: the period's other stored
    views go (a unit that no longer exists, say)."""
    upsert = upsert_insert(session, DashboardView.__table__)
    upsert = upsert.on_conflict_do_update(
        index_elements=["period_id", "view"],
        set_={"computed_at": upsert.excluded.computed_at, "body": upsert.excluded.body})
    rows = [{"period_id": period_id, "view": name, "computed_at": at, "body": body}
            for name, body in views.items()]
    for start in range(0, len(rows), 1000):
        await session.execute(upsert, rows[start:start + 1000])
    if replace_all:
        await session.execute(delete(DashboardView).where(
            DashboardView.period_id == period_id, DashboardView.computed_at < at))


async def overviews(session: AsyncSession, period_ids: Iterable[int]) -> dict[int, Stored]:
    """The stored overviews of these periods (the year's trend of each target is drawn from
    them), whatever their age."""
    ids = list(period_ids)
    if not ids:
        return {}
    rows = await session.execute(select(DashboardView.period_id, DashboardView.computed_at,
                                        DashboardView.body).where(
        DashboardView.period_id.in_(ids), DashboardView.view == OVERVIEW))
    return {row.period_id: Stored(row.computed_at, row.body) for row in rows}

