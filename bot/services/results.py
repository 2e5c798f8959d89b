"""A cadre's results over time: per-period totals and the year so far (SPEC §4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.annual import leaves_of, months_worked, not_worked
from bot.services.kpi import KpiService, PeriodSheet
from bot.services.scoring import AnnualScore, score_year
from models import Cadre, Entry, Evaluation, Period
from models.enums import Band, EntryStatus, PeriodType


@dataclass
class PeriodResult:
    period: Period
    sheet: PeriodSheet
    total: float
    band: Band
    rated: bool  # the evaluator's rating is final; otherwise the score is projected
    status: str


@dataclass
class Results:
    periods: list[PeriodResult]  # newest first
    year: int
    annual: AnnualScore  # the year so far, projected from the periods
    annual_rating: Evaluation | None = None  # the year's rating once the list is closed


def _months(period: Period) -> int:
    return {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.YEAR: 12}[PeriodType(period.kind)]


async def results_of(session: AsyncSession, kpi: KpiService, cadre: Cadre, today: date,
                     limit: int = 12) -> Results:
    # periods with something reported: the empty drafts made by opening a new period's
    # report are not a period worked (they would score 0 and pull the year down)
    period_ids = select(Entry.period_id).where(
        Entry.cadre_id == cadre.id,
        or_(Entry.quantity_done.is_not(None), Entry.status != EntryStatus.DRAFT.value)).distinct()
    periods = list(await session.scalars(
        select(Period).where(Period.id.in_(period_ids), Period.kind != PeriodType.YEAR.value)
        .order_by(Period.starts_on.desc()).limit(limit)))
    found = []
    for period, sheet in zip(periods, await kpi.sheets(session, cadre, periods), strict=True):
        evaluation = sheet.evaluation
        rated = evaluation is not None and evaluation.status == "rated" and evaluation.total_score is not None
        total = evaluation.total_score if rated else sheet.score.total
        band = Band(evaluation.band) if rated and evaluation.band else sheet.score.band
        found.append(PeriodResult(period, sheet, total, band, rated, sheet.status))
    this_year = [r for r in found if r.period.year == today.year]
    leaves = not_worked(await leaves_of(session, cadre.id, today.year), kpi.policy.scoring)
    annual = score_year([(r.total, _months(r.period)) for r in this_year],
                        months_worked(today.year, cadre.start_date, leaves), kpi.policy.scoring)
    rating = await session.scalar(
        select(Evaluation).join(Period, Period.id == Evaluation.period_id).where(
            Evaluation.cadre_id == cadre.id, Evaluation.status == "rated",
            Period.kind == PeriodType.YEAR.value, Period.year == today.year))
    return Results(found, today.year, annual, rating)


async def my_results(session: AsyncSession, kpi: KpiService, cadre_id: int, today: date,
                     limit: int = 12) -> Results:
    """📊 Kết quả của tôi of the person behind the update."""
    return await results_of(session, kpi, await session.get(Cadre, cadre_id), today, limit)


def period_result(results: Results, period_id: int) -> PeriodResult | None:
    """One period of these results: only the caller's own periods can be opened (an id from
    a forged or replayed button is looked up here, not in the database)."""
    return next((r for r in results.periods if r.period.id == period_id), None)
