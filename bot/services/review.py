"""Evaluators review submitted entries (SPEC §4.4): who may, the inbox, one cadre's report,
exactly-one decisions (approve, return with a reason, approve with adjusted figures), the
objective-cause exemption, and what to tell the cadre.

The use cases (`open_inbox`, `open_report`, `open_entry`, `approve_entry`, `approve_report`,
`return_entries`, `settle_exemption`, `evidence_of`) re-authorise every tap, run inside the
caller's one transaction and return small results; the handler renders them and sends after
the commit (an `Outcome` says whom to tell what).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.services import audit
from bot.services import entry_rules as rules
from bot.services.entry_rules import Problem, meaningful
from bot.services.feedback import FeedbackItem
from bot.services.feedback import of_period as feedback_of_period
from bot.services.identity import Actor
from models import (
    Appeal,
    Cadre,
    Delegation,
    Entry,
    EntryAdjustment,
    Evaluation,
    Evidence,
    Leave,
    Period,
    ProductType,
    Task,
)
from models.enums import (
    AppealStatus,
    EntryStatus,
    ExemptionStatus,
    LeaveStatus,
    PeriodStatus,
    ProductKind,
    TaskStatus,
)
from models.kpi import UNRATED, WAITING

if TYPE_CHECKING:
    from bot.services.kpi import KpiService, Line, PeriodSheet
    from bot.services.scoring import PeriodScore

RETURN_REASON_MAX = 500

class ReviewError(Exception):
    def __init__(self, code: str, **info) -> None:
        super().__init__(code)
        self.code = code
        self.info = info


@dataclass(frozen=True)
class Authority:
    """On whose behalf the actor reviews this cadre (None = as themselves)."""

    on_behalf_of: int | None
    as_board: bool = False


async def delegators_of(session: AsyncSession, actor_id: int, today: date) -> list[int]:
    """Evaluators who have delegated their reviews to this actor, today (read once per
    session: the inbox and the list to rate both need it)."""
    key = ("delegators_of", actor_id, today)
    if key not in session.info:
        session.info[key] = list(await session.scalars(select(Delegation.delegator_id).where(
            Delegation.delegate_id == actor_id, Delegation.revoked_at.is_(None),
            Delegation.starts_on <= today, Delegation.ends_on >= today)))
    return session.info[key]


async def authority_over(session: AsyncSession, actor: Actor, cadre: Cadre,
                         today: date) -> Authority | None:
    """May `actor` review `cadre`? Re-checked on every tap. Nobody reviews their own
    report, whatever delegation or role they hold."""
    if cadre.id == actor.cadre_id:
        return None
    if cadre.evaluator_id == actor.cadre_id:
        return Authority(None)
    if cadre.evaluator_id is not None and cadre.evaluator_id in await delegators_of(
            session, actor.cadre_id, today):
        return Authority(cadre.evaluator_id)
    if actor.is_board:
        return Authority(None, as_board=True)
    return None


async def reviewable(session: AsyncSession, actor: Actor, cadre_id: int,
                     today: date) -> tuple[Cadre, Authority]:
    """The cadre, if `actor` may review them today; ReviewError otherwise (re-checked on
    every tap)."""
    cadre = await session.get(Cadre, cadre_id)
    if cadre is None or not cadre.active:
        raise ReviewError("not_found")
    authority = await authority_over(session, actor, cadre, today)
    if authority is None:
        raise ReviewError("forbidden")
    return cadre, authority


@dataclass
class InboxItem:
    cadre: Cadre
    period: Period
    count: int
    late: bool
    oldest: datetime
    on_behalf_of: int | None


def _reviewable(actor: Actor, delegators: list[int], locked=None):
    """`locked`: a condition true for a locked period's rows; the board, the only one who may
    still decide there (SPEC §4.4), also finds those reports in its inbox."""
    evaluators = [actor.cadre_id, *delegators]
    condition = Cadre.evaluator_id.in_(evaluators)
    if actor.is_board:  # board also reviews those who have no evaluator
        condition = or_(condition, Cadre.evaluator_id.is_(None))
        if locked is not None:
            condition = or_(condition, locked)
    return and_(condition, Cadre.id != actor.cadre_id)  # never one's own report


async def inbox(session: AsyncSession, actor: Actor, today: date, page: int = 0,
                page_size: int = 8) -> tuple[list[InboxItem], int, int]:
    """Submitted entries grouped by cadre and period, oldest first: (items, groups, entries).
    A locked period's undecided reports stay listed: the evaluator reads them (only the board
    decides once a period is locked), the board finds everyone's there."""
    delegators = await delegators_of(session, actor.cadre_id, today)
    base = (select(Entry.cadre_id, Entry.period_id, func.count().label("n"),
                   func.max(case((Entry.is_late.is_(True), 1), else_=0)).label("late"),
                   func.min(Entry.submitted_at).label("oldest"))
            .join(Cadre, Cadre.id == Entry.cadre_id))
    locked = None
    if actor.is_board:
        base = base.join(Period, Period.id == Entry.period_id)
        locked = Period.status == PeriodStatus.LOCKED.value
    base = (base.where(WAITING, Cadre.active.is_(True), _reviewable(actor, delegators, locked))
            .group_by(Entry.cadre_id, Entry.period_id))
    # the page and, by window functions over every group, the totals: one pass over the
    # waiting entries instead of two (this is read again after every approval)
    rows = (await session.execute(base.add_columns(
        func.count().over().label("groups"), func.sum(func.count()).over().label("total"))
        .order_by(func.min(Entry.submitted_at)).offset(page * page_size).limit(page_size)
    )).all()
    if rows:
        groups = (rows[0].groups, rows[0].total)
    elif page:  # a page past the end (the list shrank since): the totals on their own
        grouped = base.subquery()
        groups = (await session.execute(select(
            func.count(), func.coalesce(func.sum(grouped.c.n), 0)).select_from(grouped))).one()
    else:
        groups = (0, 0)
    cadres, periods = await _cadres_and_periods(session, [(r[0], r[1]) for r in rows])
    items = []
    for cadre_id, period_id, count, late, oldest, *_totals in rows:
        cadre = cadres[cadre_id]
        behalf = cadre.evaluator_id if cadre.evaluator_id in delegators else None
        items.append(InboxItem(cadre, periods[period_id], count, bool(late), oldest, behalf))
    return items, int(groups[0]), int(groups[1])


async def _cadres_and_periods(session: AsyncSession, pairs: list[tuple[int, int]]
                              ) -> tuple[dict[int, Cadre], dict[int, Period]]:
    """The cadres and periods of a page of (cadre id, period id) rows, in two queries."""
    if not pairs:
        return {}, {}
    cadres = await session.scalars(select(Cadre).where(Cadre.id.in_({c for c, _ in pairs})))
    periods = await session.scalars(select(Period).where(Period.id.in_({p for _, p in pairs})))
    return {c.id: c for c in cadres}, {p.id: p for p in periods}


@dataclass
class Decision:
    entry_id: int
    version: int


async def decide(session: AsyncSession, *, actor: Actor, authority: Authority,
                 decisions: list[Decision], approve: bool, now: datetime,
                 reason: str | None = None, adjusted: dict | None = None,
                 adjustments: tuple[Change, ...] = ()) -> list[Entry]:
    """Approve or return entries, each only if still at the version the button was made for.

    The UPDATE's WHERE clause is the guarantee: a second tap, device or evaluator finds
    no row at that version and gets ReviewError("already_decided").

    Approving one entry may carry the evaluator's figures (`adjusted`, the adj_* columns) and
    the changes with their reasons (`adjustments`, one entry_adjustments row and one audit
    record each). Returning keeps the figures of the version returned (`returned_figures`),
    for the review of the next one.
    """
    if not approve and not meaningful(reason):
        raise ReviewError("reason_required")
    if reason and len(reason) > RETURN_REASON_MAX:
        raise ReviewError("reason_too_long")
    decided = []
    for decision in decisions:
        entry = await session.get(Entry, decision.entry_id)
        if entry is None:
            raise ReviewError("not_found")
        period = await session.get(Period, entry.period_id)
        if period.status == PeriodStatus.LOCKED.value and not authority.as_board:
            raise ReviewError("locked")
        if approve and entry.exemption_status == ExemptionStatus.CLAIMED.value \
                and (entry.failed_reviews or entry.delays):
            raise ReviewError("exemption_pending", entry_id=entry.id)
        values = {
            "status": (EntryStatus.APPROVED if approve else EntryStatus.RETURNED).value,
            "decided_at": now, "decided_by_id": actor.cadre_id,
            "decided_for_id": authority.on_behalf_of, "decided_version": decision.version,
            "return_reason": None if approve else reason.strip(), "updated_at": now,
        }
        if approve and adjusted and len(decisions) == 1:
            values.update(adjusted=True, **{f"adj_{k}": v for k, v in adjusted.items()})
        if not approve:
            values["returned_figures"] = figures_snapshot(entry, now)
        result = await session.execute(
            update(Entry)
            .where(and_(Entry.id == decision.entry_id, Entry.version == decision.version,
                        Entry.status == EntryStatus.SUBMITTED.value))
            .values(**values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            await session.refresh(entry)
            raise ReviewError("already_decided", at=entry.decided_at, status=entry.status)
        await session.refresh(entry)
        if approve and adjusted and len(decisions) == 1:
            _record_adjustments(session, entry, adjustments, actor, authority, now)
        audit.record(session, at=now, action="approve" if approve else "return",
                     object_type="entry", object_id=entry.id, actor_id=actor.cadre_id,
                     before={"status": "submitted", "version": decision.version},
                     after={"status": values["status"], "reason": values["return_reason"],
                            "adjusted": adjusted, "on_behalf_of": authority.on_behalf_of})
        decided.append(entry)
    return decided


def _record_adjustments(session: AsyncSession, entry: Entry, adjustments: tuple[Change, ...],
                        actor: Actor, authority: Authority, now: datetime) -> None:
    for change in adjustments:
        session.add(EntryAdjustment(
            entry_id=entry.id, version=entry.version, figure=change.figure, old=change.old,
            new=change.new, reason=change.reason or "", by_id=actor.cadre_id,
            for_id=authority.on_behalf_of, at=now))
        audit.record(session, at=now, action="adjust", object_type="entry", object_id=entry.id,
                     actor_id=actor.cadre_id,
                     before={"figure": change.figure, "value": change.old,
                             "version": entry.version},
                     after={"figure": change.figure, "value": change.new,
                            "reason": change.reason, "on_behalf_of": authority.on_behalf_of})


async def decide_exemption(session: AsyncSession, *, actor: Actor, authority: Authority,
                           entry_id: int, version: int, accept: bool, now: datetime) -> Entry:
    """The evaluator accepts or refuses a cadre's objective-cause exemption (Decree 335
    Art. 14: errors "do nguyên nhân khách quan được cấp có thẩm quyền xác nhận" are not
    deducted), on the submitted version the button was made for."""
    entry = await session.get(Entry, entry_id)
    if entry is None:
        raise ReviewError("not_found")
    period = await session.get(Period, entry.period_id)
    if period.status == PeriodStatus.LOCKED.value and not authority.as_board:
        raise ReviewError("locked")
    if entry.status != EntryStatus.SUBMITTED.value or entry.version != version \
            or entry.exemption_status != ExemptionStatus.CLAIMED.value:
        raise ReviewError("already_decided", at=entry.decided_at)
    entry.exemption_status = (ExemptionStatus.ACCEPTED if accept
                              else ExemptionStatus.REFUSED).value
    entry.exemption_decided_by_id = actor.cadre_id
    entry.updated_at = now
    audit.record(session, at=now, action="exemption_" + ("accept" if accept else "refuse"),
                 object_type="entry", object_id=entry.id, actor_id=actor.cadre_id,
                 before={"exemption": "claimed"}, after={"exemption": entry.exemption_status,
                                                          "on_behalf_of": authority.on_behalf_of})
    return entry


async def submitted_entries(session: AsyncSession, cadre_id: int, period_id: int) -> list[Entry]:
    return list(await session.scalars(select(Entry).where(
        Entry.cadre_id == cadre_id, Entry.period_id == period_id,
        Entry.status == EntryStatus.SUBMITTED.value).order_by(Entry.product_type_id)))


async def to_rate(session: AsyncSession, actor: Actor, today: date,
                  limit: int = 8) -> list[tuple[Cadre, Period]]:
    """Cadre-periods whose entries are all approved and that are not rated yet.

    Read from the evaluations, not by grouping entries: an entry is approved only after it
    was sent, and sending needs the self-assessment, which is the period's evaluation row
    (`KpiService.submit`); so every period waiting for a rating has a row not yet rated. The
    evaluator of a province's first tier has ~12,000 periods' worth of people, nearly all
    rated: the partial index of the evaluations not rated yet skips those without reading
    them, and the index on entries (cadre, status, period) answers "all approved?"."""
    delegators = await delegators_of(session, actor.cadre_id, today)
    same_report = and_(Entry.cadre_id == Evaluation.cadre_id,
                       Entry.period_id == Evaluation.period_id)
    has_entries = select(Entry.id).where(same_report).exists()
    not_approved = select(Entry.id).where(
        same_report, Entry.status != EntryStatus.APPROVED.value).exists()
    rows = (await session.execute(
        select(Evaluation.cadre_id, Evaluation.period_id)
        .join(Cadre, Cadre.id == Evaluation.cadre_id)
        .where(Cadre.active.is_(True), _reviewable(actor, delegators),
               UNRATED, has_entries, ~not_approved)
        .order_by(Evaluation.period_id, Evaluation.cadre_id).limit(limit))).all()
    cadres, periods = await _cadres_and_periods(session, [(c, p) for c, p in rows])
    return [(cadres[c], periods[p]) for c, p in rows]


# ---------------------------------------------------------------- the use cases of ✅ Phê duyệt

def signature(entries: list[Entry]) -> str:
    """A short fingerprint of a report's submitted entries at their versions: "approve all"
    acts only on the report as it was shown (a resubmitted product changes it)."""
    raw = ",".join(f"{e.id}.{e.version}" for e in sorted(entries, key=lambda e: e.id))
    return hashlib.sha256(raw.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Inbox:
    """The evaluator's approvals: one page of reports waiting, and the periods to rate."""

    items: list[InboxItem]
    groups: int  # reports waiting, all pages
    entries: int  # their products
    page: int
    page_size: int
    to_rate: list[tuple[Cadre, Period]]
    year: int  # the annual rating to open from here
    leaves: int = 0  # declared leaves waiting for this evaluator's confirmation
    appeals: int = 0  # kiến nghị waiting for this person's answer (bot.services.appeals)
    # what this person can do from here (issue #22 item 11: offer only that): delegate their
    # reviews (they evaluate someone), propose annual ratings (they evaluate someone, or hold
    # a delegation), close the agencies' annual lists (board)
    may_delegate: bool = True
    rates_people: bool = True
    board: bool = False
    tasks_waiting: int = 0  # delivered tasks waiting for this person's acceptance (📋)
    assigns: bool = False  # may assign tasks (evaluates someone, a delegate, or the board)

    @property
    def more(self) -> bool:
        return (self.page + 1) * self.page_size < self.groups


async def open_inbox(session: AsyncSession, actor: Actor, today: date, page: int = 0) -> Inbox:
    page = max(page, 0)
    items, groups, entries = await inbox(session, actor, today, page)
    delegated = bool(await delegators_of(session, actor.cadre_id, today))
    leaves, appeals = await leaves_and_appeals_waiting(session, actor, today)
    return Inbox(items, groups, entries, page, 8, await to_rate(session, actor, today),
                 today.year, leaves, appeals,
                 may_delegate=actor.evaluates, rates_people=actor.evaluates or delegated,
                 board=actor.is_board,
                 tasks_waiting=await tasks_waiting(session, actor, today),
                 assigns=actor.evaluates or delegated or actor.is_board)


async def task_authority_condition(session: AsyncSession, actor: Actor, today: date):
    """"A task this actor may accept, return or extend" (bot.services.tasks): its accepting
    authority is the actor or someone who delegated their reviews to them today; the board
    any; never the actor's own."""
    authorities = [actor.cadre_id, *await delegators_of(session, actor.cadre_id, today)]
    condition = Task.authority_id.in_(authorities)
    if actor.is_board:
        condition = or_(condition, Task.id.is_not(None))
    return and_(condition, Task.cadre_id != actor.cadre_id)


async def tasks_waiting(session: AsyncSession, actor: Actor, today: date) -> int:
    """Delivered tasks waiting for this actor's acceptance (the inbox's 📋 row)."""
    if not actor.is_supervisor and not actor.evaluates:
        return 0
    return int(await session.scalar(select(func.count(Task.id)).where(
        Task.status == TaskStatus.DELIVERED.value,
        await task_authority_condition(session, actor, today))) or 0)


async def leaves_and_appeals_waiting(session: AsyncSession, actor: Actor,
                                     today: date) -> tuple[int, int]:
    """The inbox's 🏖 and 📨 rows: declared leaves waiting for this actor's confirmation and
    kiến nghị waiting for their answer (bot.services.appeals), in one statement (the inbox
    follows every decision)."""
    if not actor.is_supervisor:
        return 0, 0
    leaves = select(func.count(Leave.id)).join(Cadre, Cadre.id == Leave.cadre_id).where(
        await leave_waiting_condition(session, actor, today)).scalar_subquery()
    appeals = select(func.count(Appeal.id)).where(
        await answerable_condition(session, actor, today)).scalar_subquery()
    found = (await session.execute(select(leaves, appeals))).one()
    return int(found[0] or 0), int(found[1] or 0)


async def answerable_condition(session: AsyncSession, actor: Actor, today: date):
    """"An open kiến nghị this actor must answer" (bot.services.appeals): addressed to them or
    to an evaluator who delegated to them today; those without a handler for the board; never
    one's own."""
    delegators = await delegators_of(session, actor.cadre_id, today)
    mine = Appeal.handler_id.in_([actor.cadre_id, *delegators])
    whose = or_(mine, Appeal.handler_id.is_(None)) if actor.is_board else mine
    return and_(Appeal.status == AppealStatus.OPEN.value, Appeal.cadre_id != actor.cadre_id,
                whose)


async def leave_waiting_condition(session: AsyncSession, actor: Actor, today: date):
    """"A declared leave this actor may confirm" (bot.services.leave): of the cadres they
    evaluate or review as a delegate today; the board also those who have no evaluator;
    never one's own."""
    delegators = await delegators_of(session, actor.cadre_id, today)
    return and_(Leave.status == LeaveStatus.PENDING.value, Cadre.active.is_(True),
                _reviewable(actor, delegators))


async def leaves_waiting(session: AsyncSession, actor: Actor, today: date) -> int:
    """How many declared leaves wait for this actor's confirmation (the inbox's 🏖 row)."""
    if not actor.is_supervisor:
        return 0
    return int(await session.scalar(select(func.count(Leave.id)).join(
        Cadre, Cadre.id == Leave.cadre_id).where(
        await leave_waiting_condition(session, actor, today))) or 0)


@dataclass(frozen=True)
class Report:
    """One cadre's period as the evaluator reviews it."""

    sheet: PeriodSheet
    authority: Authority
    evidence: dict[int, int]  # entry id → evidence items (entries with none left out)
    links: dict[int, int] = field(default_factory=dict)  # of which links (the rest: files)
    # the people's feedback about the person or their unit received in the period (#24)
    feedback: tuple[FeedbackItem, ...] = ()

    @property
    def cadre(self) -> Cadre:
        return self.sheet.cadre

    @property
    def period(self) -> Period:
        return self.sheet.period

    @property
    def submitted(self) -> list[Line]:
        return [line for line in self.sheet.lines if line.entry.status == EntryStatus.SUBMITTED]

    @property
    def read_only(self) -> bool:
        """A locked period: the evaluator still reads the report (it does not vanish from
        ✅ Phê duyệt), only the board decides (SPEC §4.4, audited like every decision)."""
        return self.period.status == PeriodStatus.LOCKED.value and not self.authority.as_board

    @property
    def sig(self) -> str:
        """The fingerprint "approve all" and "return all" carry (see `signature`)."""
        return signature([line.entry for line in self.submitted])


async def _period(session: AsyncSession, period_id: int) -> Period:
    period = await session.get(Period, period_id)
    if period is None:
        raise ReviewError("not_found")
    return period


async def _report(session: AsyncSession, kpi: KpiService, cadre: Cadre, period: Period,
                  authority: Authority) -> Report:
    sheet = await kpi.sheet(session, cadre, period, create=False)
    submitted = [line.entry.id for line in sheet.lines
                 if line.entry.status == EntryStatus.SUBMITTED]
    evidence, links = await kpi.evidence_tally(session, submitted)
    return Report(sheet, authority, evidence, links,
                  tuple(await feedback_of_period(session, cadre, period)))


async def report_of(session: AsyncSession, actor: Actor, today: date, cadre_id: int,
                    period_id: int) -> tuple[Cadre, Period]:
    """The cadre and period of a report the actor may review (re-authorised)."""
    cadre, _authority = await reviewable(session, actor, cadre_id, today)
    return cadre, await _period(session, period_id)


async def open_report(session: AsyncSession, kpi: KpiService, actor: Actor, today: date,
                      cadre_id: int, period_id: int) -> Report:
    cadre, authority = await reviewable(session, actor, cadre_id, today)
    return await _report(session, kpi, cadre, await _period(session, period_id), authority)


@dataclass(frozen=True)
class EntryView:
    """One submitted product, with the buttons' version."""

    cadre: Cadre
    period: Period
    line: Line


async def open_entry(session: AsyncSession, kpi: KpiService, actor: Actor, today: date,
                     entry_id: int) -> EntryView:
    entry = await session.get(Entry, entry_id)
    if entry is None:
        raise ReviewError("not_found")
    cadre, _authority = await reviewable(session, actor, entry.cadre_id, today)
    if entry.status != EntryStatus.SUBMITTED:
        raise ReviewError("already_decided", at=entry.decided_at)
    line = await kpi.entry_for(session, cadre.id, entry.id, for_edit=False)
    return EntryView(cadre, await _period(session, entry.period_id), line)


async def submitted_entry(session: AsyncSession, actor: Actor, today: date, entry_id: int,
                          version: int) -> tuple[Entry, bool]:
    """The entry a button was made for, still submitted at that version, and reviewable;
    and whether its product is a rate (one figure: the percentage achieved)."""
    entry = await session.get(Entry, entry_id)
    if entry is None:
        raise ReviewError("not_found")
    await reviewable(session, actor, entry.cadre_id, today)
    if entry.status != EntryStatus.SUBMITTED or entry.version != version:
        raise ReviewError("already_decided", at=entry.decided_at)
    product = await session.get(ProductType, entry.product_type_id)
    return entry, product.kind == ProductKind.RATE


async def report_decisions(session: AsyncSession, actor: Actor, today: date, cadre_id: int,
                           period_id: int, sig: str) -> list[Decision]:
    """The report's submitted entries at the versions its screen showed (`sig`)."""
    await reviewable(session, actor, cadre_id, today)
    entries = await submitted_entries(session, cadre_id, period_id)
    if not entries:
        decided = await session.scalar(
            select(func.max(Entry.decided_at))
            .where(Entry.cadre_id == cadre_id, Entry.period_id == period_id))
        raise ReviewError("already_decided", at=decided)
    if signature(entries) != sig:
        raise ReviewError("changed")
    return [Decision(e.id, e.version) for e in entries]


# ---------------------------------------------------------------- adjusting a product

# The figures an evaluator may adjust before approving (SPEC §4.4: "approve with adjusted
# figures (the original figures are kept)"), one at a time, each with a reason the cadre
# reads, confirmed before anything is stored; offered in this order. A typed value passes the
# rules of the cadre's own entry (bot/services/entry_rules.py, the step of the same name). A
# rate product has one figure, the percentage achieved; the others follow from it. Read per
# item (Decree 335 Art. 14, LAW L3) the on-time count is not scored, so it is not offered.
@dataclass(frozen=True)
class AdjustStep:
    name: str  # the figure; also the cadre's entry step whose rules check it
    reported: str  # the cadre's figure: an Entry attribute (adj_<reported>: the adjusted one)
    question: str  # msgid; {value}: the figure as it stands
    readings: tuple[str, ...] = ("per_item", "per_type")  # deduction readings that offer it
    count: bool = False  # a whole count of at most 99 (errors, delays), not a quantity


ADJUST_STEPS = (
    AdjustStep("done", "quantity_done",
               N_("✏️ Type the adjusted quantity done (the figure now: {value}):")),
    AdjustStep("passed", "quantity_passed",
               N_("✏️ Type the adjusted number that met the quality requirements (the figure "
                  "now: {value}):")),
    AdjustStep("on_time", "quantity_on_time",
               N_("✏️ Type the adjusted number completed on time (the figure now: {value}):"),
               readings=("per_type",)),
    AdjustStep("failed", "failed_reviews",
               N_("✏️ Type the adjusted number of major content errors (the figure now: "
                  "{value}):"), count=True),
    AdjustStep("delays", "delays",
               N_("✏️ Type the adjusted number of delays (the figure now: {value}):"),
               count=True),
)
RATE_QUESTION = N_("✏️ Type the adjusted percentage achieved (the figure now: {value}%):")
ADJUST_FIELDS = {step.name: step.reported for step in ADJUST_STEPS}


def adjust_step(name: str) -> AdjustStep | None:
    return next((step for step in ADJUST_STEPS if step.name == name), None)


def adjust_steps(reading: str, rate: bool) -> tuple[AdjustStep, ...]:
    """The figures offered for adjustment: a rate product's percentage, or the counted
    product's figures that the province's reading of the deductions scores."""
    if rate:
        return ADJUST_STEPS[:1]
    return tuple(step for step in ADJUST_STEPS if reading in step.readings)


def reported(entry: Entry, step: AdjustStep) -> float | None:
    """The cadre's figure (the counts of errors and delays are 0 when not given)."""
    value = getattr(entry, step.reported)
    return (value or 0) if step.count else value


def adjusted_values(entry: Entry, changes: dict, rate: bool) -> dict[str, float | None]:
    """Every figure with the evaluator's changes (`changes`: figure → [value, reason]). A rate
    product's figures all follow the percentage; a number that met the quality requirements
    (or on time) above the adjusted quantity done comes down to it."""
    values = {step.name: reported(entry, step) for step in ADJUST_STEPS}
    values.update({name: change[0] for name, change in changes.items() if name in values})
    if rate:
        values.update(passed=values["done"], on_time=values["done"], failed=0, delays=0)
        return values
    for name in ("passed", "on_time"):
        if values[name] is not None and values["done"] is not None \
                and values[name] > values["done"]:
            values[name] = values["done"]
    return values


def adjusted_fields(values: dict) -> dict:
    """The entry's adj_* figures to store, from `adjusted_values` (keys without "adj_")."""
    return {"quantity_done": values["done"], "quantity_passed": values["passed"],
            "quantity_on_time": values["on_time"], "failed_reviews": int(values["failed"] or 0),
            "delays": int(values["delays"] or 0)}


def check_adjusted(step: AdjustStep, value: float, entry: Entry, changes: dict, kind: str,
                   rate: bool) -> Problem | None:
    """A typed adjusted figure, by the cadre's rules (entry_rules.check_figure: not negative,
    a percentage up to 100, a whole count up to 99, not more than the quantity done); and it
    must change something: the figure as it stands is refused ("unchanged")."""
    others = adjusted_values(entry, {k: v for k, v in changes.items() if k != step.name}, rate)
    done = None if step.name == "done" else others["done"]
    if problem := rules.check_figure(step.name, kind, value, done):
        return problem
    current = adjusted_values(entry, changes, rate)[step.name]
    if current is not None and value == current:
        return Problem("unchanged", {"value": value})
    return None


def check_adjust_reason(text: str) -> str | None:
    """The reason of an adjustment, which the cadre reads: words, not too long (a ReviewError
    code, or None)."""
    if not meaningful(text):
        return "adjust_reason_required"
    if len(text) > RETURN_REASON_MAX:
        return "reason_too_long"
    return None


@dataclass(frozen=True)
class Change:
    """One figure the evaluator changed (`figure` is an ADJUST_STEPS name): the cadre's
    figure, the evaluator's, why, by whom (a name), when."""

    figure: str
    old: float | None
    new: float
    reason: str | None = None
    by: str | None = None
    at: datetime | None = None


def pending_changes(entry: Entry, changes: dict, reading: str, rate: bool
                    ) -> tuple[Change, ...]:
    """The figures that approving now would change, in the order offered, each with its
    reason (one that comes down with the quantity done takes the reason of that change)."""
    values = adjusted_values(entry, changes, rate)
    found = []
    for step in adjust_steps(reading, rate):
        old, new = reported(entry, step), values[step.name]
        if new is not None and new != old:
            own = changes.get(step.name) or changes.get("done") or [None, None]
            found.append(Change(step.name, old, new, own[1]))
    return tuple(found)


def figures_snapshot(entry: Entry, now: datetime) -> dict:
    """The figures of the version being returned, kept for the review of the next one."""
    return {"version": entry.version, "at": now.isoformat(),
            **{step.name: getattr(entry, step.reported) for step in ADJUST_STEPS}}


@dataclass(frozen=True)
class Resubmission:
    """A product sent again after it was returned: why it was returned, when, and the figures
    the cadre changed since (old: as returned, new: as sent now)."""

    reason: str
    at: datetime | None
    changes: tuple[Change, ...]


def resubmission(entry: Entry, reading: str, rate: bool) -> Resubmission | None:
    before = entry.returned_figures
    if (entry.status != EntryStatus.SUBMITTED or not before or not entry.return_reason
            or before.get("version", 0) >= entry.version):
        return None
    changes = []
    for step in adjust_steps(reading, rate):
        old = before.get(step.name)
        old = (old or 0) if step.count else old
        new = reported(entry, step)
        if new is not None and new != old:
            changes.append(Change(step.name, old, new))
    at = datetime.fromisoformat(before["at"]) if before.get("at") else None
    return Resubmission(entry.return_reason, at, tuple(changes))


async def adjustments_of(session: AsyncSession, entries: list[Entry]
                         ) -> dict[int, tuple[Change, ...]]:
    """The evaluator's changes of each adjusted entry at the version approved, with reason,
    name and time (an entry adjusted before reasons were kept: from its figures, by the
    person who approved it). Two queries."""
    adjusted = [e for e in entries if e.adjusted]
    if not adjusted:
        return {}
    rows = list(await session.scalars(
        select(EntryAdjustment).where(EntryAdjustment.entry_id.in_([e.id for e in adjusted]))
        .order_by(EntryAdjustment.id)))
    people = ({e.decided_by_id for e in adjusted} | {r.by_id for r in rows}) - {None}
    names = dict((await session.execute(
        select(Cadre.id, Cadre.full_name).where(Cadre.id.in_(people)))).all())
    order = {step.name: index for index, step in enumerate(ADJUST_STEPS)}
    found = {}
    for entry in adjusted:
        latest = {}
        for row in rows:
            if row.entry_id == entry.id and row.version == entry.decided_version:
                latest[row.figure] = Change(row.figure, row.old, row.new, row.reason,
                                            names.get(row.by_id), row.at)
        if not latest:
            for step in ADJUST_STEPS:
                old, new = reported(entry, step), getattr(entry, "adj_" + step.reported)
                if new is not None and new != old:
                    latest[step.name] = Change(step.name, old, new, None,
                                               names.get(entry.decided_by_id), entry.decided_at)
        found[entry.id] = tuple(sorted(latest.values(), key=lambda c: order[c.figure]))
    return found


@dataclass(frozen=True)
class Decided:
    product: str
    changes: tuple[Change, ...]  # adjusted figures, none for a return
    kind: str = ProductKind.COUNT.value


@dataclass(frozen=True)
class CadreNotice:
    """What to tell the cadre, after the commit."""

    chat_id: int
    by: str
    on_behalf_of: str | None
    period: Period
    approved: bool
    products: tuple[Decided, ...]
    reason: str | None
    score: PeriodScore | None  # after an approval


@dataclass(frozen=True)
class Outcome:
    """A decision taken: how many products, for whom; what to tell the cadre (None when they
    cannot be reached); and what the evaluator sees next (the report if some of it still
    waits, else the inbox)."""

    cadre: Cadre
    approved: bool
    count: int
    notice: CadreNotice | None
    next: Report | Inbox


async def _settle(session: AsyncSession, kpi: KpiService, *, actor: Actor, today: date,
                  now: datetime, cadre_id: int, period_id: int, decisions: list[Decision],
                  approve: bool, reason: str | None = None, adjusted: dict | None = None,
                  adjustments: tuple[Change, ...] = ()) -> Outcome:
    cadre, authority = await reviewable(session, actor, cadre_id, today)
    period = await _period(session, period_id)
    ids = [d.entry_id for d in decisions]
    found = {e.id: e for e in await session.scalars(select(Entry).where(Entry.id.in_(ids)))}
    if any(e.cadre_id != cadre.id or e.period_id != period.id for e in found.values()):
        raise ReviewError("not_found")  # every entry decided is this report's
    done = await decide(session, actor=actor, authority=authority, decisions=decisions,
                        approve=approve, now=now, reason=reason, adjusted=adjusted,
                        adjustments=adjustments)
    report = await _report(session, kpi, cadre, period, authority)
    notice = None
    if cadre.telegram_chat_id and cadre.reachable:
        lines = {line.entry.id: line for line in report.sheet.lines}
        products = {p.id: p for p in await session.scalars(select(ProductType).where(
            ProductType.id.in_({e.product_type_id for e in done if e.id not in lines})))
        } if any(e.id not in lines for e in done) else {}
        decided = []
        for entry in done:
            product = lines[entry.id].product if entry.id in lines \
                else products[entry.product_type_id]
            decided.append(Decided(product.name, adjustments if approve and adjusted else (),
                                   product.kind))
        behalf = await session.get(Cadre, authority.on_behalf_of) if authority.on_behalf_of \
            else None
        notice = CadreNotice(cadre.telegram_chat_id, actor.full_name,
                             behalf.full_name if behalf else None, period, approve,
                             tuple(decided), None if approve else reason.strip(),
                             report.sheet.score if approve else None)
    following = report if report.submitted else await open_inbox(session, actor, today)
    return Outcome(cadre, approve, len(done), notice, following)


async def approve_entry(session: AsyncSession, kpi: KpiService, *, actor: Actor, today: date,
                        now: datetime, entry_id: int, version: int,
                        adjusted: dict | None = None,
                        adjustments: tuple[Change, ...] = ()) -> Outcome:
    """Approve one product at the version its button was made for (with `adjusted`, the
    evaluator's figures and `adjustments` the changes with their reasons; the cadre's
    figures stay as they were)."""
    entry = await session.get(Entry, entry_id)
    if entry is None:
        raise ReviewError("not_found")
    return await _settle(session, kpi, actor=actor, today=today, now=now,
                         cadre_id=entry.cadre_id, period_id=entry.period_id,
                         decisions=[Decision(entry_id, version)], approve=True,
                         adjusted=adjusted, adjustments=adjustments)


async def approve_report(session: AsyncSession, kpi: KpiService, *, actor: Actor, today: date,
                         now: datetime, cadre_id: int, period_id: int, sig: str) -> Outcome:
    """Approve every product of the report as it was shown (`sig`)."""
    decisions = await report_decisions(session, actor, today, cadre_id, period_id, sig)
    return await _settle(session, kpi, actor=actor, today=today, now=now, cadre_id=cadre_id,
                         period_id=period_id, decisions=decisions, approve=True)


async def return_entries(session: AsyncSession, kpi: KpiService, *, actor: Actor, today: date,
                         now: datetime, cadre_id: int, period_id: int,
                         decisions: list[Decision], reason: str) -> Outcome:
    """Return products to the cadre with a reason they can act on."""
    return await _settle(session, kpi, actor=actor, today=today, now=now, cadre_id=cadre_id,
                         period_id=period_id, decisions=decisions, approve=False,
                         reason=reason)


async def settle_exemption(session: AsyncSession, kpi: KpiService, *, actor: Actor,
                           today: date, now: datetime, entry_id: int, version: int,
                           accept: bool) -> Report:
    """Accept or refuse a product's objective-cause exemption; the report as it now is."""
    entry = await session.get(Entry, entry_id)
    if entry is None:
        raise ReviewError("not_found")
    cadre, authority = await reviewable(session, actor, entry.cadre_id, today)
    await decide_exemption(session, actor=actor, authority=authority, entry_id=entry_id,
                           version=version, accept=accept, now=now)
    return await _report(session, kpi, cadre, await _period(session, entry.period_id),
                         authority)


@dataclass(frozen=True)
class EvidenceItem:
    kind: str  # photo | document | link
    file_id: str | None
    url: str | None


async def evidence_of(session: AsyncSession, actor: Actor, today: date, cadre_id: int,
                      period_id: int) -> list[EvidenceItem]:
    """The evidence attached to a report, oldest first (ReviewError when there is none)."""
    await reviewable(session, actor, cadre_id, today)
    rows = (await session.execute(
        select(Evidence.kind, Evidence.file_id, Evidence.url)
        .join(Entry, Entry.id == Evidence.entry_id)
        .where(Entry.cadre_id == cadre_id, Entry.period_id == period_id)
        .order_by(Evidence.id))).all()
    if not rows:
        raise ReviewError("no_evidence")
    return [EvidenceItem(*row) for row in rows]


@dataclass(frozen=True)
class Adjusting:
    """One submitted product being adjusted: its line, the figures offered, and what
    approving now would change (with the reasons typed)."""

    cadre: Cadre
    period: Period
    line: Line
    rate: bool
    reading: str  # the province's reading of the deductions (which figures are offered)
    steps: tuple[AdjustStep, ...]
    changes: tuple[Change, ...]
    values: dict  # every figure with the changes (adjusted_values)


async def adjusting(session: AsyncSession, kpi: KpiService, actor: Actor, today: date,
                    entry_id: int, version: int, changes: dict) -> Adjusting:
    """The adjust screen of a product still submitted at `version`, re-authorised."""
    entry, rate = await submitted_entry(session, actor, today, entry_id, version)
    cadre = await session.get(Cadre, entry.cadre_id)
    line = await kpi.entry_for(session, cadre.id, entry.id, for_edit=False)
    reading = kpi.policy.scoring.deduction_reading
    return Adjusting(cadre, await _period(session, entry.period_id), line, rate, reading,
                     adjust_steps(reading, rate),
                     pending_changes(entry, changes, reading, rate),
                     adjusted_values(entry, changes, rate))


async def approve_adjusted(session: AsyncSession, kpi: KpiService, *, actor: Actor, today: date,
                           now: datetime, entry_id: int, version: int,
                           changes: dict) -> Outcome:
    """Approve one product with the figures the evaluator adjusted, each with its reason
    (`changes`: figure → [value, reason], as the adjust flow kept them), after the evaluator
    confirmed them. One decision, on the version the flow was started for."""
    view = await adjusting(session, kpi, actor, today, entry_id, version, changes)
    kind = view.line.product.kind
    names = {step.name for step in view.steps}
    for name, change in changes.items():
        if name not in names or not isinstance(change, list | tuple) or len(change) != 2 \
                or check_adjust_reason(str(change[1])) \
                or rules.check_figure(name, kind, change[0], None if name == "done"
                                      else view.values["done"]):
            raise ReviewError("not_found")
    if not view.changes:
        raise ReviewError("nothing_adjusted")
    return await approve_entry(session, kpi, actor=actor, today=today, now=now,
                               entry_id=entry_id, version=version,
                               adjusted=adjusted_fields(view.values), adjustments=view.changes)
