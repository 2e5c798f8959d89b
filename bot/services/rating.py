"""Rating a month or quarter ("theo dõi, đánh giá", SPEC §4.5): the evaluator confirms the
general criteria (and đ, e for leaders); the band is the one the points correspond to,
with no quota — the quota belongs to the annual rating (bot.services.annual).

Forced to "Không hoàn thành" by a discipline or another ground of the decree recorded that
year (LAW L6). A leader's d must be known: while some of those they manage are not yet
evaluated, the leader's rating waits (bot.services.leaders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.identity import Actor
from bot.services.kpi import KpiService, figures_of
from bot.services.leaders import UnitResult, unit_result_of
from bot.services.review import Authority, ReviewError, reviewable
from bot.services.scoring import LeaderInputs, PeriodScore, score_period
from models import Cadre, Discipline, Entry, Evaluation, Period
from models.enums import DisciplineLevel, EntryStatus, PeriodStatus

BAND_ORDER = ["khong_hoan_thanh", "hoan_thanh", "tot", "xuat_sac"]
# Grounds that only count for a leader (in the unit they lead directly).
LEADER_ONLY_GROUNDS = {DisciplineLevel.CORRUPTION_IN_UNIT.value}


@dataclass
class RatingDraft:
    cadre: Cadre
    period: Period
    evaluation: Evaluation
    score: PeriodScore
    leader: LeaderInputs | None
    unit_result: UnitResult | None  # leaders only
    disciplined: bool

    @property
    def waiting_for_d(self) -> bool:
        return self.unit_result is not None and not self.unit_result.known


async def disciplined_in(session: AsyncSession, cadre: Cadre, year: int,
                         forcing: list[str]) -> bool:
    """A discipline of khiển trách or higher, or another ground of the decree, that year."""
    levels = [level for level in forcing
              if cadre.is_leader or level not in LEADER_ONLY_GROUNDS]
    found = await session.scalar(select(func.count()).select_from(Discipline).where(
        Discipline.cadre_id == cadre.id, Discipline.year == year, Discipline.level.in_(levels)))
    return bool(found)


async def evaluation_for(session: AsyncSession, cadre: Cadre, period: Period) -> Evaluation:
    evaluation = await session.scalar(select(Evaluation).where(
        Evaluation.cadre_id == cadre.id, Evaluation.period_id == period.id))
    if evaluation is None:
        evaluation = Evaluation(cadre_id=cadre.id, period_id=period.id, unit_id=cadre.unit_id,
                                self_criteria={}, status="draft", version=0)
        session.add(evaluation)
        await session.flush()
    return evaluation


class RatingService:
    def __init__(self, kpi: KpiService) -> None:
        self.kpi = kpi
        self.policy = kpi.policy

    async def open_draft(self, session: AsyncSession, actor: Actor, cadre_id: int,
                         period_id: int, today: date, data: dict | None = None
                         ) -> tuple[RatingDraft, Authority]:
        """The evaluator's draft rating of a cadre's period, re-authorised on every tap (the
        caller evaluates the cadre, every entry of the period is approved); `data` holds
        what they chose so far (criteria, đ, e)."""
        cadre, authority = await reviewable(session, actor, cadre_id, today)
        period = await session.get(Period, period_id)
        if period is None:
            raise ReviewError("not_found")
        if not await self.ready(session, cadre, period):
            raise ReviewError("not_ready")
        data = data or {}
        draft = await self.draft(session, cadre, period, criteria=data.get("criteria"),
                                 organising=data.get("organising"),
                                 rallying=data.get("rallying"))
        return draft, authority

    async def ready(self, session: AsyncSession, cadre: Cadre, period: Period) -> bool:
        """Every entry of the period approved: the period can be rated."""
        statuses = set(await session.scalars(select(Entry.status).where(
            Entry.cadre_id == cadre.id, Entry.period_id == period.id)))
        return bool(statuses) and statuses == {EntryStatus.APPROVED.value}

    async def draft(self, session: AsyncSession, cadre: Cadre, period: Period,
                    criteria: dict | None = None, organising: float | None = None,
                    rallying: float | None = None) -> RatingDraft:
        evaluation = await evaluation_for(session, cadre, period)
        sheet = await self.kpi.sheet(session, cadre, period, create=False)
        chosen = criteria if criteria is not None else (
            evaluation.criteria or evaluation.self_criteria or {})
        leader, d = None, None
        if cadre.is_leader:
            d = await unit_result_of(session, cadre, period, self.policy.scoring)
            leader = LeaderInputs(
                unit_result=d.value if d.known else 0.0,
                organising=organising if organising is not None else (evaluation.organising or 0.0),
                rallying=rallying if rallying is not None else (evaluation.rallying or 0.0))
        disciplined = await disciplined_in(session, cadre, period.year,
                                           self.policy.scoring.forcing_disciplines)
        score = score_period([figures_of(line) for line in sheet.lines], chosen,
                             self.policy.scoring, leader=leader, disciplined=disciplined)
        return RatingDraft(cadre, period, evaluation, score, leader, d, disciplined)

    async def rate(self, session: AsyncSession, draft: RatingDraft, *, actor_id: int,
                   authority: Authority, now: datetime, expected_version: int) -> Evaluation:
        """Store the points and the band they correspond to (forced by a discipline), once:
        a second tap on the same version is refused. Refused in a locked period (the board
        may, audited), for a leader while d is pending, and before every entry is approved."""
        evaluation = draft.evaluation
        await session.refresh(evaluation)
        if evaluation.version != expected_version:
            raise ReviewError("already_decided", at=evaluation.rated_at)
        if draft.period.status == PeriodStatus.LOCKED.value and not authority.as_board:
            raise ReviewError("locked")
        if not await self.ready(session, draft.cadre, draft.period):
            raise ReviewError("not_ready")
        if draft.waiting_for_d:
            raise ReviewError("d_pending", pending=draft.unit_result.pending)
        score = draft.score
        before = {"band": evaluation.band, "total": evaluation.total_score}
        evaluation.criteria = dict(score.general_detail)
        if draft.leader is not None:
            evaluation.unit_result = draft.leader.unit_result
            evaluation.organising = draft.leader.organising
            evaluation.rallying = draft.leader.rallying
        evaluation.task_score = score.task.points
        evaluation.general_score = score.general_points
        evaluation.total_score = score.total
        evaluation.computed_band = score.computed_band.value
        evaluation.band = score.band.value
        evaluation.band_reason = None
        evaluation.status = "rated"
        evaluation.rated_by_id = actor_id
        evaluation.rated_for_id = authority.on_behalf_of
        evaluation.rated_at = now
        evaluation.version += 1
        audit.record(session, at=now, action="rate", object_type="evaluation",
                     object_id=evaluation.id, actor_id=actor_id, before=before,
                     after={"band": score.band.value, "total": score.total,
                            "disciplined": draft.disciplined,
                            "on_behalf_of": authority.on_behalf_of,
                            "as_board": authority.as_board})
        return evaluation
