"""A cadre's results over time: per-period totals and the year so far (SPEC §4.5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.annual import leaves_of, months_worked, not_worked
from bot.services.kpi import KpiService, PeriodSheet
from bot.services.review import Change, adjustments_of
from bot.services.scoring import AnnualScore, score_year
from models import Cadre, Evaluation, Period
from models.enums import Band, PeriodType

# A stored total and the one the figures give now differ by more than rounding: something
# changed after the rating (e.g. the Organization Board corrected the report).
CHANGED_SINCE = 0.05


@dataclass(frozen=True)
class Verdict:
    """A period's score as every screen shows it — 📝 Báo cáo KPI, 📊 Kết quả của tôi and
    🔎 Cách tính điểm read this one object, so they cannot disagree: projected from the
    figures (the evaluator's adjusted ones where there are) until the evaluator rates the
    period; from then on the evaluated points and band, who rated, and why the band is not
    the one the points correspond to (a discipline or another ground of the decree, LAW L6;
    the evaluator's reason where one was given)."""

    rated: bool
    total: float
    band: Band
    points_band: Band  # the band the points correspond to (LAW L6)
    general: float  # the general criteria counted (the evaluator's once rated)
    self_general: float | None  # the cadre's own self-assessment
    recomputed: float  # the total the figures give now
    by: str | None = None  # who rated
    on_behalf_of: str | None = None  # … for whom (delegation)
    at: datetime | None = None
    reason: str | None = None  # the evaluator's reason for the band, where there is one
    adjustments: dict[int, tuple[Change, ...]] = field(default_factory=dict)  # entry id → …

    @property
    def forced(self) -> bool:
        """The band is not the one the points correspond to."""
        return self.rated and self.band != self.points_band

    @property
    def changed_since(self) -> bool:
        """The figures changed after the rating: the rating stands, the arithmetic differs."""
        return self.rated and abs(self.recomputed - self.total) > CHANGED_SINCE

    @property
    def general_changed(self) -> bool:
        """The evaluator scored the general criteria differently from the self-assessment."""
        return self.self_general is not None and abs(self.general - self.self_general) > 1e-9


def _rated(evaluation: Evaluation | None) -> bool:
    return (evaluation is not None and evaluation.status == "rated"
            and evaluation.total_score is not None)


async def verdicts(session: AsyncSession, sheets: list[PeriodSheet]) -> list[Verdict]:
    """The verdict of each sheet, in three queries whatever their number."""
    entries = [line.entry for sheet in sheets for line in sheet.lines]
    adjustments = await adjustments_of(session, entries)
    rated = [s.evaluation for s in sheets if _rated(s.evaluation)]
    raters = ({e.rated_by_id for e in rated} | {e.rated_for_id for e in rated}) - {None}
    names = {}
    if raters:
        names = dict((await session.execute(
            select(Cadre.id, Cadre.full_name).where(Cadre.id.in_(raters)))).all())
    found = []
    for sheet in sheets:
        score, evaluation = sheet.score, sheet.evaluation
        own = (evaluation.self_criteria or None) if evaluation is not None else None
        self_general = sum(own.values()) if own else None
        mine = {line.entry.id: adjustments[line.entry.id] for line in sheet.lines
                if line.entry.id in adjustments}
        if _rated(evaluation):
            band = Band(evaluation.band) if evaluation.band else score.band
            points_band = Band(evaluation.computed_band) if evaluation.computed_band else band
            general = evaluation.general_score if evaluation.general_score is not None \
                else score.general_points
            found.append(Verdict(
                True, evaluation.total_score, band, points_band, general, self_general,
                score.total, names.get(evaluation.rated_by_id),
                names.get(evaluation.rated_for_id), evaluation.rated_at,
                evaluation.band_reason, mine))
        else:
            found.append(Verdict(False, score.total, score.band, score.computed_band,
                                 score.general_points, self_general, score.total,
                                 adjustments=mine))
    return found


async def verdict_of(session: AsyncSession, sheet: PeriodSheet) -> Verdict:
    return (await verdicts(session, [sheet]))[0]


@dataclass
class PeriodResult:
    period: Period
    sheet: PeriodSheet
    total: float
    band: Band
    rated: bool  # the evaluator's rating is final; otherwise the score is projected
    status: str
    verdict: Verdict | None = None


@dataclass
class Results:
    periods: list[PeriodResult]  # newest first
    year: int
    annual: AnnualScore  # the year so far, projected from the periods
    annual_rating: Evaluation | None = None  # the year's rating once the list is closed
    # kiến nghị (bot.services.appeals): the evaluations one may still be sent about, and
    # whether the cadre has sent any (filled by the 📊 handler)
    appealable: list = field(default_factory=list)
    has_appeals: bool = False


def _months(period: Period) -> int:
    return {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.YEAR: 12}[PeriodType(period.kind)]


_YEAR_RATING = (  # built once: 📊 Kết quả reads it on every opening
    select(Evaluation).join(Period, Period.id == Evaluation.period_id).where(
        Evaluation.cadre_id == bindparam("cadre_id"), Evaluation.status == "rated",
        Period.kind == PeriodType.YEAR.value, Period.year == bindparam("year")))


async def results_of(session: AsyncSession, kpi: KpiService, cadre: Cadre, today: date,
                     limit: int = 12) -> Results:
    sheets = await kpi.recent_sheets(session, cadre, limit)
    found = []
    for sheet, verdict in zip(sheets, await verdicts(session, sheets), strict=True):
        found.append(PeriodResult(sheet.period, sheet, verdict.total, verdict.band,
                                  verdict.rated, sheet.status, verdict))
    this_year = [r for r in found if r.period.year == today.year]
    leaves = not_worked(await leaves_of(session, cadre.id, today.year), kpi.policy.scoring)
    annual = score_year([(r.total, _months(r.period)) for r in this_year],
                        months_worked(today.year, cadre.start_date, leaves), kpi.policy.scoring)
    rating = await session.scalar(_YEAR_RATING, {"cadre_id": cadre.id, "year": today.year})
    return Results(found, today.year, annual, rating)


async def my_results(session: AsyncSession, kpi: KpiService, cadre_id: int, today: date,
                     limit: int = 12) -> Results:
    """📊 Kết quả của tôi of the person behind the update."""
    return await results_of(session, kpi, await session.get(Cadre, cadre_id), today, limit)


def period_result(results: Results, period_id: int) -> PeriodResult | None:
    """One period of these results: only the caller's own periods can be opened (an id from
    a forged or replayed button is looked up here, not in the database)."""
    return next((r for r in results.periods if r.period.id == period_id), None)
