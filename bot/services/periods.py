"""Evaluation periods (month, quarter, year): bounds, deadlines, and their rows."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_if_absent
from bot.policy import CalendarPolicy
from bot.services.calendar import WorkCalendar
from models import Period
from models.enums import EntryStatus, PeriodStatus, PeriodType


def bounds(kind: PeriodType, year: int, number: int) -> tuple[date, date]:
    if kind == PeriodType.MONTH:
        return date(year, number, 1), date(year, number, monthrange(year, number)[1])
    if kind == PeriodType.QUARTER:
        first = 3 * (number - 1) + 1
        return date(year, first, 1), date(year, first + 2, monthrange(year, first + 2)[1])
    return date(year, 1, 1), date(year, 12, 31)


def number_of(kind: PeriodType, day: date) -> int:
    if kind == PeriodType.MONTH:
        return day.month
    if kind == PeriodType.QUARTER:
        return (day.month - 1) // 3 + 1
    return 1


def previous(kind: PeriodType, year: int, number: int) -> tuple[int, int]:
    if kind == PeriodType.YEAR or number == 1:
        last = {PeriodType.MONTH: 12, PeriodType.QUARTER: 4, PeriodType.YEAR: 1}[kind]
        return year - 1, last
    return year, number - 1


def deadlines(ends_on: date, calendar: WorkCalendar, policy: CalendarPolicy) -> tuple[date, date]:
    """Submission and review deadlines: the Nth working day after the period ends."""
    return (
        calendar.add_working_days(ends_on, policy.submission_deadline_working_days),
        calendar.add_working_days(ends_on, policy.review_deadline_working_days),
    )


_PERIOD = select(Period).where(  # built once: read on every tap of the report
    Period.kind == bindparam("kind"), Period.year == bindparam("year"),
    Period.number == bindparam("number"))


async def ensure_period(
    session: AsyncSession,
    kind: PeriodType,
    year: int,
    number: int,
    calendar: WorkCalendar,
    policy: CalendarPolicy,
) -> Period:
    """The period's row, created on first use (safe when two processes race)."""
    key = {"kind": kind.value, "year": year, "number": number}
    period = await session.scalar(_PERIOD, key)
    if period is not None:
        return period
    starts_on, ends_on = bounds(kind, year, number)
    submission, review = deadlines(ends_on, calendar, policy)
    await insert_if_absent(  # another process may create it at the same moment
        session, Period, kind=kind.value, year=year, number=number, starts_on=starts_on,
        ends_on=ends_on, submission_deadline=submission, review_deadline=review,
        status=PeriodStatus.OPEN.value)
    period = await session.scalar(_PERIOD, key)
    return period


async def period_for_day(
    session: AsyncSession, kind: PeriodType, day: date, calendar: WorkCalendar,
    policy: CalendarPolicy,
) -> Period:
    return await ensure_period(session, kind, day.year, number_of(kind, day), calendar, policy)


class BadPeriodCode(ValueError):
    pass


def parse_period_code(text: str) -> tuple[PeriodType, int, int]:
    """'2026-11' (month), '2026-Q4' (quarter), '2026' (year)."""
    raw = text.strip().upper()
    try:
        if raw.isdigit() and len(raw) == 4:
            return PeriodType.YEAR, int(raw), 1
        year_text, _sep, rest = raw.partition("-")
        year = int(year_text)
        if rest.startswith("Q") and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 4:
            return PeriodType.QUARTER, year, int(rest[1:])
        if rest.isdigit() and 1 <= int(rest) <= 12:
            return PeriodType.MONTH, year, int(rest)
    except ValueError:
        pass
    raise BadPeriodCode(text)


def period_code(period: Period) -> str:
    kind = PeriodType(period.kind)
    if kind == PeriodType.MONTH:
        return f"{period.year}-{period.number:02d}"
    if kind == PeriodType.QUARTER:
        return f"{period.year}-Q{period.number}"
    return str(period.year)


@dataclass(frozen=True)
class LockCheck:
    """What is still open in a period the board is about to lock (issue #22: a lock went
    through before the deadline with 59 of 60 reports missing, unannounced). Counts are of
    reports (one per cadre): `waiting` and `returned` may both count a report that has
    products of each."""

    period: Period
    before_deadline: bool  # the submission deadline is still ahead (today included)
    expected: int  # active cadres who report in periods of this kind
    not_sent: int  # nothing sent yet (no product, or drafts only)
    waiting: int  # products sent and not decided by the evaluator
    returned: int  # products returned to the cadre and not sent again

    @property
    def open(self) -> bool:
        return bool(self.not_sent or self.waiting or self.returned)

    @property
    def needs_confirmation(self) -> bool:
        return self.before_deadline or self.open


async def lock_check(session: AsyncSession, period: Period, today: date) -> LockCheck:
    """The period's open work, on the province's `today`. A year has no reports of its own
    (the annual lists close on their own screen): only its deadline is checked."""
    from bot.services.units import UnitTree
    from models import Cadre, Entry

    before = today <= period.submission_deadline
    if period.kind == PeriodType.YEAR.value:
        return LockCheck(period, before, 0, 0, 0, 0)
    tree = await UnitTree.load(session)
    expected = {cid for cid, unit_id in (await session.execute(
        select(Cadre.id, Cadre.unit_id).where(Cadre.active.is_(True)))).all()
        if tree.period_kind_of(unit_id) == period.kind}
    statuses: dict[int, set[str]] = {}
    for cadre_id, status in (await session.execute(
            select(Entry.cadre_id, Entry.status).where(Entry.period_id == period.id)
            .distinct())).all():
        if cadre_id in expected:
            statuses.setdefault(cadre_id, set()).add(status)
    sent = {EntryStatus.SUBMITTED.value, EntryStatus.APPROVED.value, EntryStatus.RETURNED.value}
    return LockCheck(
        period, before, len(expected),
        not_sent=sum(not (statuses.get(c, set()) & sent) for c in expected),
        waiting=sum(EntryStatus.SUBMITTED.value in s for s in statuses.values()),
        returned=sum(EntryStatus.RETURNED.value in s for s in statuses.values()))


async def set_locked(session: AsyncSession, period: Period, locked: bool, now,
                     actor_label: str = "operator") -> bool:
    """Lock (or reopen) a period; returns whether anything changed. Audited."""
    from bot.services import audit

    status = PeriodStatus.LOCKED.value if locked else PeriodStatus.OPEN.value
    if period.status == status:
        return False
    before = period.status
    period.status = status
    period.locked_at = now if locked else None
    audit.record(session, at=now, action="lock_period" if locked else "unlock_period",
                 object_type="period", object_id=period.id, actor_label=actor_label,
                 before={"status": before}, after={"status": status})
    return True
