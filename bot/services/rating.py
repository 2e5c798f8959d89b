"""Rating a cadre for a period or a year: general criteria, leader components, bands,
the "xuất sắc" quota, the leader cap, discipline, and the two-year flags (SPEC §4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.kpi import KpiService, figures_of
from bot.services.review import Authority, ReviewError, meaningful
from bot.services.scoring import (
    LeaderInputs,
    PeriodScore,
    band_for,
    excellent_quota,
    score_period,
    score_year,
    unit_result,
)
from models import Cadre, Discipline, Entry, Evaluation, OrgUnit, Period
from models.enums import Band, EntryStatus, PeriodType

BAND_ORDER = [Band.FAILED, Band.DONE, Band.GOOD, Band.EXCELLENT]
FLAG_DONE_TWICE = "done_twice_in_planning"
FLAG_FAILED_TWICE = "failed_twice"


@dataclass
class Quota:
    outstanding_unit: bool
    rated_good: int
    excellent: int
    allowed: int

    @property
    def full(self) -> bool:
        return self.excellent >= self.allowed


@dataclass
class RatingDraft:
    cadre: Cadre
    period: Period
    evaluation: Evaluation
    score: PeriodScore
    leader: LeaderInputs | None
    quota: Quota
    unit_cap: Band | None  # a leader may not be rated above this
    disciplined: bool


async def disciplined_in(session: AsyncSession, cadre_id: int, year: int,
                         forcing: list[str]) -> bool:
    found = await session.scalar(select(func.count()).select_from(Discipline).where(
        Discipline.cadre_id == cadre_id, Discipline.year == year, Discipline.level.in_(forcing)))
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


async def quota_for(session: AsyncSession, kpi: KpiService, unit_id: int | None,
                    period_id: int, excluding: int) -> Quota:
    unit = await session.get(OrgUnit, unit_id) if unit_id else None
    rows = dict((await session.execute(
        select(Evaluation.band, func.count()).where(
            Evaluation.unit_id == unit_id, Evaluation.period_id == period_id,
            Evaluation.status == "rated", Evaluation.cadre_id != excluding)
        .group_by(Evaluation.band))).all())
    good = rows.get(Band.GOOD.value, 0)
    allowed = excellent_quota(good, bool(unit and unit.outstanding), kpi.policy.scoring)
    return Quota(bool(unit and unit.outstanding), good, rows.get(Band.EXCELLENT.value, 0), allowed)


async def unit_bands(session: AsyncSession, unit_id: int | None, period_id: int,
                     excluding: int) -> list[tuple[Band, float]]:
    rows = await session.execute(select(Evaluation.band, Evaluation.total_score).where(
        Evaluation.unit_id == unit_id, Evaluation.period_id == period_id,
        Evaluation.status == "rated", Evaluation.cadre_id != excluding))
    return [(Band(b), t or 0.0) for b, t in rows.all() if b]


class RatingService:
    def __init__(self, kpi: KpiService) -> None:
        self.kpi = kpi
        self.policy = kpi.policy

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
        others = await unit_bands(session, cadre.unit_id, period.id, cadre.id)
        leader = None
        if cadre.is_leader:
            leader = LeaderInputs(
                unit_result=unit_result([b for b, _t in others], self.policy.scoring),
                organising=organising if organising is not None else (evaluation.organising or 0.0),
                rallying=rallying if rallying is not None else (evaluation.rallying or 0.0))
        disciplined = await disciplined_in(session, cadre.id, period.year,
                                           self.policy.scoring.forcing_disciplines)
        score = score_period([figures_of(line) for line in sheet.lines], chosen,
                             self.policy.scoring, leader=leader, disciplined=disciplined)
        unit_cap = None
        if cadre.is_leader and others:
            mean = sum(t for _b, t in others) / len(others)
            unit_cap = band_for(mean, self.policy.scoring)
        quota = await quota_for(session, self.kpi, cadre.unit_id, period.id, cadre.id)
        return RatingDraft(cadre, period, evaluation, score, leader, quota, unit_cap, disciplined)

    def check_band(self, draft: RatingDraft, band: Band, authority: Authority) -> None:
        """The caps: raise ReviewError when the chosen band is not allowed."""
        if draft.disciplined and band != Band.FAILED:
            raise ReviewError("disciplined")
        if authority.as_board:
            return  # the board may override the caps (audited)
        if band == Band.EXCELLENT and draft.quota.full:
            raise ReviewError("quota", quota=draft.quota)
        if draft.unit_cap is not None and BAND_ORDER.index(band) > BAND_ORDER.index(draft.unit_cap):
            raise ReviewError("above_unit", cap=draft.unit_cap)

    async def rate(self, session: AsyncSession, draft: RatingDraft, *, band: Band,
                   reason: str | None, actor_id: int, authority: Authority, now: datetime,
                   expected_version: int) -> Evaluation:
        evaluation = draft.evaluation
        await session.refresh(evaluation)
        if evaluation.version != expected_version:
            raise ReviewError("already_decided", at=evaluation.rated_at)
        self.check_band(draft, band, authority)
        override = band != draft.score.band
        if override and not meaningful(reason):
            raise ReviewError("reason_required")
        before = {"band": evaluation.band, "total": evaluation.total_score}
        evaluation.criteria = dict(draft.score.general_detail)
        if draft.leader is not None:
            evaluation.unit_result = draft.leader.unit_result
            evaluation.organising = draft.leader.organising
            evaluation.rallying = draft.leader.rallying
        evaluation.task_score = draft.score.task.points
        evaluation.general_score = draft.score.general_points
        evaluation.total_score = draft.score.total
        evaluation.computed_band = draft.score.band.value
        evaluation.band = band.value
        evaluation.band_reason = reason.strip() if override and reason else None
        evaluation.status = "rated"
        evaluation.rated_by_id = actor_id
        evaluation.rated_for_id = authority.on_behalf_of
        evaluation.rated_at = now
        evaluation.version += 1
        audit.record(session, at=now, action="rate_override" if override else "rate",
                     object_type="evaluation", object_id=evaluation.id, actor_id=actor_id,
                     before=before, after={"band": band.value, "total": draft.score.total,
                                           "computed": draft.score.band.value,
                                           "reason": evaluation.band_reason,
                                           "on_behalf_of": authority.on_behalf_of,
                                           "as_board": authority.as_board})
        return evaluation


# ---------------------------------------------------------------- the year

@dataclass
class AnnualDraft:
    cadre: Cadre
    year: int
    months: int
    total: float | None
    band: Band | None
    flags: list[str]
    disciplined: bool


def _months(kind: str) -> int:
    return {PeriodType.MONTH.value: 1, PeriodType.QUARTER.value: 3}.get(kind, 0)


async def annual_draft(session: AsyncSession, policy, cadre: Cadre, year: int) -> AnnualDraft:
    rows = (await session.execute(
        select(Evaluation.total_score, Period.kind)
        .join(Period, Period.id == Evaluation.period_id)
        .where(Evaluation.cadre_id == cadre.id, Evaluation.status == "rated",
               Period.year == year, Period.kind != PeriodType.YEAR.value))).all()
    months = sum(_months(kind) for _t, kind in rows)
    disciplined = await disciplined_in(session, cadre.id, year, policy.scoring.forcing_disciplines)
    annual = score_year([t for t, _k in rows if t is not None], months, policy.scoring,
                        disciplined=disciplined)
    flags = await two_year_flags(session, policy, cadre, year, annual.band)
    return AnnualDraft(cadre, year, months, annual.total, annual.band, flags, disciplined)


async def two_year_flags(session: AsyncSession, policy, cadre: Cadre, year: int,
                         this_year: Band | None) -> list[str]:
    last = await session.scalar(
        select(Evaluation.band).join(Period, Period.id == Evaluation.period_id).where(
            Evaluation.cadre_id == cadre.id, Evaluation.status == "rated",
            Period.kind == PeriodType.YEAR.value, Period.year == year - 1))
    flags = []
    if this_year is None or last is None:
        return flags
    if (policy.scoring.flag_done_twice_in_planning and cadre.in_planning
            and this_year == Band.DONE and last == Band.DONE.value):
        flags.append(FLAG_DONE_TWICE)
    if policy.scoring.flag_failed_twice and this_year == Band.FAILED and last == Band.FAILED.value:
        flags.append(FLAG_FAILED_TWICE)
    return flags
