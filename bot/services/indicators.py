"""Resolution-target indicators (SPEC §7): value, target, gap and trend, computed with
aggregate SQL over the whole province; worst gaps first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import IndicatorTarget, Policy
from bot.services import periods as period_rules
from models import Cadre, Entry, Evaluation, OrgUnit, Period, TrainingRecord
from models.enums import PeriodType


@dataclass
class Indicator:
    target: IndicatorTarget
    value: float | None
    previous: float | None  # the same indicator one period earlier, where it has one

    @property
    def gap(self) -> float:
        return max(self.target.target - (self.value or 0.0), 0.0)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


async def _count(session: AsyncSession, query) -> int:
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


async def metric(session: AsyncSession, name: str, period: Period | None, today: date) -> float | None:
    year_start = date(today.year, 1, 1)
    active = select(Cadre.id).where(Cadre.active.is_(True))
    leaders = select(Cadre.id).where(Cadre.active.is_(True), Cadre.is_leader.is_(True))
    if name == "trained_share":
        trained = select(TrainingRecord.cadre_id).where(
            TrainingRecord.status == "verified",
            func.coalesce(TrainingRecord.end_date, TrainingRecord.start_date) >= year_start,
            TrainingRecord.cadre_id.in_(active)).distinct()
        return _share(await _count(session, trained), await _count(session, active))
    if name == "young_leaders_share":
        cutoff = date(today.year - 42, today.month, min(today.day, 28))
        young = leaders.where(Cadre.birth_date > cutoff)
        return _share(await _count(session, young), await _count(session, leaders))
    if name == "masters_leaders_share":
        masters = leaders.where(Cadre.education.in_(["thac_si", "tien_si"]))
        return _share(await _count(session, masters), await _count(session, leaders))
    if name == "commune_leaders_theory_share":
        commune = leaders.join(OrgUnit, OrgUnit.id == Cadre.unit_id).where(OrgUnit.level == "xa")
        high = commune.where(Cadre.theory_level.in_(["cao_cap", "cu_nhan"]))
        return _share(await _count(session, high), await _count(session, commune))
    if name == "digital_trained_leaders_share":
        digital = select(TrainingRecord.cadre_id).where(
            TrainingRecord.status == "verified", TrainingRecord.category == "khcn_dmst_so",
            func.coalesce(TrainingRecord.end_date, TrainingRecord.start_date) >= year_start,
            TrainingRecord.cadre_id.in_(leaders)).distinct()
        return _share(await _count(session, digital), await _count(session, leaders))
    if period is None:
        return None
    if name == "good_or_better_share":
        rated = select(Evaluation.id).where(Evaluation.period_id == period.id,
                                            Evaluation.status == "rated")
        good = rated.where(Evaluation.band.in_(["xuat_sac", "tot"]))
        return _share(await _count(session, good), await _count(session, rated))
    if name == "on_time_share":
        sent = select(Entry.cadre_id).where(Entry.period_id == period.id,
                                            Entry.status.in_(["submitted", "approved"])).distinct()
        late = select(Entry.cadre_id).where(and_(Entry.period_id == period.id,
                                                 Entry.is_late.is_(True))).distinct()
        total = await _count(session, sent)
        return _share(total - await _count(session, late), total)
    return None


PERIOD_METRICS = {"good_or_better_share", "on_time_share"}


async def indicators(session: AsyncSession, policy: Policy, period: Period | None,
                     today: date) -> list[Indicator]:
    previous = None
    if period is not None:
        year, number = period_rules.previous(PeriodType(period.kind), period.year, period.number)
        previous = await session.scalar(select(Period).where(
            Period.kind == period.kind, Period.year == year, Period.number == number))
    result = []
    for target in policy.targets:
        value = await metric(session, target.metric, period, today)
        before = (await metric(session, target.metric, previous, today)
                  if target.metric in PERIOD_METRICS and previous is not None else None)
        result.append(Indicator(target, value, before))
    # largest gap first; indicators without data yet (nobody rated, no report) last
    result.sort(key=lambda i: (i.value is None, -i.gap))
    return result
