"""Assigned tasks (giao việc, issue #24 §1): every task "6 rõ" — rõ người (the cadre), rõ
việc (the title, and the catalogue product it counts toward, with how many items), rõ trách
nhiệm (the cadre answers for it; who assigned it), rõ thẩm quyền (who accepts it), rõ thời
gian (the deadline), rõ kết quả (the expected result).

The life of a task: assigned → delivered (the cadre reports completion with evidence) →
accepted, or returned with a reason (a failed review) → delivered again … The deadline may
be extended by the evaluator before it passes (not a delay). Every step is a task event and
an audit-log row; a decision is taken exactly once (a versioned UPDATE: a second tap, a
second device or a second evaluator is refused).

Who may do what:
- assign: the cadre's evaluator, a delegate of that evaluator (today), or the board
  (`review.authority_over`, the rule of every review); never to oneself;
- the accepting authority: by default the cadre's evaluator (the board, or whoever assigned,
  when the cadre has none); the authority, a delegate of the authority, or the board accepts,
  returns and extends;
- deliver: the cadre alone.

What a task counts (LAW L3, Decree 335 Art. 14), for products tracked as tasks: the period's
figures of a product come from the cadre's tasks of that product whose deadline (after any
extension) falls in the period — see `figures`; they are written into the period's entry, so
the score, the review screen, the digests and the exports read them as any other figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import vietnamese_name_key
from bot.services import audit
from bot.services import periods as period_rules
from bot.services.calendar import WorkCalendar
from bot.services.delegation import PAGE_SIZE, Candidate, Candidates, name_matches
from bot.services.entry_rules import EvidenceItem, meaningful
from bot.services.identity import Actor
from bot.services.kpi import KpiService, period_type_of_unit
from bot.services.review import (
    ReviewError,
    authority_over,
    delegators_of,
    task_authority_condition,
    tasks_waiting,
)
from bot.services.task_status import COUNTED, OPEN
from models import Cadre, Entry, OrgUnit, Period, ProductType, Task, TaskEvent
from models.enums import EntryStatus, PeriodStatus, TaskEventKind, TaskStatus

TITLE_MAX = 255
RESULT_MAX = 1000
REASON_MAX = 500
UNITS_MAX = 999
DAYS_AHEAD = 366  # a deadline at most a year from today
EVIDENCE_MAX = 10  # pieces of evidence with one delivery


# ---------------------------------------------------------------- the rule (pure)

@dataclass(frozen=True)
class TaskFigures:
    """One product's figures of one period, from the tasks (LAW L3)."""

    tasks: int = 0
    assigned: int = 0  # items of all the tasks
    done: int = 0  # items of the accepted tasks
    on_time: int = 0  # … delivered on or before their deadline
    failed_reviews: int = 0  # items returned, once per return
    delays: int = 0  # items accepted after a delivery past the deadline


def figures(tasks: Iterable[Task]) -> TaskFigures:
    """Decree 335 Art. 14 (LAW L3), per item ("của sản phẩm/công việc đó"): a task is an item
    of its product worth `units` items, so
    - done = the items of the accepted tasks (an accepted task met the quality asked: it is
      also "passed");
    - each return of a task is a failed review of each of its items: 25% of that item's
      quality point (scoring's per_item reading: b = (passed − 0,25 × failed) / n);
    - an accepted task whose accepted delivery came after its deadline is a delay of each of
      its items: 25% of that item's progress point (c = (done − 0,25 × delays) / n). A
      deadline extended before it passed is the deadline: meeting it is on time.
    A task not accepted yet counts no item done (a), whatever was returned still counts (b)."""
    count = assigned = done = on_time = failed = delays = 0
    for task in tasks:
        if task.status not in COUNTED:
            continue
        count += 1
        assigned += task.units
        failed += task.returns * task.units
        if task.status == TaskStatus.ACCEPTED.value:
            done += task.units
            if task.delivered_late:
                delays += task.units
            else:
                on_time += task.units
    return TaskFigures(count, assigned, done, on_time, failed, delays)


def delivered_late(delivered_at: datetime, deadline: date, tz: ZoneInfo) -> bool:
    """After the deadline day, in the province's time (a delivery at 23:30 on the day is on
    time)."""
    return delivered_at.astimezone(tz).date() > deadline


def days_left(deadline: date, today: date, calendar: WorkCalendar) -> int:
    """Working days from today to the deadline (0: due today; negative: overdue by that many
    working days). Working days, as the reminders count them (issue #24: "working days")."""
    return calendar.working_days_between(today, deadline)


# ---------------------------------------------------------------- checks

def check_title(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not meaningful(text):
        raise ReviewError("task_title")
    if len(text) > TITLE_MAX:
        raise ReviewError("task_title_long")
    return text


def check_result(text: str | None) -> str:
    text = (text or "").strip()
    if not meaningful(text):
        raise ReviewError("task_result")
    if len(text) > RESULT_MAX:
        raise ReviewError("task_result_long")
    return text


def check_units(value: int) -> int:
    if not 1 <= value <= UNITS_MAX:
        raise ReviewError("task_units")
    return value


def check_deadline(deadline: date, today: date) -> date:
    if deadline < today:
        raise ReviewError("task_deadline_past")
    if deadline > today + timedelta(days=DAYS_AHEAD):
        raise ReviewError("task_deadline_far")
    return deadline


def check_reason(text: str | None) -> str:
    if not meaningful(text):
        raise ReviewError("reason_required")
    if len(text.strip()) > REASON_MAX:
        raise ReviewError("reason_too_long")
    return text.strip()


# ---------------------------------------------------------------- whom one may assign to

async def _evaluators(session: AsyncSession, actor: Actor, today: date) -> list[int]:
    return [actor.cadre_id, *await delegators_of(session, actor.cadre_id, today)]


def _assignable(actor: Actor, evaluators: list[int]):
    condition = Cadre.evaluator_id.in_(evaluators)
    if actor.is_board:
        condition = or_(condition, Cadre.id.is_not(None))
    return and_(condition, Cadre.active.is_(True), Cadre.id != actor.cadre_id)


async def may_assign(session: AsyncSession, actor: Actor, today: date) -> bool:
    """Someone evaluates people (or reviews for someone who does), or is the board."""
    if actor.is_board:
        return True
    return await session.scalar(select(Cadre.id).where(
        _assignable(actor, await _evaluators(session, actor, today))).limit(1)) is not None


async def _people(session: AsyncSession, actor: Actor, today: date) -> list[Candidate]:
    """The people this actor assigns to first: those they evaluate or review as a delegate
    (the board: those without an evaluator too; it finds anyone else by code)."""
    evaluators = await _evaluators(session, actor, today)
    condition = Cadre.evaluator_id.in_(evaluators)
    if actor.is_board:
        condition = or_(condition, Cadre.evaluator_id.is_(None))
    rows = await session.execute(select(Cadre.id, Cadre.full_name, Cadre.code).where(
        condition, Cadre.active.is_(True), Cadre.id != actor.cadre_id))
    people = [Candidate(id_, name, code) for id_, name, code in rows.all()]
    return sorted(people, key=lambda c: (vietnamese_name_key(c.name), c.code))


async def candidates(session: AsyncSession, actor: Actor, today: date,
                     page: int = 0) -> Candidates:
    if not await may_assign(session, actor, today):
        raise ReviewError("forbidden")
    people = await _people(session, actor, today)
    page = max(0, min(page, (len(people) - 1) // PAGE_SIZE if people else 0))
    start = page * PAGE_SIZE
    return Candidates(tuple(people[start:start + PAGE_SIZE]), page,
                      start + PAGE_SIZE < len(people))


async def search(session: AsyncSession, actor: Actor, today: date,
                 text: str) -> Candidate | Candidates:
    """What was typed at "who?": a cadre's code (anyone the actor may assign to), else a
    name among their people."""
    if not await may_assign(session, actor, today):
        raise ReviewError("forbidden")
    code = text.strip().upper()
    cadre = await session.scalar(select(Cadre).where(func.upper(Cadre.code) == code))
    if cadre is not None and cadre.active and await authority_over(
            session, actor, cadre, today) is not None:
        return Candidate(cadre.id, cadre.full_name, cadre.code)
    found = [c for c in await _people(session, actor, today) if name_matches(c.name, text)]
    if not found:
        raise ReviewError("no_match", query=text.strip())
    return Candidates(tuple(found[:PAGE_SIZE]), more=len(found) > PAGE_SIZE, query=text.strip())


async def assignee(session: AsyncSession, actor: Actor, today: date, cadre_id: int) -> Cadre:
    """A cadre the actor may assign a task to (re-checked on every tap)."""
    cadre = await session.get(Cadre, cadre_id)
    if cadre is None or not cadre.active:
        raise ReviewError("not_found")
    if await authority_over(session, actor, cadre, today) is None:
        raise ReviewError("forbidden")
    return cadre


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str
    count: int


async def units_of_people(session: AsyncSession, actor: Actor, today: date) -> list[UnitChoice]:
    """The units of the people the actor evaluates (a task "for a unit's cadres")."""
    people = await _people(session, actor, today)
    if not people:
        return []
    counts: dict[int, int] = {}
    for unit_id in await session.scalars(select(Cadre.unit_id).where(
            Cadre.id.in_([p.id for p in people]), Cadre.unit_id.is_not(None))):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    units = await session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(counts))))
    return sorted((UnitChoice(u.id, u.name, counts[u.id]) for u in units), key=lambda u: u.name)


async def unit_people(session: AsyncSession, actor: Actor, today: date,
                      unit_id: int) -> list[Cadre]:
    """The people of `unit_id` the actor evaluates (or reviews as a delegate)."""
    ids = [p.id for p in await _people(session, actor, today)]
    people = list(await session.scalars(select(Cadre).where(
        Cadre.id.in_(ids), Cadre.unit_id == unit_id).order_by(Cadre.code))) if ids else []
    if not people:
        raise ReviewError("not_found")
    return people


@dataclass(frozen=True)
class ProductChoice:
    code: str
    name: str
    unit_of_measure: str | None


async def products_for(session: AsyncSession, cadres: list[Cadre]) -> list[ProductChoice]:
    """The catalogue's counted products every one of these people has (by the product's code:
    each job position has its own catalogue)."""
    positions = {c.position_id for c in cadres}
    if None in positions or not positions:
        return []
    by_code: dict[str, list[ProductType]] = {}
    for product in await session.scalars(select(ProductType).where(
            ProductType.position_id.in_(positions), ProductType.active.is_(True),
            ProductType.kind == "count").order_by(ProductType.indicator_group, ProductType.id)):
        by_code.setdefault(product.code, []).append(product)
    return [ProductChoice(code, items[0].name, items[0].unit_of_measure)
            for code, items in by_code.items()
            if {p.position_id for p in items} == positions]


async def _product_of(session: AsyncSession, cadre: Cadre, code: str) -> ProductType:
    product = await session.scalar(select(ProductType).where(
        ProductType.position_id == cadre.position_id, ProductType.code == code,
        ProductType.active.is_(True), ProductType.kind == "count"))
    if product is None:
        raise ReviewError("task_product")
    return product


# ---------------------------------------------------------------- assigning

@dataclass(frozen=True)
class Draft:
    """What the assigner chose, as the confirmation shows it."""

    cadres: list[Cadre]
    product: ProductChoice
    units: int
    title: str
    expected_result: str
    deadline: date
    authority: Cadre | None  # None: the board (the cadre has no evaluator)
    assigner: Cadre
    # who already typed this product's figures for the deadline's period (see typed_before)
    typed: list[Cadre] = field(default_factory=list)


async def authority_for(session: AsyncSession, cadre: Cadre, assigner_id: int | None) -> int:
    """Who accepts a task of this cadre: their evaluator; without one, whoever assigned it."""
    if cadre.evaluator_id is not None:
        return cadre.evaluator_id
    if assigner_id is None:
        raise ReviewError("task_no_authority")
    return assigner_id


@dataclass(frozen=True)
class Assigned:
    tasks: list[Task]
    cadres: list[Cadre]
    chats: list[tuple[int, Task]] = field(default_factory=list)  # cadres told after the commit


async def _create(session: AsyncSession, *, cadre: Cadre, product: ProductType, units: int,
                  title: str, expected_result: str, deadline: date, authority_id: int,
                  now: datetime, by_id: int | None, by_label: str | None = None,
                  import_key: str | None = None) -> Task:
    task = Task(cadre_id=cadre.id, title=title, product_type_id=product.id, units=units,
                expected_result=expected_result, authority_id=authority_id, deadline=deadline,
                status=TaskStatus.ASSIGNED.value, version=0, returns=0, created_at=now,
                assigned_by_id=by_id, assigned_by_label=by_label, import_key=import_key)
    session.add(task)
    await session.flush()
    session.add(TaskEvent(task_id=task.id, kind=TaskEventKind.ASSIGNED.value, at=now, by_id=by_id,
                          by_label=by_label, new_deadline=deadline))
    audit.record(session, at=now, action="assign_task", object_type="task", object_id=task.id,
                 actor_id=by_id, actor_label=by_label, after=_audit(task, cadre))
    return task


def _audit(task: Task, cadre: Cadre) -> dict:
    return {"cadre": cadre.code, "title": task.title, "product_type_id": task.product_type_id,
            "units": task.units, "authority_id": task.authority_id,
            "deadline": task.deadline.isoformat(), "status": task.status}


async def assign(session: AsyncSession, kpi: KpiService, *, actor: Actor, cadre_ids: list[int],
                 product_code: str, units: int, title: str, expected_result: str,
                 deadline: date, now: datetime, today: date) -> Assigned:
    """One task per cadre (a unit's cadres: one each), every check made again."""
    title, expected_result = check_title(title), check_result(expected_result)
    check_units(units)
    check_deadline(deadline, today)
    if not cadre_ids:
        raise ReviewError("not_found")
    tasks, cadres, chats = [], [], []
    for cadre_id in cadre_ids:
        cadre = await assignee(session, actor, today, cadre_id)
        product = await _product_of(session, cadre, product_code)
        task = await _create(session, cadre=cadre, product=product, units=units, title=title,
                             expected_result=expected_result, deadline=deadline,
                             authority_id=await authority_for(session, cadre, actor.cadre_id),
                             now=now, by_id=actor.cadre_id)
        await sync_figures(session, kpi, cadre, product.id, deadline, now)
        tasks.append(task)
        cadres.append(cadre)
        if cadre.telegram_chat_id and cadre.reachable:
            chats.append((cadre.telegram_chat_id, task))
    return Assigned(tasks, cadres, chats)


async def draft_of(session: AsyncSession, actor: Actor, today: date, data: dict) -> Draft:
    """The confirmation screen's "6 rõ" from a flow's draft (every id re-checked)."""
    cadres = [await assignee(session, actor, today, cadre_id) for cadre_id in data["cadres"]]
    choices = {p.code: p for p in await products_for(session, cadres)}
    if data["product"] not in choices:
        raise ReviewError("task_product")
    authority_ids = {await authority_for(session, c, actor.cadre_id) for c in cadres}
    authority = (await session.get(Cadre, authority_ids.pop())
                 if len(authority_ids) == 1 else None)
    deadline = date.fromisoformat(data["deadline"])
    return Draft(cadres, choices[data["product"]], int(data["units"]), data["title"],
                 data["result"], deadline, authority, await session.get(Cadre, actor.cadre_id),
                 await typed_before(session, cadres, data["product"], deadline))


async def typed_before(session: AsyncSession, cadres: list[Cadre], product_code: str,
                       deadline: date) -> list[Cadre]:
    """The people who have typed figures of this product for the period the deadline falls
    in, with no task of it due in that period yet. Once a task is due there, the period's
    figures of the product come from its tasks (sync_figures) and replace the typed ones, so
    the assigner is told before confirming (the typed figures stay in the audit log)."""
    task_due = exists().where(Task.cadre_id == Entry.cadre_id,
                              Task.product_type_id == Entry.product_type_id,
                              Task.deadline >= Period.starts_on, Task.deadline <= Period.ends_on)
    typed = set(await session.scalars(
        select(Entry.cadre_id).join(Period, Period.id == Entry.period_id)
        .join(ProductType, ProductType.id == Entry.product_type_id)
        .where(Entry.cadre_id.in_([c.id for c in cadres]), ProductType.code == product_code,
               Period.starts_on <= deadline, Period.ends_on >= deadline,
               Entry.quantity_done.is_not(None), ~task_due)))
    return [c for c in cadres if c.id in typed]


# ---------------------------------------------------------------- one task, as someone sees it

@dataclass(frozen=True)
class TaskView:
    task: Task
    cadre: Cadre
    product: ProductType
    authority: Cadre | None
    assigner: Cadre | None
    events: list[TaskEvent]
    days_left: int
    # what the viewer may do with it now
    may_deliver: bool = False
    may_decide: bool = False
    may_extend: bool = False


async def _may_accept(session: AsyncSession, actor: Actor, task: Task, today: date) -> bool:
    if actor.cadre_id == task.cadre_id:
        return False
    if task.authority_id == actor.cadre_id or actor.is_board:
        return True
    return task.authority_id in await delegators_of(session, actor.cadre_id, today)


async def _task(session: AsyncSession, task_id: int) -> Task:
    task = await session.get(Task, task_id)
    if task is None or task.status == TaskStatus.CANCELLED.value:
        raise ReviewError("not_found")
    return task


async def view(session: AsyncSession, actor: Actor, task_id: int, today: date,
               calendar: WorkCalendar) -> TaskView:
    """The task with its "6 rõ" and history, for its cadre or someone who may accept it."""
    task = await _task(session, task_id)
    cadre = await session.get(Cadre, task.cadre_id)
    own = task.cadre_id == actor.cadre_id
    decides = await _may_accept(session, actor, task, today)
    if not own and not decides:
        raise ReviewError("forbidden")
    events = list(await session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                                        .order_by(TaskEvent.at, TaskEvent.id)))
    status = task.status
    return TaskView(
        task, cadre, await session.get(ProductType, task.product_type_id),
        await session.get(Cadre, task.authority_id),
        await session.get(Cadre, task.assigned_by_id) if task.assigned_by_id else None,
        events, days_left(task.deadline, today, calendar),
        may_deliver=own and status in (TaskStatus.ASSIGNED.value, TaskStatus.RETURNED.value),
        may_decide=decides and status == TaskStatus.DELIVERED.value,
        may_extend=decides and status in OPEN and today <= task.deadline)


@dataclass(frozen=True)
class Listed:
    task: Task
    name: str  # the cadre's name (the evaluator's list) or the product's (the cadre's)
    days_left: int


async def mine(session: AsyncSession, cadre_id: int, today: date,
               calendar: WorkCalendar, limit: int = 20) -> list[Listed]:
    """The cadre's open tasks, the nearest deadline first, then those accepted in the last
    30 days."""
    rows = (await session.execute(
        select(Task, ProductType.name).join(ProductType, ProductType.id == Task.product_type_id)
        .where(Task.cadre_id == cadre_id, or_(
            Task.status.in_(OPEN), and_(Task.status == TaskStatus.ACCEPTED.value,
                                        Task.deadline >= today - timedelta(days=30))))
        .order_by(Task.status == TaskStatus.ACCEPTED.value, Task.deadline, Task.id)
        .limit(limit))).all()
    return [Listed(task, name, days_left(task.deadline, today, calendar)) for task, name in rows]


# built once: 📝 Báo cáo KPI counts them at every opening
_OPEN_COUNT = select(func.count(Task.id)).where(Task.cadre_id == bindparam("cadre_id"),
                                                Task.status.in_(OPEN))


async def open_count(session: AsyncSession, cadre_id: int) -> int:
    return int(await session.scalar(_OPEN_COUNT, {"cadre_id": cadre_id}) or 0)


_authority_condition = task_authority_condition
waiting_count = tasks_waiting  # the ✅ Phê duyệt row (bot.services.review.open_inbox)


@dataclass(frozen=True)
class Overview:
    """📋 Giao việc: the tasks waiting for acceptance first, then the open ones by deadline."""

    items: list[Listed]
    waiting: int
    total: int
    page: int
    page_size: int
    may_assign: bool

    @property
    def more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


async def overview(session: AsyncSession, actor: Actor, today: date, calendar: WorkCalendar,
                   page: int = 0, page_size: int = 8) -> Overview:
    assigns = await may_assign(session, actor, today)
    if not assigns and not actor.is_supervisor:
        raise ReviewError("forbidden")
    condition = and_(Task.status.in_(OPEN), await _authority_condition(session, actor, today))
    total = int(await session.scalar(select(func.count(Task.id)).where(condition)) or 0)
    page = max(0, min(page, (total - 1) // page_size)) if total else 0
    rows = (await session.execute(
        select(Task, Cadre.full_name).join(Cadre, Cadre.id == Task.cadre_id).where(condition)
        .order_by(Task.status != TaskStatus.DELIVERED.value, Task.deadline, Task.id)
        .offset(page * page_size).limit(page_size))).all()
    items = [Listed(task, name, days_left(task.deadline, today, calendar)) for task, name in rows]
    return Overview(items, await waiting_count(session, actor, today), total, page, page_size,
                    assigns)


# ---------------------------------------------------------------- the cadre delivers

@dataclass(frozen=True)
class Changed:
    """A task delivered, returned, accepted or extended, and whom to tell after the commit."""

    task: Task
    cadre: Cadre
    product: ProductType
    tell: int | None  # chat of the person told (the authority, or the cadre)
    late: bool = False


def _chat(cadre: Cadre | None) -> int | None:
    if cadre is None or not cadre.active or not cadre.reachable:
        return None
    return cadre.telegram_chat_id


async def deliverable(session: AsyncSession, actor: Actor, task_id: int) -> Task:
    task = await _task(session, task_id)
    if task.cadre_id != actor.cadre_id:
        raise ReviewError("forbidden")
    if task.status not in (TaskStatus.ASSIGNED.value, TaskStatus.RETURNED.value):
        raise ReviewError("task_state")
    return task


def evidence_json(items: Iterable[EvidenceItem]) -> list[dict]:
    return [{key: value for key, value in vars(item).items() if value is not None}
            for item in items]


async def deliver(session: AsyncSession, *, actor: Actor, task_id: int, evidence: list[dict],
                  note: str | None, now: datetime, tz: ZoneInfo) -> Changed:
    """The cadre reports the task done, with at least one piece of evidence."""
    task = await deliverable(session, actor, task_id)
    if not evidence:
        raise ReviewError("task_evidence")
    late = delivered_late(now, task.deadline, tz)
    done = await session.execute(update(Task).where(
        Task.id == task.id, Task.version == task.version, Task.status.in_(
            (TaskStatus.ASSIGNED.value, TaskStatus.RETURNED.value)))
        .values(status=TaskStatus.DELIVERED.value, delivered_at=now, delivered_late=late,
                version=Task.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("task_state")
    await session.refresh(task)
    session.add(TaskEvent(task_id=task.id, kind=TaskEventKind.DELIVERED.value, at=now,
                          by_id=actor.cadre_id, reason=(note or "").strip()[:REASON_MAX] or None,
                          evidence=evidence[:EVIDENCE_MAX]))
    cadre = await session.get(Cadre, task.cadre_id)
    audit.record(session, at=now, action="deliver_task", object_type="task", object_id=task.id,
                 actor_id=actor.cadre_id, after={"status": task.status, "late": late,
                                                 "evidence": len(evidence)})
    return Changed(task, cadre, await session.get(ProductType, task.product_type_id),
                   _chat(await session.get(Cadre, task.authority_id)), late)


# ---------------------------------------------------------------- the authority decides

async def decidable(session: AsyncSession, actor: Actor, task_id: int, today: date,
                    version: int | None = None) -> Task:
    task = await _task(session, task_id)
    if not await _may_accept(session, actor, task, today):
        raise ReviewError("forbidden")
    if task.status != TaskStatus.DELIVERED.value or (
            version is not None and task.version != version):
        raise ReviewError("task_decided")
    return task


async def decide(session: AsyncSession, kpi: KpiService, *, actor: Actor, task_id: int,
                 version: int, accept: bool, reason: str | None, now: datetime,
                 today: date) -> Changed:
    """Accept the delivered task, or return it with a reason (a failed review): exactly one
    decision per delivery."""
    task = await decidable(session, actor, task_id, today, version)
    if not accept:
        reason = check_reason(reason)
    status = TaskStatus.ACCEPTED if accept else TaskStatus.RETURNED
    values = {"status": status.value, "version": Task.version + 1, "updated_at": now}
    if accept:
        values["accepted_at"] = now
    else:
        values["returns"] = Task.returns + 1
    done = await session.execute(update(Task).where(
        Task.id == task.id, Task.version == version,
        Task.status == TaskStatus.DELIVERED.value).values(**values)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("task_decided")
    await session.refresh(task)
    kind = TaskEventKind.ACCEPTED if accept else TaskEventKind.RETURNED
    session.add(TaskEvent(task_id=task.id, kind=kind.value, at=now, by_id=actor.cadre_id,
                          reason=None if accept else reason))
    audit.record(session, at=now, action="accept_task" if accept else "return_task",
                 object_type="task", object_id=task.id, actor_id=actor.cadre_id,
                 before={"status": TaskStatus.DELIVERED.value},
                 after={"status": task.status, "returns": task.returns,
                        "late": bool(task.delivered_late)}, note=None if accept else reason)
    cadre = await session.get(Cadre, task.cadre_id)
    await sync_figures(session, kpi, cadre, task.product_type_id, task.deadline, now)
    return Changed(task, cadre, await session.get(ProductType, task.product_type_id),
                   _chat(cadre), bool(task.delivered_late))


async def extendable(session: AsyncSession, actor: Actor, task_id: int, today: date) -> Task:
    task = await _task(session, task_id)
    if not await _may_accept(session, actor, task, today):
        raise ReviewError("forbidden")
    if task.status not in OPEN:
        raise ReviewError("task_state")
    if today > task.deadline:
        raise ReviewError("task_deadline_passed")
    return task


async def extend(session: AsyncSession, kpi: KpiService, *, actor: Actor, task_id: int,
                 deadline: date, now: datetime, today: date) -> Changed:
    """A later deadline, given before the current one passes: meeting it is on time (not a
    delay, issue #24); old and new are in the task's history and the audit log."""
    task = await extendable(session, actor, task_id, today)
    check_deadline(deadline, today)
    if deadline <= task.deadline:
        raise ReviewError("task_not_later")
    old = task.deadline
    done = await session.execute(update(Task).where(
        Task.id == task.id, Task.version == task.version, Task.deadline == old)
        .values(deadline=deadline, version=Task.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("task_state")
    await session.refresh(task)
    session.add(TaskEvent(task_id=task.id, kind=TaskEventKind.EXTENDED.value, at=now,
                          by_id=actor.cadre_id, old_deadline=old, new_deadline=deadline))
    audit.record(session, at=now, action="extend_task_deadline", object_type="task",
                 object_id=task.id, actor_id=actor.cadre_id,
                 before={"deadline": old.isoformat()}, after={"deadline": deadline.isoformat()})
    cadre = await session.get(Cadre, task.cadre_id)
    await sync_figures(session, kpi, cadre, task.product_type_id, old, now)
    await sync_figures(session, kpi, cadre, task.product_type_id, deadline, now)
    return Changed(task, cadre, await session.get(ProductType, task.product_type_id),
                   _chat(cadre))


# ---------------------------------------------------------------- the period's figures

async def period_of(session: AsyncSession, kpi: KpiService, cadre: Cadre, day: date) -> Period:
    """The cadre's period (month or quarter of their unit) that `day` falls in."""
    kind = await period_type_of_unit(session, cadre.unit_id)
    return await period_rules.period_for_day(session, kind, day, kpi.calendar,
                                             kpi.policy.calendar)


async def tasks_in(session: AsyncSession, cadre_id: int, product_type_id: int,
                   period: Period) -> list[Task]:
    return list(await session.scalars(select(Task).where(
        Task.cadre_id == cadre_id, Task.product_type_id == product_type_id,
        Task.status.in_(COUNTED), Task.deadline >= period.starts_on,
        Task.deadline <= period.ends_on)))


async def tracked_products(session: AsyncSession, cadre_id: int, period: Period) -> set[int]:
    """The products tracked as tasks in this cadre's period: those with a task due in it
    (the others keep the typed counts, issue #24: "products counted rather than assigned")."""
    return set(await session.scalars(select(Task.product_type_id).where(
        Task.cadre_id == cadre_id, Task.status.in_(COUNTED),
        Task.deadline >= period.starts_on, Task.deadline <= period.ends_on).distinct()))


async def is_tracked(session: AsyncSession, cadre_id: int, product_type_id: int,
                     period_id: int) -> bool:
    """Is this product tracked as tasks in this period of the cadre (see `tracked_products`)?
    One statement; the entry steps of 📝 Báo cáo KPI read it with the entry instead
    (`KpiService.entry_for(tracked=True)`)."""
    return await session.scalar(
        select(Task.id).join(Period, and_(Period.id == period_id,
                                          Task.deadline >= Period.starts_on,
                                          Task.deadline <= Period.ends_on))
        .where(Task.cadre_id == cadre_id, Task.product_type_id == product_type_id,
               Task.status.in_(COUNTED)).limit(1)) is not None


async def sync_figures(session: AsyncSession, kpi: KpiService, cadre: Cadre,
                       product_type_id: int, day: date, now: datetime) -> TaskFigures | None:
    """Write the tasks' figures (`figures`) into the entry of the period `day` falls in,
    creating the entry when needed; nothing changes in a locked period (the board corrects
    those, audited). Every change is in the audit log."""
    period = await period_of(session, kpi, cadre, day)
    if period.status == PeriodStatus.LOCKED.value:
        return None
    result = figures(await tasks_in(session, cadre.id, product_type_id, period))
    entry = await session.scalar(select(Entry).where(
        Entry.cadre_id == cadre.id, Entry.period_id == period.id,
        Entry.product_type_id == product_type_id))
    if entry is None:
        entry = Entry(cadre_id=cadre.id, period_id=period.id, product_type_id=product_type_id,
                      status=EntryStatus.DRAFT.value, version=0, failed_reviews=0, delays=0,
                      adjusted=False, is_late=False, created_at=now)
        session.add(entry)
        await session.flush()
    values = {"quantity_done": float(result.done), "quantity_passed": float(result.done),
              "quantity_on_time": float(result.on_time),
              "failed_reviews": result.failed_reviews, "delays": result.delays}
    before = {name: getattr(entry, name) for name in values}
    if before != values:
        for name, value in values.items():
            setattr(entry, name, value)
        entry.updated_at = now
        audit.record(session, at=now, action="task_figures", object_type="entry",
                     object_id=entry.id, before=before, after=values, actor_label="tasks")
    return result


# ---------------------------------------------------------------- reminders

@dataclass(frozen=True)
class DueTask:
    task: Task
    cadre: Cadre
    days_left: int


async def open_with_deadline_near(session: AsyncSession, today: date,
                                  horizon: int = 30) -> list[DueTask]:
    """Open tasks (assigned or returned: the cadre still has to deliver) due within `horizon`
    days or overdue by at most as many, with their reachable cadre."""
    rows = (await session.execute(select(Task, Cadre).join(Cadre, Cadre.id == Task.cadre_id)
            .where(Task.status.in_((TaskStatus.ASSIGNED.value, TaskStatus.RETURNED.value)),
                   Task.deadline <= today + timedelta(days=horizon),
                   Task.deadline >= today - timedelta(days=horizon),
                   Cadre.active.is_(True), Cadre.reachable.is_(True),
                   Cadre.telegram_chat_id.is_not(None)))).all()
    return [DueTask(task, cadre, 0) for task, cadre in rows]
