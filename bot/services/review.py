"""Evaluators review submitted entries: who may, the inbox, exactly-one decisions (SPEC §4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.identity import Actor
from models import Cadre, Delegation, Entry, Period
from models.enums import EntryStatus, ExemptionStatus, PeriodStatus

RETURN_REASON_MAX = 500


def meaningful(reason: str | None) -> bool:
    """A reason someone can act on: words, not '.' or '?'."""
    return sum(ch.isalpha() for ch in reason or "") >= 2


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


def _reviewable(actor: Actor, delegators: list[int]):
    evaluators = [actor.cadre_id, *delegators]
    condition = Cadre.evaluator_id.in_(evaluators)
    if actor.is_board:  # board also reviews those who have no evaluator
        condition = or_(condition, Cadre.evaluator_id.is_(None))
    return and_(condition, Cadre.id != actor.cadre_id)  # never one's own report


async def inbox(session: AsyncSession, actor: Actor, today: date, page: int = 0,
                page_size: int = 8) -> tuple[list[InboxItem], int, int]:
    """Submitted entries grouped by cadre and period, oldest first: (items, groups, entries)."""
    delegators = await delegators_of(session, actor.cadre_id, today)
    base = (select(Entry.cadre_id, Entry.period_id, func.count().label("n"),
                   func.max(case((Entry.is_late.is_(True), 1), else_=0)).label("late"),
                   func.min(Entry.submitted_at).label("oldest"))
            .join(Cadre, Cadre.id == Entry.cadre_id)
            .where(Entry.status == EntryStatus.SUBMITTED.value, Cadre.active.is_(True),
                   _reviewable(actor, delegators))
            .group_by(Entry.cadre_id, Entry.period_id))
    grouped = base.subquery()
    groups = (await session.execute(
        select(func.count(), func.coalesce(func.sum(grouped.c.n), 0)).select_from(grouped))).one()
    rows = (await session.execute(base.order_by(func.min(Entry.submitted_at))
                                  .offset(page * page_size).limit(page_size))).all()
    cadres, periods = await _cadres_and_periods(session, [(r[0], r[1]) for r in rows])
    items = []
    for cadre_id, period_id, count, late, oldest in rows:
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
                 reason: str | None = None, adjusted: dict | None = None) -> list[Entry]:
    """Approve or return entries, each only if still at the version the button was made for.

    The UPDATE's WHERE clause is the guarantee: a second tap, device or evaluator finds
    no row at that version and gets ReviewError("already_decided").
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
        audit.record(session, at=now, action="approve" if approve else "return",
                     object_type="entry", object_id=entry.id, actor_id=actor.cadre_id,
                     before={"status": "submitted", "version": decision.version},
                     after={"status": values["status"], "reason": values["return_reason"],
                            "adjusted": adjusted, "on_behalf_of": authority.on_behalf_of})
        decided.append(entry)
    return decided


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
    """Cadre-periods whose entries are all approved and that are not rated yet."""
    from models import Evaluation

    delegators = await delegators_of(session, actor.cadre_id, today)
    rated = (select(Evaluation.id).where(Evaluation.cadre_id == Entry.cadre_id,
                                         Evaluation.period_id == Entry.period_id,
                                         Evaluation.status == "rated").exists())
    rows = (await session.execute(
        select(Entry.cadre_id, Entry.period_id)
        .join(Cadre, Cadre.id == Entry.cadre_id)
        .where(Cadre.active.is_(True), _reviewable(actor, delegators), ~rated)
        .group_by(Entry.cadre_id, Entry.period_id)
        .having(func.sum(case((Entry.status != EntryStatus.APPROVED.value, 1), else_=0)) == 0)
        .order_by(Entry.period_id, Entry.cadre_id).limit(limit))).all()
    cadres, periods = await _cadres_and_periods(session, [(c, p) for c, p in rows])
    return [(cadres[c], periods[p]) for c, p in rows]
