"""Time away from work (nghỉ phép, ốm, thai sản, đi học; issue #23 §6, SPEC §4.5, §5, §6).

Who records it:
- the cadre declares a leave → "chờ xác nhận" (pending); their evaluator (or the
  evaluator's delegate, or the board) confirms it or refuses it with a reason; the cadre may
  cancel it while it waits;
- the evaluator (📅 annual rating screen), the board and the operator (`cadrebot record
  leave`) record a leave directly: confirmed at once.
Every decision is in the audit log. Only a CONFIRMED leave counts anywhere.

What a confirmed leave does (the period-coverage rule, one place):
- a period whose working days are ALL on leave is "not expected": no entry reminders for
  it, not "missing" in digests, shown as "nghỉ" to the evaluator and the board;
- a period only partly on leave is still expected, but no reminder of any kind goes out on
  a day the person is on leave (reminders stay derived: the next tick after the leave sends
  the step still relevant);
- the annual rating counts the months actually worked (LAW L8), less the leave kinds the
  policy counts as not worked (`ScoringPolicy.leave_kinds_not_worked`).
Dates are the province's calendar days (Asia/Ho_Chi_Minh): callers pass the local "today".
The bulk questions (`away_by_period`, `on_leave_on`) are one query each, for any number of
people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.review import (
    ReviewError,
    authority_over,
    leave_waiting_condition,
    leaves_waiting,
    meaningful,
)
from models import Cadre, Leave, Period
from models.enums import LeaveKind, LeaveStatus

Span = tuple[date, date]  # first and last day on leave, both included

MAX_LEAVE_DAYS = 2 * 366  # one leave at most two years (a long study leave)
DAYS_AHEAD = 366  # a leave starts at most a year from today
NOTE_MAX = 500
REASON_MAX = 500
LIVE = (LeaveStatus.PENDING.value, LeaveStatus.CONFIRMED.value)  # what a new leave may not overlap
IN_LIST = 900  # above this many people one scan of the leave rows beats an IN list


# ---------------------------------------------------------------- the coverage rule (pure)

def merged(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted and joined where they touch or overlap."""
    result: list[list[date]] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1] + timedelta(days=1):
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return [(start, end) for start, end in result]


def on_leave(spans: Iterable[Span], day: date) -> bool:
    return any(start <= day <= end for start, end in spans)


def covers_period(spans: Iterable[Span], first: date, last: date,
                  calendar: WorkCalendar) -> bool:
    """Is every working day of [first, last] on leave? Weekends and holidays need no leave (a
    leave from Monday to Friday covers a week); a period without a working day needs every
    day."""
    spans = merged(spans)
    if not spans or first > last:
        return False
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    working = [day for day in days if calendar.is_working_day(day)] or days
    return all(on_leave(spans, day) for day in working)


def days_in_year(spans: Iterable[Span], year: int) -> list[Span]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    return [(max(start, first), min(end, last)) for start, end in merged(spans)
            if start <= last and end >= first]


# ---------------------------------------------------------------- bulk questions

def _confirmed_overlapping(first: date, last: date, cadre_ids: Iterable[int] | None):
    query = select(Leave.cadre_id, Leave.starts_on, Leave.ends_on).where(
        Leave.status == LeaveStatus.CONFIRMED.value, Leave.starts_on <= last,
        Leave.ends_on >= first)
    if cadre_ids is not None:
        ids = list(cadre_ids)
        if len(ids) <= IN_LIST:
            query = query.where(Leave.cadre_id.in_(ids))
    return query


async def confirmed_spans(session: AsyncSession, first: date, last: date,
                          cadre_ids: Iterable[int] | None = None) -> dict[int, list[Span]]:
    """Confirmed leave touching [first, last], per cadre, in one query."""
    wanted = set(cadre_ids) if cadre_ids is not None else None
    spans: dict[int, list[Span]] = defaultdict(list)
    for cadre_id, start, end in (await session.execute(
            _confirmed_overlapping(first, last, wanted))).all():
        if wanted is None or cadre_id in wanted:
            spans[cadre_id].append((start, end))
    return spans


async def away_by_period(session: AsyncSession, periods: list[Period], calendar: WorkCalendar,
                         cadre_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """For each period, the people whose working days in it are all on confirmed leave (the
    period is not expected of them). One query for all the periods."""
    result: dict[int, set[int]] = {period.id: set() for period in periods}
    if not periods:
        return result
    spans = await confirmed_spans(session, min(p.starts_on for p in periods),
                                  max(p.ends_on for p in periods), cadre_ids)
    for cadre_id, own in spans.items():
        for period in periods:
            if covers_period(own, period.starts_on, period.ends_on, calendar):
                result[period.id].add(cadre_id)
    return result


async def away_for(session: AsyncSession, period: Period, calendar: WorkCalendar,
                   cadre_ids: Iterable[int] | None = None) -> set[int]:
    return (await away_by_period(session, [period], calendar, cadre_ids))[period.id]


async def on_leave_on(session: AsyncSession, day: date,
                      cadre_ids: Iterable[int] | None = None) -> set[int]:
    """The people on confirmed leave on `day` (a local date), in one query."""
    return set(await confirmed_spans(session, day, day, cadre_ids))


# ---------------------------------------------------------------- validation

def check_start(start: date, today: date) -> None:
    """A sensible first day: this year or last year, at most a year ahead."""
    if start < date(today.year - 1, 1, 1):
        raise ReviewError("leave_too_early")
    if start > today + timedelta(days=DAYS_AHEAD):
        raise ReviewError("leave_too_late")


def check_span(kind: str, start: date, end: date, today: date) -> None:
    if kind not in {k.value for k in LeaveKind}:
        raise ReviewError("not_found")
    check_start(start, today)
    if end < start:
        raise ReviewError("leave_order")
    if (end - start).days > MAX_LEAVE_DAYS:
        raise ReviewError("leave_too_long")


async def _refuse_overlap(session: AsyncSession, cadre_id: int, start: date, end: date) -> None:
    """A leave waiting or confirmed already covers part of these days."""
    overlapping = await session.scalar(select(Leave.id).where(
        Leave.cadre_id == cadre_id, Leave.status.in_(LIVE), Leave.starts_on <= end,
        Leave.ends_on >= start).limit(1))
    if overlapping is not None:
        raise ReviewError("leave_overlap")


def _clean(text: str | None, limit: int) -> str | None:
    text = (text or "").strip()
    return text[:limit] if text else None


def _span_audit(cadre: Cadre, leave: Leave) -> dict:
    return {"cadre": cadre.code, "kind": leave.kind, "from": leave.starts_on.isoformat(),
            "to": leave.ends_on.isoformat(), "status": leave.status}


# ---------------------------------------------------------------- the cadre declares

@dataclass(frozen=True)
class Declared:
    leave: Leave
    cadre: Cadre
    evaluator_chat: int | None  # told at once (None: no linked, reachable evaluator)


async def declare(session: AsyncSession, *, actor: Actor, kind: str, start: date, end: date,
                  note: str | None, now: datetime, today: date) -> Declared:
    """The cadre's own leave, waiting for the evaluator's confirmation."""
    cadre = await session.get(Cadre, actor.cadre_id)
    if cadre is None or not cadre.active:
        raise ReviewError("not_found")
    check_span(kind, start, end, today)
    await _refuse_overlap(session, cadre.id, start, end)
    leave = Leave(cadre_id=cadre.id, kind=kind, starts_on=start, ends_on=end,
                  note=_clean(note, NOTE_MAX), status=LeaveStatus.PENDING.value,
                  created_at=now, created_by_id=cadre.id)
    session.add(leave)
    await session.flush()
    audit.record(session, at=now, action="declare_leave", object_type="leave",
                 object_id=leave.id, actor_id=cadre.id, after=_span_audit(cadre, leave))
    evaluator = await session.get(Cadre, cadre.evaluator_id) if cadre.evaluator_id else None
    chat = (evaluator.telegram_chat_id if evaluator and evaluator.active and evaluator.reachable
            else None)
    return Declared(leave, cadre, chat)


async def cancel(session: AsyncSession, *, actor: Actor, leave_id: int, now: datetime) -> Leave:
    """The cadre withdraws their own leave while it waits (exactly once)."""
    leave = await session.get(Leave, leave_id)
    if leave is None or leave.cadre_id != actor.cadre_id:
        raise ReviewError("not_found")
    done = await session.execute(update(Leave).where(
        Leave.id == leave_id, Leave.status == LeaveStatus.PENDING.value).values(
        status=LeaveStatus.CANCELLED.value, decided_at=now, decided_by_id=actor.cadre_id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("leave_decided")
    await session.refresh(leave)
    audit.record(session, at=now, action="cancel_leave", object_type="leave", object_id=leave.id,
                 actor_id=actor.cadre_id, before={"status": LeaveStatus.PENDING.value},
                 after={"status": leave.status})
    return leave


async def mine(session: AsyncSession, cadre_id: int, today: date, limit: int = 12) -> list[Leave]:
    """The cadre's leaves of this year and later (waiting, confirmed, refused; cancelled ones
    left out), the latest first."""
    return list(await session.scalars(select(Leave).where(
        Leave.cadre_id == cadre_id, Leave.status != LeaveStatus.CANCELLED.value,
        Leave.ends_on >= date(today.year, 1, 1)).order_by(Leave.starts_on.desc()).limit(limit)))


# ---------------------------------------------------------------- the evaluator decides

async def pending_count(session: AsyncSession, actor: Actor, today: date) -> int:
    """How many declared leaves wait for this actor (the ✅ Phê duyệt row)."""
    return await leaves_waiting(session, actor, today)


@dataclass(frozen=True)
class Waiting:
    items: list[tuple[Leave, Cadre]]  # one page, the oldest declaration first
    total: int
    page: int
    page_size: int

    @property
    def more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


async def waiting(session: AsyncSession, actor: Actor, today: date, page: int = 0,
                  page_size: int = 5) -> Waiting:
    if not actor.is_supervisor:
        raise ReviewError("not_found")
    condition = await leave_waiting_condition(session, actor, today)
    total = await pending_count(session, actor, today)
    page = max(0, min(page, (total - 1) // page_size)) if total else 0
    rows = (await session.execute(
        select(Leave, Cadre).join(Cadre, Cadre.id == Leave.cadre_id).where(condition)
        .order_by(Leave.created_at, Leave.id).offset(page * page_size).limit(page_size))).all()
    return Waiting([(leave, cadre) for leave, cadre in rows], total, page, page_size)


async def decidable(session: AsyncSession, actor: Actor, leave_id: int,
                    today: date) -> tuple[Leave, Cadre]:
    """A pending leave the actor may confirm or refuse (re-checked on every tap)."""
    leave = await session.get(Leave, leave_id)
    if leave is None:
        raise ReviewError("not_found")
    cadre = await session.get(Cadre, leave.cadre_id)
    if cadre is None or not cadre.active:
        raise ReviewError("not_found")
    if await authority_over(session, actor, cadre, today) is None:
        raise ReviewError("forbidden")
    if leave.status != LeaveStatus.PENDING.value:
        raise ReviewError("leave_decided")
    return leave, cadre


@dataclass(frozen=True)
class Decided:
    leave: Leave
    cadre: Cadre
    confirmed: bool
    cadre_chat: int | None  # told at once
    next: Waiting  # what waits for the evaluator next


async def decide(session: AsyncSession, *, actor: Actor, leave_id: int, confirm: bool,
                 reason: str | None, now: datetime, today: date) -> Decided:
    """Confirm, or refuse with a reason: exactly one decision (a second tap, another device or
    another evaluator is refused), audited."""
    leave, cadre = await decidable(session, actor, leave_id, today)
    if not confirm and not meaningful(reason):
        raise ReviewError("reason_required")
    if not confirm and len(reason.strip()) > REASON_MAX:
        raise ReviewError("reason_too_long")
    status = LeaveStatus.CONFIRMED if confirm else LeaveStatus.REFUSED
    done = await session.execute(update(Leave).where(
        Leave.id == leave.id, Leave.status == LeaveStatus.PENDING.value).values(
        status=status.value, decided_at=now, decided_by_id=actor.cadre_id,
        refusal_reason=None if confirm else reason.strip())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("leave_decided")
    await session.refresh(leave)
    audit.record(session, at=now, action="confirm_leave" if confirm else "refuse_leave",
                 object_type="leave", object_id=leave.id, actor_id=actor.cadre_id,
                 before={"status": LeaveStatus.PENDING.value},
                 after={**_span_audit(cadre, leave), "reason": leave.refusal_reason})
    chat = cadre.telegram_chat_id if cadre.reachable else None
    return Decided(leave, cadre, confirm, chat, await waiting(session, actor, today))


# ---------------------------------------------------------------- recorded directly

async def record(session: AsyncSession, *, actor: Actor, cadre_id: int, kind: str, start: date,
                 end: date, now: datetime, today: date, note: str | None = None) -> Leave:
    """A leave recorded by the cadre's evaluator (or delegate) or the board: confirmed at
    once. Refused: an end before the start, dates out of range, more than two years, or an
    overlap with a leave waiting or confirmed."""
    cadre = await session.get(Cadre, cadre_id)
    if cadre is None or not cadre.active:
        raise ReviewError("not_found")
    if await authority_over(session, actor, cadre, today) is None:
        raise ReviewError("forbidden")
    return await _record(session, cadre, kind, start, end, note, now, today,
                         actor_id=actor.cadre_id)


async def record_as_operator(session: AsyncSession, *, cadre: Cadre, kind: str, start: date,
                             end: date, now: datetime, today: date,
                             note: str | None = None) -> Leave:
    """`cadrebot record leave`: the same rules, confirmed at once, audited as the operator."""
    return await _record(session, cadre, kind, start, end, note, now, today, label="operator")


async def _record(session: AsyncSession, cadre: Cadre, kind: str, start: date, end: date,
                  note: str | None, now: datetime, today: date, *, actor_id: int | None = None,
                  label: str | None = None) -> Leave:
    check_span(kind, start, end, today)
    await _refuse_overlap(session, cadre.id, start, end)
    leave = Leave(cadre_id=cadre.id, kind=kind, starts_on=start, ends_on=end,
                  note=_clean(note, NOTE_MAX), status=LeaveStatus.CONFIRMED.value,
                  created_at=now, created_by_id=actor_id, created_by_label=label,
                  decided_at=now, decided_by_id=actor_id)
    session.add(leave)
    await session.flush()
    audit.record(session, at=now, action="record_leave", object_type="leave",
                 object_id=leave.id, actor_id=actor_id, actor_label=label,
                 after=_span_audit(cadre, leave))
    return leave
