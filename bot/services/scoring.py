"""How a score is computed (SPEC §4.5, Decree 335/2025/NĐ-CP defaults). Pure functions.

Every result carries its breakdown so "Cách tính điểm" can show exactly this arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.policy import ScoringPolicy
from models.enums import Band, ProductKind


@dataclass(frozen=True)
class ProductFigures:
    """What is scored for one product type in one period."""

    product_type_id: int
    name: str
    kind: ProductKind
    coefficient: float
    assigned: float  # target: a quantity, or a percentage for rate products
    done: float = 0.0  # for rate products: the achieved percentage
    passed: float = 0.0
    on_time: float = 0.0
    failed_reviews: int = 0
    delays: int = 0
    exempt: bool = False  # accepted objective-cause exemption


@dataclass(frozen=True)
class ProductScore:
    figures: ProductFigures
    a: float
    b: float
    c: float
    a_raw: float  # before the 1.0 cap: over-achievement is shown, not scored
    quality_deduction: float  # share of b removed (0–1)
    timeliness_deduction: float
    weight: float
    b_before_deduction: float  # the quality ratio (capped) before failed reviews cut it
    c_before_deduction: float  # the timeliness ratio (capped) before delays cut it


@dataclass(frozen=True)
class LeaderInputs:
    unit_result: float  # d
    organising: float  # đ
    rallying: float  # e


@dataclass(frozen=True)
class TaskScore:
    products: list[ProductScore]
    a: float
    b: float
    c: float
    leader: LeaderInputs | None
    points: float


@dataclass(frozen=True)
class PeriodScore:
    task: TaskScore
    general_points: float
    general_detail: dict[str, float]
    total: float
    computed_band: Band
    band: Band
    forced_by_discipline: bool = False
    notes: list[str] = field(default_factory=list)


def _ratio(value: float, assigned: float) -> float:
    return max(value, 0.0) / assigned if assigned > 0 else 0.0


def score_product(f: ProductFigures, weight: float, policy: ScoringPolicy) -> ProductScore:
    if f.kind == ProductKind.RATE:
        raw = _ratio(f.done, f.assigned)
        capped = min(raw, 1.0)
        return ProductScore(f, capped, capped, capped, raw, 0.0, 0.0, weight, capped, capped)
    a_raw = _ratio(f.done, f.assigned)
    quality_cut = 0.0 if f.exempt else min(1.0, policy.quality_deduction_per_failure * max(f.failed_reviews, 0))
    time_cut = 0.0 if f.exempt else min(1.0, policy.timeliness_deduction_per_delay * max(f.delays, 0))
    b_full = min(_ratio(f.passed, f.assigned), 1.0)
    c_full = min(_ratio(f.on_time, f.assigned), 1.0)
    return ProductScore(f, min(a_raw, 1.0), b_full * (1 - quality_cut), c_full * (1 - time_cut),
                        a_raw, quality_cut, time_cut, weight, b_full, c_full)


def product_weights(products: Sequence[ProductFigures], policy: ScoringPolicy) -> list[float]:
    """Converted products: count types weigh coefficient × assigned; a rate type weighs its
    coefficient × the mean converted target of the count types (1 when there are none)."""
    if policy.weighting == "equal":
        return [1.0 if p.assigned > 0 else 0.0 for p in products]
    counts = [p.coefficient * p.assigned for p in products
              if p.kind == ProductKind.COUNT and p.assigned > 0]
    rate_base = sum(counts) / len(counts) if counts else 1.0
    weights = []
    for p in products:
        if p.assigned <= 0:
            weights.append(0.0)
        elif p.kind == ProductKind.COUNT:
            weights.append(p.coefficient * p.assigned)
        else:
            weights.append(p.coefficient * rate_base)
    return weights


def score_task(
    products: Sequence[ProductFigures], policy: ScoringPolicy, leader: LeaderInputs | None = None
) -> TaskScore:
    weights = product_weights(products, policy)
    scored = [score_product(p, w, policy) for p, w in zip(products, weights, strict=True)]
    total_weight = sum(weights)

    def mean_of(attr: str) -> float:
        if total_weight <= 0:
            return 0.0
        return sum(getattr(s, attr) * s.weight for s in scored) / total_weight

    a, b, c = mean_of("a"), mean_of("b"), mean_of("c")
    parts = [a, b, c]
    if leader is not None:
        parts += [_clamp(leader.unit_result), _clamp(leader.organising), _clamp(leader.rallying)]
    points = policy.task_points * sum(parts) / len(parts)
    return TaskScore(scored, a, b, c, leader, points)


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def general_points(criteria: dict[str, float] | None, policy: ScoringPolicy) -> tuple[float, dict]:
    """Sum of the general criteria, each clamped to its maximum."""
    detail = {}
    for criterion in policy.general_criteria:
        value = (criteria or {}).get(criterion.key, 0.0) or 0.0
        detail[criterion.key] = min(max(float(value), 0.0), criterion.max_points)
    return sum(detail.values()), detail


def band_for(total: float, policy: ScoringPolicy) -> Band:
    bands = policy.bands
    rounded = round(total + 1e-9, 1)  # the band follows the score as shown (one decimal)
    if rounded >= bands.excellent:
        return Band.EXCELLENT
    if rounded >= bands.good:
        return Band.GOOD
    if rounded >= bands.done:
        return Band.DONE
    return Band.FAILED


def score_period(
    products: Sequence[ProductFigures],
    criteria: dict[str, float] | None,
    policy: ScoringPolicy,
    *,
    leader: LeaderInputs | None = None,
    disciplined: bool = False,
) -> PeriodScore:
    task = score_task(products, policy, leader)
    general, detail = general_points(criteria, policy)
    total = min(max(task.points + general, 0.0), policy.task_points + policy.general_points)
    computed = band_for(total, policy)
    band = Band.FAILED if disciplined else computed
    return PeriodScore(task, general, detail, total, computed, band, disciplined)


def unit_result(bands_in_unit: Sequence[Band], policy: ScoringPolicy) -> float:
    """d for a leader: 100% unless someone in the unit is rated "Không hoàn thành"."""
    if any(b == Band.FAILED for b in bands_in_unit):
        return policy.unit_result_any_failed
    return policy.unit_result_all_done


@dataclass(frozen=True)
class AnnualScore:
    months_worked: int
    total: float | None
    band: Band | None


def score_year(period_totals: Sequence[float], months_worked: int, policy: ScoringPolicy,
               disciplined: bool = False) -> AnnualScore:
    """Mean of the period totals actually worked; no rating under the minimum months."""
    if months_worked < policy.min_months_for_annual or not period_totals:
        return AnnualScore(months_worked, None, None)
    total = sum(period_totals) / len(period_totals)
    band = Band.FAILED if disciplined else band_for(total, policy)
    return AnnualScore(months_worked, total, band)


def excellent_quota(rated_good: int, outstanding_unit: bool, policy: ScoringPolicy) -> int:
    """How many "xuất sắc" a unit may have: a share of those rated "tốt" (10 → 2 at 20%)."""
    ratio = policy.excellent_cap_ratio_outstanding if outstanding_unit else policy.excellent_cap_ratio
    return int(rated_good * ratio + 1e-9)
