"""How a score is computed (SPEC §4.5, Decree 335/2025/NĐ-CP defaults). Pure functions.

Every result carries its breakdown so "Cách tính điểm" can show exactly this arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.policy import Bands, ScoringPolicy
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
    group: int = 1  # the catalogue's indicator group (SPEC §4.2; Bắc Ninh's four groups)


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
class GroupScore:
    """One indicator group's share of the task score.

    `percent`: the weighted mean of (a + b + c) / 3 over the group's products (the task
    score's own weights), 0–1. `points`: what the group brings to the task points, so the
    groups' points add up to `TaskScore.product_points`."""

    group: int
    percent: float
    points: float
    weight: float
    products: int


@dataclass(frozen=True)
class TaskScore:
    products: list[ProductScore]
    a: float
    b: float
    c: float
    leader: LeaderInputs | None
    points: float
    groups: tuple[GroupScore, ...] = ()  # by indicator group, in group order
    product_points: float = 0.0  # the part of `points` that comes from a, b and c
    leader_points: float = 0.0  # the part that comes from d, đ and e (leaders)


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
    """a, b, c of one product type (Decree 335 Art. 14, LAW L3), each capped at 1.

    Per item (the decree's reading, the default): each failed review removes 25% of the
    quality point of the item it concerns, b = max(0, passed − 0,25 × failed) / n; each
    delay removes 25% of that item's progress point, c = max(0, done − 0,25 × delays) / n.
    Per type (a policy choice): 25% of the whole type's b per failed review, and c from
    the on-time count less 25% per delay. An accepted objective-cause exemption cancels
    the entry's deductions."""
    if f.kind == ProductKind.RATE:
        raw = _ratio(f.done, f.assigned)
        capped = min(raw, 1.0)
        return ProductScore(f, capped, capped, capped, raw, 0.0, 0.0, weight, capped, capped)
    a_raw = _ratio(f.done, f.assigned)
    failed = 0 if f.exempt else max(f.failed_reviews, 0)
    delays = 0 if f.exempt else max(f.delays, 0)
    if policy.deduction_reading == "per_item":
        b_full = min(_ratio(f.passed, f.assigned), 1.0)
        c_full = min(a_raw, 1.0)
        b = min(_ratio(f.passed - policy.quality_deduction_per_failure * failed, f.assigned), 1.0)
        c = min(_ratio(f.done - policy.timeliness_deduction_per_delay * delays, f.assigned), 1.0)
        quality_cut = b_full - b
        time_cut = c_full - c
    else:
        b_full = min(_ratio(f.passed, f.assigned), 1.0)
        c_full = min(_ratio(f.on_time, f.assigned), 1.0)
        quality_cut = min(1.0, policy.quality_deduction_per_failure * failed)
        time_cut = min(1.0, policy.timeliness_deduction_per_delay * delays)
        b = b_full * (1 - quality_cut)
        c = c_full * (1 - time_cut)
    return ProductScore(f, min(a_raw, 1.0), b, c, a_raw, quality_cut, time_cut, weight,
                        b_full, c_full)


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
    product_points = policy.task_points * (a + b + c) / len(parts)
    groups = group_scores(scored, product_points)
    return TaskScore(scored, a, b, c, leader, points, groups, product_points,
                     points - product_points)


def group_scores(scored: Sequence[ProductScore], product_points: float) -> tuple[GroupScore, ...]:
    """The task score by indicator group (issue #24 part 2; Bắc Ninh's resolution evaluates
    cadres in four groups). A group's percentage is the weighted mean of (a + b + c) / 3 of
    its products; its points are its share of the weighted sum, so that the groups' points
    add up to the product part of the task score: for staff 70 × (a + b + c) / 3, for a
    leader 70 × (a + b + c) / 6 (d, đ and e are the rest, shown apart). The last group takes
    the remainder, so the sum is exact to the last bit of a float, not within rounding. Products without a target
    (weight 0) count in no group; a group with none left is not shown."""
    total_weight = sum(s.weight for s in scored)
    if total_weight <= 0:
        return ()
    weights: dict[int, float] = {}
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for s in scored:
        if s.weight <= 0:
            continue
        g = s.figures.group
        weights[g] = weights.get(g, 0.0) + s.weight
        sums[g] = sums.get(g, 0.0) + s.weight * (s.a + s.b + s.c) / 3
        counts[g] = counts.get(g, 0) + 1
    found = []
    given, whole = 0.0, sum(sums.values())
    order = sorted(weights)
    for index, g in enumerate(order):
        if index == len(order) - 1:
            share = product_points - given
        else:
            share = product_points * sums[g] / whole if whole else 0.0
            given += share
        found.append(GroupScore(g, sums[g] / weights[g], share, weights[g], counts[g]))
    return tuple(found)


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def general_points(criteria: dict[str, float] | None, policy: ScoringPolicy) -> tuple[float, dict]:
    """Sum of the general criteria, each clamped to its maximum."""
    detail = {}
    for criterion in policy.general_criteria:
        value = (criteria or {}).get(criterion.key, 0.0) or 0.0
        detail[criterion.key] = min(max(float(value), 0.0), criterion.max_points)
    return sum(detail.values()), detail


# Floating-point noise only (70 × 2,925 / 3 + 30 is 97,49999…): far below any score's
# shown precision, so 89,95 stays under 90.
_EPSILON = 1e-9


def band_for(total: float, policy: ScoringPolicy) -> Band:
    """The band of the exact score (LAW L6: "từ 90 điểm trở lên"): never of a rounded one, so
    89,95 is "tốt" (and is shown truncated, 89,9)."""
    return band_of(total, policy.bands)


def band_of(total: float, bands: Bands) -> Band:
    """band_for with the thresholds alone (what a digest carries to its chart)."""
    if total + _EPSILON >= bands.excellent:
        return Band.EXCELLENT
    if total + _EPSILON >= bands.good:
        return Band.GOOD
    if total + _EPSILON >= bands.done:
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
    """d for a leader (LAW L5): 100% when everyone managed is at "Hoàn thành nhiệm vụ" or
    above, 50% when anyone is "Không hoàn thành". Whether everyone has been evaluated yet is
    the caller's question (bot.services.leaders)."""
    if any(b == Band.FAILED for b in bands_in_unit):
        return policy.unit_result_any_failed
    return policy.unit_result_all_done


@dataclass(frozen=True)
class AnnualScore:
    months_worked: float
    months_rated: int  # months covered by rated periods (a quarter counts 3)
    total: float | None  # the months-weighted mean of the period totals
    band: Band | None  # None: not rated (too few months worked, or nothing rated)
    too_few_months: bool = False


def score_year(periods: Sequence[tuple[float, int]], months_worked: float, policy: ScoringPolicy,
               disciplined: bool = False) -> AnnualScore:
    """The annual quality rating's score (Art. 21, LAW L8): the mean of the period totals
    weighted by the months each covers (a quarter weighs 3), over the periods rated. With
    fewer months worked than the policy's minimum the cadre is evaluated, not rated (Decree
    90/2020 practice, LAW L9, a toggle)."""
    months_rated = sum(months for _total, months in periods)
    total = (sum(t * months for t, months in periods) / months_rated) if months_rated else None
    too_few = (policy.not_rated_under_min_months
               and months_worked + 1e-9 < policy.min_months_for_annual)
    if total is None or too_few:
        return AnnualScore(months_worked, months_rated, total, None, too_few)
    band = Band.FAILED if disciplined else band_for(total, policy)
    return AnnualScore(months_worked, months_rated, total, band)


def excellent_quota(rated_good: int, outstanding: bool, policy: ScoringPolicy) -> int:
    """How many "xuất sắc" a group may have: 20% of those rated "tốt", rounded down (10 →
    2); LAW L7."""
    return int(rated_good * policy.cap_ratio(outstanding) + _EPSILON)
