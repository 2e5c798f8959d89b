"""Reminders derived from the database state at every scheduler tick (SPEC §5).

Nothing is scheduled per person: each tick asks "who should be reminded of what now", and
the unique (person, subject, step) row of the reminder log — written before the message is
sent — makes every reminder go out at most once, across ticks, restarts and processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_if_absent
from bot.policy import Policy
from bot.services import leave, tasks, training
from bot.services.calendar import WorkCalendar
from bot.services.kpi import period_type_of_unit
from models import (
    Appeal,
    Cadre,
    Entry,
    Evaluation,
    Notice,
    NoticeDelivery,
    Period,
    ProductType,
    ReminderLog,
    RoleGrant,
    TrainingRecord,
    TrainingRequirement,
)
from models.enums import AppealStatus, EntryStatus, PeriodStatus, PeriodType, Role


@dataclass(frozen=True)
class Reminder:
    cadre_id: int
    chat_id: int
    subject: str  # e.g. "entry:12", "review:12", "training:3", "notice:7"
    step: str
    kind: str  # entry | review | training | notice
    info: dict = field(default_factory=dict, compare=False, hash=False)


def _hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_working_hours(now_local: datetime, calendar: WorkCalendar, policy: Policy) -> bool:
    if not calendar.is_working_day(now_local.date()):
        return False
    return _hm(policy.reminders.work_start) <= now_local.time() < _hm(policy.reminders.work_end)


def next_working_morning(now_local: datetime, calendar: WorkCalendar, policy: Policy) -> datetime:
    day = calendar.next_working_day(now_local.date())
    return datetime.combine(day, _hm(policy.reminders.work_start), tzinfo=now_local.tzinfo)


def _current_step(offset: int, steps: dict[str, int], relevance: int) -> str | None:
    """The latest step reached and still relevant (missed ones are not all sent late)."""
    reached = [(o, name) for name, o in steps.items() if o <= offset and offset - o <= relevance]
    return max(reached)[1] if reached else None


async def _reachable(session: AsyncSession):
    return select(Cadre).where(Cadre.active.is_(True), Cadre.telegram_chat_id.is_not(None),
                               Cadre.reachable.is_(True))


async def entry_reminders(session: AsyncSession, today: date, now: datetime,
                          calendar: WorkCalendar, policy: Policy) -> list[Reminder]:
    steps = policy.reminders.entry_steps
    periods = list(await session.scalars(select(Period).where(
        Period.status == PeriodStatus.OPEN.value, Period.kind != PeriodType.YEAR.value,
        Period.submission_deadline >= today - timedelta(days=14),
        Period.submission_deadline <= today + timedelta(days=14))))
    result = []
    with_products = set(await session.scalars(select(ProductType.position_id).distinct()))
    cadres = [c for c in await session.scalars(await _reachable(session))
              if c.position_id in with_products]
    kinds: dict[int | None, PeriodType] = {}
    # a period whose working days are all on confirmed leave is not expected of that person
    away = await leave.away_by_period(session, periods, calendar)
    for period in periods:
        offset = calendar.working_days_between(period.submission_deadline, today)
        step = _current_step(offset, steps, policy.reminders.relevance_days)
        if step is None:
            continue
        done = set(await session.scalars(select(Entry.cadre_id).where(
            Entry.period_id == period.id,
            Entry.status.in_([EntryStatus.SUBMITTED.value, EntryStatus.APPROVED.value]))
            .group_by(Entry.cadre_id)))
        pending = set(await session.scalars(select(Entry.cadre_id).where(
            Entry.period_id == period.id,
            Entry.status.in_([EntryStatus.DRAFT.value, EntryStatus.RETURNED.value]))))
        mandatory = step in policy.reminders.mandatory_steps
        for cadre in cadres:
            if cadre.unit_id not in kinds:
                kinds[cadre.unit_id] = await period_type_of_unit(session, cadre.unit_id)
            if kinds[cadre.unit_id].value != period.kind:
                continue
            if cadre.id in done and cadre.id not in pending:
                continue  # already did it: nothing to remind
            if cadre.id in away[period.id]:
                continue  # wholly on leave: not expected
            if not mandatory and (not cadre.reminders_enabled or
                                  (cadre.snoozed_until and cadre.snoozed_until > now)):
                continue
            result.append(Reminder(cadre.id, cadre.telegram_chat_id, f"entry:{period.id}", step,
                                   "entry", {"period_id": period.id, "offset": offset}))
    return result


async def review_reminders(session: AsyncSession, today: date, calendar: WorkCalendar,
                           policy: Policy, tz: ZoneInfo) -> list[Reminder]:
    rows = (await session.execute(
        select(Cadre.evaluator_id, Entry.period_id, func.min(Entry.submitted_at),
               func.count())
        .join(Cadre, Cadre.id == Entry.cadre_id)
        .where(Entry.status == EntryStatus.SUBMITTED.value, Cadre.evaluator_id.is_not(None))
        .group_by(Cadre.evaluator_id, Entry.period_id))).all()
    result = []
    for evaluator_id, period_id, oldest, count in rows:
        # the day it was sent in the province (a report sent at 00:30 local time is
        # stored the evening before, in UTC)
        waited = calendar.working_days_between(oldest.astimezone(tz).date(), today)
        if waited <= policy.reminders.review_waiting_days:
            continue
        evaluator = await session.get(Cadre, evaluator_id)
        if not (evaluator and evaluator.active and evaluator.telegram_chat_id and
                evaluator.reachable):
            continue
        result.append(Reminder(evaluator.id, evaluator.telegram_chat_id, f"review:{period_id}",
                               "waiting", "review", {"count": count, "days": waited}))
    return result


async def training_reminders(session: AsyncSession, today: date, now: datetime,
                             policy: Policy) -> list[Reminder]:
    requirements = list(await session.scalars(select(TrainingRequirement).where(
        TrainingRequirement.active.is_(True), TrainingRequirement.due_date.is_not(None))))
    if not requirements:
        return []
    records: dict[int, list[TrainingRecord]] = {}
    for record in await session.scalars(select(TrainingRecord)):
        records.setdefault(record.cadre_id, []).append(record)
    result = []
    for cadre in await session.scalars(await _reachable(session)):
        if not cadre.reminders_enabled or (cadre.snoozed_until and cadre.snoozed_until > now):
            continue
        who = await training.profile_of(session, cadre)
        for req in requirements:
            if not training.applies(req.applies_to or {}, who, today):
                continue
            item = training.status_of(req, who, records.get(cadre.id, []), today)
            if item.status == training.Status.DONE:
                continue
            days = (req.due_date - today).days
            if days < 0:
                step = "overdue"
            else:
                reached = [d for d in policy.reminders.training_days_before if days <= d]
                if not reached:
                    continue
                step = f"d{min(reached)}"
            result.append(Reminder(cadre.id, cadre.telegram_chat_id, f"training:{req.id}", step,
                                   "training", {"title": req.title, "due": req.due_date}))
    return result


async def task_reminders(session: AsyncSession, today: date, now: datetime,
                         calendar: WorkCalendar, policy: Policy) -> list[Reminder]:
    """An assigned task not delivered yet (issue #24): before its deadline and once overdue,
    in working days (policy.reminders.task_steps). The subject carries the deadline, so an
    extended deadline is reminded of again."""
    steps = policy.reminders.task_steps
    result = []
    for due_task in await tasks.open_with_deadline_near(session, today):
        task, cadre = due_task.task, due_task.cadre
        offset = calendar.working_days_between(task.deadline, today)
        step = _current_step(offset, steps, policy.reminders.relevance_days)
        if step is None:
            continue
        if not cadre.reminders_enabled or (cadre.snoozed_until and cadre.snoozed_until > now):
            continue
        result.append(Reminder(cadre.id, cadre.telegram_chat_id,
                               f"task:{task.id}:{task.deadline:%Y%m%d}", step, "task",
                               {"task_id": task.id, "title": task.title,
                                "deadline": task.deadline, "days": -offset}))
    return result


async def notice_reminders(session: AsyncSession, now: datetime, policy: Policy) -> list[Reminder]:
    cutoff = now - timedelta(days=policy.reminders.notice_ack_days)
    rows = (await session.execute(
        select(NoticeDelivery, Cadre).join(Cadre, Cadre.id == NoticeDelivery.cadre_id)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(Notice.ack_kind != "none", NoticeDelivery.status == "sent",
               NoticeDelivery.acknowledged_at.is_(None), NoticeDelivery.sent_at < cutoff,
               Cadre.active.is_(True), Cadre.reachable.is_(True),
               Cadre.reminders_enabled.is_(True)))).all()
    return [Reminder(c.id, c.telegram_chat_id, f"notice:{d.notice_id}", "ack", "notice",
                     {"delivery_id": d.id}) for d, c in rows
            if c.telegram_chat_id and not (c.snoozed_until and c.snoozed_until > now)]


async def appeal_reminders(session: AsyncSession, today: date, calendar: WorkCalendar,
                           policy: Policy) -> list[Reminder]:
    """Whoever must answer a kiến nghị (bot.services.appeals), before and after its answer
    date (working days, `Policy.appeals.reminder_steps`); the board's members for those the
    board answers. Deadline reminders: not silenced by the optional-reminder setting."""
    steps = policy.appeals.reminder_steps
    rows = (await session.execute(
        select(Appeal, Cadre.full_name, Evaluation.period_id)
        .join(Cadre, Cadre.id == Appeal.cadre_id)
        .join(Evaluation, Evaluation.id == Appeal.evaluation_id)
        .where(Appeal.status == AppealStatus.OPEN.value))).all()
    if not rows:
        return []
    board = None
    result = []
    for appeal, name, period_id in rows:
        step = _current_step(calendar.working_days_between(appeal.due_on, today), steps,
                             policy.reminders.relevance_days)
        if step is None:
            continue
        if appeal.handler_id is not None:
            handler = await session.get(Cadre, appeal.handler_id)
            people = [handler] if handler is not None else []
        else:
            if board is None:
                board = list(await session.scalars(
                    select(Cadre).join(RoleGrant, RoleGrant.cadre_id == Cadre.id)
                    .where(RoleGrant.role == Role.BOARD.value)))
            people = board
        info = {"appeal_id": appeal.id, "period_id": period_id, "name": name,
                "due": appeal.due_on, "overdue": appeal.due_on < today}
        result += [Reminder(person.id, person.telegram_chat_id, f"appeal:{appeal.id}", step,
                            "appeal", info) for person in people
                   if person.active and person.reachable and person.telegram_chat_id
                   and person.id != appeal.cadre_id]
    return result


async def due(session: AsyncSession, now: datetime, tz: ZoneInfo, calendar: WorkCalendar,
              policy: Policy) -> list[Reminder]:
    """Everything that should go out now and has not gone out before."""
    local = now.astimezone(tz)
    if not in_working_hours(local, calendar, policy):
        return []
    today = local.date()
    candidates = (await entry_reminders(session, today, now, calendar, policy)
                  + await review_reminders(session, today, calendar, policy, tz)
                  + await training_reminders(session, today, now, policy)
                  + await task_reminders(session, today, now, calendar, policy)
                  + await notice_reminders(session, now, policy)
                  + await appeal_reminders(session, today, calendar, policy))
    # nobody is reminded of anything on a day of confirmed leave (the step still relevant
    # goes out on the first tick after it)
    away_today = await leave.on_leave_on(session, today)
    sent = set((await session.execute(select(ReminderLog.cadre_id, ReminderLog.subject,
                                              ReminderLog.step))).all())
    return [r for r in candidates
            if (r.cadre_id, r.subject, r.step) not in sent and r.cadre_id not in away_today]


async def claim(session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
    """Record the reminder before sending it; False when someone else already did."""
    return await insert_if_absent(session, ReminderLog, cadre_id=reminder.cadre_id,
                                  subject=reminder.subject, step=reminder.step, sent_at=now)
