"""Kiến nghị: a cadre disagrees with an evaluation (issue #24 §4).

Source: Bắc Ninh's resolution on commune cadres asks for "cơ chế tiếp nhận, xử lý thông tin
phản ánh"; the numbers (how long after the announcement one may be sent, how long the answer
may take) are the province's choice: `Policy.appeals`, in working days.

What may be appealed: an evaluation once it is announced — a month's or quarter's rating
(announced when the evaluator rates it) or the annual quality rating (announced when the
agency's list is closed). The window counts from the local date of `Evaluation.rated_at`.
One kiến nghị per evaluation: its answer is final at this level (a further complaint goes
through the ordinary complaint procedure, outside the bot).

Who answers: the evaluator's own evaluator ("cấp trên của người đánh giá"); the Organization
Board where there is none (the evaluator has no evaluator, is inactive, or the cadre has no
evaluator). A delegate of the handler (bot.services.delegation) may answer for them. Never
the cadre who sent it.

The answer: "giữ nguyên" (kept) or "thay đổi" (changed), always with a reason. A change goes
through the normal rules and the audit log:
- a month or quarter: the handler scores the general criteria anew and the period is rated
  again by bot.services.rating (the band is the one the points correspond to, a discipline
  still forces "Không hoàn thành", a locked period can be changed only by the board);
- the annual rating: the band is changed on the closed list by
  AnnualService.change_closed_band (the "xuất sắc" cap of the agency and duty group, the
  leader rule and a discipline still apply; the planning flags follow the new band).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import DEFAULT_TZ as LOCAL_TZ
from bot.policy import Policy
from bot.services import audit
from bot.services.calendar import WorkCalendar
from bot.services.entry_rules import meaningful
from bot.services.identity import Actor
from bot.services.rating import RatingService
from bot.services.review import (
    Authority,
    ReviewError,
    answerable_condition,
    delegators_of,
)
from models import Appeal, Cadre, Evaluation, Period, RoleGrant
from models.enums import AppealOutcome, AppealStatus, Band, PeriodType, Role

REASON_MAX = 1000
ANSWER_MAX = 500


# ---------------------------------------------------------------- the window (pure)

def announced_on(evaluation: Evaluation) -> date | None:
    """The local day an evaluation was announced (rated, or the annual list closed)."""
    if evaluation.status != "rated" or evaluation.rated_at is None:
        return None
    return evaluation.rated_at.astimezone(LOCAL_TZ).date()


def window_closes(evaluation: Evaluation, policy: Policy, calendar: WorkCalendar) -> date | None:
    """The last day a kiến nghị may be sent: N working days after the announcement."""
    day = announced_on(evaluation)
    if day is None:
        return None
    return calendar.add_working_days(day, policy.appeals.window_working_days)


def due_on(sent: date, policy: Policy, calendar: WorkCalendar) -> date:
    return calendar.add_working_days(sent, policy.appeals.answer_working_days)


def is_year(period: Period) -> bool:
    return period.kind == PeriodType.YEAR.value


# ---------------------------------------------------------------- the cadre

@dataclass(frozen=True)
class Subject:
    """An announced evaluation of the cadre's that a kiến nghị may still be sent about."""

    evaluation: Evaluation
    period: Period
    closes_on: date


# built once, with bound parameters: 📊 Kết quả asks both on every opening, and building a
# statement costs more than running it
_APPEALABLE = (
    select(Evaluation, Period).join(Period, Period.id == Evaluation.period_id)
    .outerjoin(Appeal, Appeal.evaluation_id == Evaluation.id)
    .where(Evaluation.cadre_id == bindparam("cadre_id"), Evaluation.status == "rated",
           Evaluation.band.is_not(None), Evaluation.rated_at.is_not(None),
           Evaluation.rated_at >= bindparam("since", type_=Evaluation.rated_at.type),
           Appeal.id.is_(None))
    .order_by(Evaluation.rated_at.desc()))
_HAS_ANY = select(Appeal.id).where(Appeal.cadre_id == bindparam("cadre_id")).limit(1)


async def appealable(session: AsyncSession, cadre_id: int, today: date, policy: Policy,
                     calendar: WorkCalendar) -> list[Subject]:
    """The cadre's evaluations whose window is open today and that have no kiến nghị yet,
    the latest announced first (one query)."""
    if not policy.appeals.enabled:
        return []
    # the window is at most a few weeks: only the evaluations rated since then are read
    since = calendar.add_working_days(today, -policy.appeals.window_working_days - 1)
    rows = (await session.execute(_APPEALABLE, {
        "cadre_id": cadre_id,
        "since": datetime.combine(since, datetime.min.time(), LOCAL_TZ)})).all()
    found = []
    for evaluation, period in rows:
        closes = window_closes(evaluation, policy, calendar)
        if closes is not None and today <= closes:
            found.append(Subject(evaluation, period, closes))
    return found


async def subject_for(session: AsyncSession, actor: Actor, evaluation_id: int, today: date,
                      policy: Policy, calendar: WorkCalendar) -> Subject:
    """The caller's own evaluation, if a kiến nghị may be sent about it now (re-checked on
    every tap and at sending): refused politely once the window has closed."""
    evaluation = await session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.cadre_id != actor.cadre_id:
        raise ReviewError("not_found")
    if await session.scalar(select(Appeal.id).where(Appeal.evaluation_id == evaluation.id)):
        raise ReviewError("appeal_exists")
    closes = window_closes(evaluation, policy, calendar)
    if not policy.appeals.enabled or closes is None or today > closes:
        raise ReviewError("appeal_window_closed", closes=closes)
    return Subject(evaluation, await session.get(Period, evaluation.period_id), closes)


async def handler_of(session: AsyncSession, cadre: Cadre) -> Cadre | None:
    """Who must answer: the evaluator's own evaluator, active; None = the board."""
    evaluator = await session.get(Cadre, cadre.evaluator_id) if cadre.evaluator_id else None
    if evaluator is None or evaluator.evaluator_id is None:
        return None
    boss = await session.get(Cadre, evaluator.evaluator_id)
    if boss is None or not boss.active or boss.id == cadre.id:
        return None
    return boss


async def handler_for(session: AsyncSession, cadre_id: int) -> Cadre | None:
    cadre = await session.get(Cadre, cadre_id)
    return await handler_of(session, cadre) if cadre is not None else None


async def board_chats(session: AsyncSession) -> list[int]:
    """The reachable board members' chats (told of a kiến nghị the board must answer)."""
    return list(await session.scalars(
        select(Cadre.telegram_chat_id).join(RoleGrant, RoleGrant.cadre_id == Cadre.id)
        .where(RoleGrant.role == Role.BOARD.value, Cadre.active.is_(True),
               Cadre.reachable.is_(True), Cadre.telegram_chat_id.is_not(None))))


@dataclass(frozen=True)
class Sent:
    appeal: Appeal
    period: Period
    cadre: Cadre
    handler: Cadre | None  # None: the board answers
    tell: list[int]  # chats told after the commit


def clean(text: str | None) -> str:
    return (text or "").strip()


async def send(session: AsyncSession, *, actor: Actor, evaluation_id: int, reason: str,
               file_id: str | None, file_kind: str | None, now: datetime, today: date,
               policy: Policy, calendar: WorkCalendar) -> Sent:
    """Send the kiến nghị (exactly one per evaluation: the unique row refuses a second)."""
    subject = await subject_for(session, actor, evaluation_id, today, policy, calendar)
    if not meaningful(reason):
        raise ReviewError("reason_required")
    if len(clean(reason)) > REASON_MAX:
        raise ReviewError("reason_too_long")
    cadre = await session.get(Cadre, actor.cadre_id)
    handler = await handler_of(session, cadre)
    evaluation = subject.evaluation
    appeal = Appeal(cadre_id=cadre.id, evaluation_id=evaluation.id, reason=clean(reason),
                    file_id=file_id, file_kind=file_kind if file_id else None, sent_at=now,
                    handler_id=handler.id if handler else None,
                    due_on=due_on(today, policy, calendar), status=AppealStatus.OPEN.value,
                    band_before=evaluation.band, total_before=evaluation.total_score)
    session.add(appeal)
    await session.flush()
    audit.record(session, at=now, action="send_appeal", object_type="appeal",
                 object_id=appeal.id, actor_id=cadre.id,
                 after={"evaluation": evaluation.id, "band": evaluation.band,
                        "handler": handler.code if handler else "board",
                        "due": appeal.due_on.isoformat(), "file": bool(file_id)})
    if handler is not None:
        tell = ([handler.telegram_chat_id] if handler.reachable and handler.telegram_chat_id
                else [])
    else:
        tell = [chat for chat in await board_chats(session) if chat != cadre.telegram_chat_id]
    return Sent(appeal, subject.period, cadre, handler, tell)


async def has_any(session: AsyncSession, cadre_id: int) -> bool:
    return await session.scalar(_HAS_ANY, {"cadre_id": cadre_id}) is not None


async def mine(session: AsyncSession, cadre_id: int, limit: int = 10
               ) -> list[tuple[Appeal, Period]]:
    """The cadre's kiến nghị, the latest first."""
    return [(a, p) for a, p in (await session.execute(
        select(Appeal, Period).join(Evaluation, Evaluation.id == Appeal.evaluation_id)
        .join(Period, Period.id == Evaluation.period_id).where(Appeal.cadre_id == cadre_id)
        .order_by(Appeal.sent_at.desc(), Appeal.id.desc()).limit(limit))).all()]


# ---------------------------------------------------------------- the handler

async def waiting_count(session: AsyncSession, actor: Actor, today: date) -> int:
    """How many open kiến nghị wait for this actor (the ✅ Phê duyệt row)."""
    if not actor.is_supervisor:
        return 0
    return int(await session.scalar(select(func.count(Appeal.id)).where(
        await answerable_condition(session, actor, today))) or 0)


@dataclass(frozen=True)
class Waiting:
    items: list[tuple[Appeal, Cadre, Period]]  # one page, the earliest due first
    total: int
    page: int
    page_size: int
    today: date

    @property
    def more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


async def waiting(session: AsyncSession, actor: Actor, today: date, page: int = 0,
                  page_size: int = 5) -> Waiting:
    if not actor.is_supervisor:
        raise ReviewError("not_found")
    total = await waiting_count(session, actor, today)
    page = max(0, min(page, (total - 1) // page_size)) if total else 0
    rows = (await session.execute(
        select(Appeal, Cadre, Period).join(Cadre, Cadre.id == Appeal.cadre_id)
        .join(Evaluation, Evaluation.id == Appeal.evaluation_id)
        .join(Period, Period.id == Evaluation.period_id)
        .where(await answerable_condition(session, actor, today))
        .order_by(Appeal.due_on, Appeal.id).offset(page * page_size).limit(page_size))).all()
    return Waiting([(a, c, p) for a, c, p in rows], total, page, page_size, today)


@dataclass(frozen=True)
class AppealView:
    """A kiến nghị with the evaluation as it was decided, for the one who answers it."""

    appeal: Appeal
    cadre: Cadre
    evaluation: Evaluation
    period: Period
    evaluator: str | None  # who rated (or closed the list)
    proposer: str | None  # the year: who proposed the band

    @property
    def yearly(self) -> bool:
        return is_year(self.period)


async def answerable(session: AsyncSession, actor: Actor, appeal_id: int,
                     today: date) -> AppealView:
    """An open kiến nghị the actor may answer (re-checked on every tap)."""
    appeal = await session.get(Appeal, appeal_id)
    if appeal is None or appeal.cadre_id == actor.cadre_id:
        raise ReviewError("not_found")
    allowed = (appeal.handler_id == actor.cadre_id
               or (appeal.handler_id is None and actor.is_board)
               or (appeal.handler_id is not None
                   and appeal.handler_id in await delegators_of(session, actor.cadre_id, today)))
    if not allowed:
        raise ReviewError("forbidden")
    if appeal.status != AppealStatus.OPEN.value:
        raise ReviewError("appeal_answered")
    evaluation = await session.get(Evaluation, appeal.evaluation_id)
    names = {}
    wanted = {evaluation.rated_by_id, evaluation.proposed_by_id} - {None}
    if wanted:
        names = dict((await session.execute(select(Cadre.id, Cadre.full_name).where(
            Cadre.id.in_(wanted)))).all())
    return AppealView(appeal, await session.get(Cadre, appeal.cadre_id), evaluation,
                      await session.get(Period, evaluation.period_id),
                      names.get(evaluation.rated_by_id), names.get(evaluation.proposed_by_id))


def check_answer(reason: str | None) -> str:
    if not meaningful(reason):
        raise ReviewError("reason_required")
    if len(clean(reason)) > ANSWER_MAX:
        raise ReviewError("reason_too_long")
    return clean(reason)


def check_criteria(values: dict[str, float], policy: Policy) -> dict[str, float]:
    """New general-criteria points: each criterion of the policy, 0 to its maximum."""
    result = {}
    for criterion in policy.scoring.general_criteria:
        value = values.get(criterion.key)
        if value is None or not 0 <= value <= criterion.max_points:
            raise ReviewError("criteria_range")
        result[criterion.key] = float(value)
    return result


@dataclass(frozen=True)
class Answered:
    appeal: Appeal
    cadre: Cadre
    period: Period
    cadre_chat: int | None  # told after the commit
    next: Waiting


async def answer(session: AsyncSession, *, actor: Actor, appeal_id: int, reason: str,
                 now: datetime, today: date, rating: RatingService, annual,
                 band: Band | None = None, criteria: dict[str, float] | None = None) -> Answered:
    """Answer a kiến nghị, exactly once: kept (no `band`, no `criteria`), or changed — the
    annual band through the closed-list rules, a period's general criteria through the
    rating service. Everything is checked before anything is written."""
    view = await answerable(session, actor, appeal_id, today)
    text = check_answer(reason)
    appeal, evaluation = view.appeal, view.evaluation
    changed = band is not None or criteria is not None
    if changed and view.yearly:
        if band is None:
            raise ReviewError("not_found")
        if band.value == evaluation.band:
            raise ReviewError("same_band")
        await annual.change_closed_band(session, actor_id=actor.cadre_id,
                                        evaluation=evaluation, band=band, reason=text,
                                        now=now, as_board=actor.is_board)
    elif changed:
        if criteria is None:
            raise ReviewError("not_found")
        chosen = check_criteria(criteria, rating.policy)
        draft = await rating.draft(session, view.cadre, view.period, criteria=chosen,
                                   organising=evaluation.organising,
                                   rallying=evaluation.rallying)
        await rating.rate(session, draft, actor_id=actor.cadre_id,
                          authority=Authority(None, as_board=actor.is_board), now=now,
                          expected_version=evaluation.version)
    outcome = AppealOutcome.CHANGED if changed else AppealOutcome.KEPT
    done = await session.execute(update(Appeal).where(
        Appeal.id == appeal.id, Appeal.status == AppealStatus.OPEN.value).values(
        status=AppealStatus.ANSWERED.value, outcome=outcome.value, answer=text,
        answered_by_id=actor.cadre_id, answered_at=now, band_after=evaluation.band,
        total_after=evaluation.total_score).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ReviewError("appeal_answered")
    await session.refresh(appeal)
    audit.record(session, at=now, action="answer_appeal", object_type="appeal",
                 object_id=appeal.id, actor_id=actor.cadre_id,
                 before={"band": appeal.band_before, "total": appeal.total_before},
                 after={"outcome": outcome.value, "band": appeal.band_after,
                        "total": appeal.total_after, "reason": text})
    chat = view.cadre.telegram_chat_id if view.cadre.reachable else None
    return Answered(appeal, view.cadre, view.period, chat,
                    await waiting(session, actor, today))


# ---------------------------------------------------------------- the board's digest

@dataclass(frozen=True)
class Tally:
    open: int
    overdue: int


async def tally(session: AsyncSession, today: date) -> Tally:
    """Open kiến nghị province-wide, and those past their answer date (one query)."""
    total, late = (await session.execute(select(
        func.count(Appeal.id),
        func.count(Appeal.id).filter(Appeal.due_on < today)).where(
        Appeal.status == AppealStatus.OPEN.value))).one()
    return Tally(int(total or 0), int(late or 0))
