"""Scoring engine: worked examples and properties (SPEC §4.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import fmt_score
from bot.policy import Bands, ScoringPolicy
from bot.services.numbers import shown_score
from bot.services.scoring import (
    LeaderInputs,
    ProductFigures,
    band_for,
    excellent_quota,
    product_weights,
    score_period,
    score_product,
    score_task,
    score_year,
    unit_result,
)
from models.enums import Band, ProductKind

POLICY = ScoringPolicy()
FULL = {"politics_ethics": 10, "responsibility": 10, "innovation": 10}
PER_TYPE = ScoringPolicy(deduction_reading="per_type")


def count(pid=1, assigned=100.0, done=100.0, passed=None, on_time=None, coef=1.0, **kw):
    return ProductFigures(pid, f"SP{pid}", ProductKind.COUNT, coef, assigned, done,
                          done if passed is None else passed,
                          done if on_time is None else on_time, **kw)


def rate(pid=9, assigned=90.0, done=90.0, coef=1.0, group=1):
    return ProductFigures(pid, "Tỷ lệ", ProductKind.RATE, coef, assigned, done, group=group)


def test_everything_done_on_time_scores_100():
    result = score_period([count()], FULL, POLICY)
    assert result.total == pytest.approx(100.0)
    assert result.band == Band.EXCELLENT


def test_worked_example_partial_work():
    # 80 of 100 done, 70 passed quality, 60 on time: 70 × (0.8+0.7+0.6)/3 = 49; + 24 general
    # per item: c comes from the done count less the delays, not from the on-time count
    result = score_period([count(done=80, passed=70, on_time=60)],
                          {"politics_ethics": 8, "responsibility": 8, "innovation": 8}, PER_TYPE)
    assert result.task.points == pytest.approx(49.0)
    result = score_period([count(done=80, passed=70, on_time=60, delays=4)],
                          {"politics_ethics": 8, "responsibility": 8, "innovation": 8}, POLICY)
    # 70 × (0,8 + 0,7 + (80 − 1)/100) / 3 = 53,43…
    assert result.task.points == pytest.approx(70 * (0.8 + 0.7 + 0.79) / 3)
    assert result.total == pytest.approx(53.4333333 + 24)
    assert result.band == Band.GOOD


def test_deductions_per_item_decree_335_art_14():
    """Each failed review or delay removes 25% of the point of the item it concerns."""
    p = score_product(count(failed_reviews=2, delays=1), 100, POLICY)
    assert p.b == pytest.approx(99.5 / 100) and p.c == pytest.approx(99.75 / 100)
    assert p.a == 1.0
    # 4 failed reviews among 100 files cost one file's point, not the whole b
    assert score_product(count(failed_reviews=4), 100, POLICY).b == pytest.approx(0.99)
    # never below zero
    floor = score_product(count(assigned=2, done=1, failed_reviews=9, delays=9), 1, POLICY)
    assert floor.b == 0.0 and floor.c == 0.0
    exempt = score_product(count(failed_reviews=2, delays=1, exempt=True), 100, POLICY)
    assert exempt.b == 1.0 and exempt.c == 1.0


def test_one_failed_review_and_one_delay_among_ten_items():
    """The legal review's case: per item 98,8 (xuất sắc); the whole-type reading 86,6 (tốt)."""
    items = [count(assigned=10, done=10, passed=10, on_time=9, failed_reviews=1, delays=1)]
    per_item = score_period(items, FULL, POLICY)
    assert fmt_score(per_item.total) == "98,8" and per_item.band == Band.EXCELLENT
    per_type = score_period(items, FULL, PER_TYPE)
    assert fmt_score(per_type.total) == "86,5" and per_type.band == Band.GOOD


def test_deductions_per_type_when_the_province_chooses_it():
    p = score_product(count(failed_reviews=2, delays=1), 100, PER_TYPE)
    assert p.b == pytest.approx(0.5) and p.c == pytest.approx(0.75)
    floor = score_product(count(failed_reviews=7, delays=9), 100, PER_TYPE)
    assert floor.b == 0.0 and floor.c == 0.0


def test_over_achievement_is_shown_not_scored():
    p = score_product(count(done=150, passed=150, on_time=150), 100, POLICY)
    assert p.a == 1.0 and p.a_raw == pytest.approx(1.5)


def test_rate_products_and_their_weight():
    r = score_product(rate(assigned=90, done=72), 1.0, POLICY)
    assert r.a == r.b == r.c == pytest.approx(0.8)
    # count types weigh coefficient × target; the rate type the mean of those
    weights = product_weights([count(1, assigned=100, coef=1.0), count(2, assigned=20, coef=2.0),
                               rate(coef=1.5)], POLICY)
    assert weights == [100.0, 40.0, pytest.approx(1.5 * 70.0)]
    assert product_weights([rate()], POLICY) == [1.0]


def test_weighted_combination():
    task = score_task([count(1, assigned=100, done=100), count(2, assigned=100, done=0,
                                                               passed=0, on_time=0)], POLICY)
    assert task.a == pytest.approx(0.5)
    assert task.points == pytest.approx(35.0)


def test_leader_includes_unit_and_abilities():
    leader = LeaderInputs(unit_result=0.5, organising=1.0, rallying=1.0)
    task = score_task([count()], POLICY, leader)
    assert task.points == pytest.approx(70 * 5.5 / 6)
    assert unit_result([Band.GOOD, Band.DONE], POLICY) == 1.0
    assert unit_result([Band.GOOD, Band.FAILED], POLICY) == 0.5


@pytest.mark.parametrize("total, shown, band", [
    (89.95, "89,9", Band.GOOD), (89.965, "89,9", Band.GOOD), (90.0, "90,0", Band.EXCELLENT),
    (69.95, "69,9", Band.DONE), (70.0, "70,0", Band.GOOD),
    (49.95, "49,9", Band.FAILED), (50.0, "50,0", Band.DONE), (97.49999999999, "97,5", Band.EXCELLENT),
])
def test_bands_on_the_exact_score_shown_truncated(total, shown, band):
    assert band_for(total, POLICY) == band
    assert fmt_score(total) == shown
    assert shown_score(total) == float(shown.replace(",", "."))


def test_bands_and_configurable_thresholds():
    assert band_for(90.0, POLICY) == Band.EXCELLENT
    assert band_for(89.96, POLICY) == Band.GOOD  # the exact score decides, not 90,0
    assert band_for(89.9, POLICY) == Band.GOOD
    assert band_for(70.0, POLICY) == Band.GOOD
    assert band_for(69.9, POLICY) == Band.DONE
    assert band_for(49.9, POLICY) == Band.FAILED
    khanh_hoa = ScoringPolicy(bands=Bands(excellent=90, good=80, done=50))
    assert band_for(75, khanh_hoa) == Band.DONE


def test_discipline_forces_failed():
    result = score_period([count()], FULL, POLICY, disciplined=True)
    assert result.computed_band == Band.EXCELLENT and result.band == Band.FAILED


def test_year_needs_six_months_worked():
    five = score_year([(80.0, 1)] * 5, 5, POLICY)
    assert five.band is None and five.too_few_months and five.total == pytest.approx(80.0)
    year = score_year([(t, 1) for t in (80.0, 90.0, 100.0, 70.0, 80.0, 90.0)], 6, POLICY)
    assert year.total == pytest.approx(85.0) and year.band == Band.GOOD
    # the Decree 90/2020 rule is a toggle
    off = ScoringPolicy(not_rated_under_min_months=False)
    assert score_year([(80.0, 1)] * 5, 5, off).band == Band.GOOD


def test_year_is_weighted_by_months():
    """Q1 = 40 and April–June = 95: (40 × 3 + 95 × 3) / 6 = 67,5, not (40+95+95+95)/4."""
    year = score_year([(40.0, 3), (95.0, 1), (95.0, 1), (95.0, 1)], 6, POLICY)
    assert year.total == pytest.approx(67.5) and year.band == Band.DONE
    assert year.months_rated == 6


def test_excellent_quota():
    assert excellent_quota(10, False, POLICY) == 2
    assert excellent_quota(9, False, POLICY) == 1
    assert excellent_quota(4, False, POLICY) == 0
    # the outstanding-agency exception is the province's figure; none until it sets one
    assert excellent_quota(8, True, POLICY) == 1
    assert excellent_quota(8, True, ScoringPolicy(excellent_cap_ratio_outstanding=0.3)) == 2


quantities = st.floats(min_value=0, max_value=10_000, allow_nan=False)
products = st.builds(
    ProductFigures,
    st.integers(1, 100), st.just("SP"), st.sampled_from(list(ProductKind)),
    st.floats(0.1, 5), st.floats(0, 1000), quantities, quantities, quantities,
    st.integers(0, 10), st.integers(0, 10), st.booleans(), st.integers(1, 4),
)
criteria = st.fixed_dictionaries({k: st.floats(-5, 20) for k in FULL})


@given(st.lists(products, max_size=6), criteria, st.booleans())
def test_score_always_within_0_100(items, crit, is_leader):
    leader = LeaderInputs(1.0, 0.7, 0.9) if is_leader else None
    result = score_period(items, crit, POLICY, leader=leader)
    assert 0.0 <= result.total <= 100.0
    assert 0.0 <= result.task.points <= 70.0 + 1e-9
    for p in result.task.products:
        assert 0.0 <= p.a <= 1.0 and 0.0 <= p.b <= 1.0 and 0.0 <= p.c <= 1.0
    # the indicator groups split exactly the part of the task score that comes from a, b, c
    task = result.task
    assert sum(g.points for g in task.groups) == pytest.approx(task.product_points, abs=1e-9)
    assert task.product_points + task.leader_points == pytest.approx(task.points)
    for g in task.groups:
        assert 0.0 <= g.percent <= 1.0 + 1e-12 and g.points >= -1e-9


@given(st.lists(products, min_size=1, max_size=5), st.integers(0, 4), st.floats(0, 500))
def test_monotone_in_quantity_done(items, index, extra):
    index %= len(items)
    more = list(items)
    base = more[index]
    more[index] = ProductFigures(**{**base.__dict__, "done": base.done + extra})
    before = score_period(items, FULL, POLICY).total
    after = score_period(more, FULL, POLICY).total
    assert after >= before - 1e-9


# ---------------------------------------------------------------- results by indicator group

def test_groups_worked_example_staff():
    """A one-stop desk officer: 120 files (group 1) all done well; the online-filing rate
    (group 2) 60% of 80% → 75%; satisfaction (group 2) 90% of 90%; reports (group 3) 3 of
    4, on time and passed. Weights: 120, the rate types 1 × mean(120, 4) = 62 each, 4."""
    items = [count(1, assigned=120, done=120, group=1),
             rate(2, assigned=80, done=60, group=2), rate(3, assigned=90, done=90, group=2),
             count(4, assigned=4, done=3, group=3)]
    task = score_task(items, POLICY)
    by_group = {g.group: g for g in task.groups}
    assert [g.group for g in task.groups] == [1, 2, 3]
    assert by_group[1].percent == pytest.approx(1.0)
    # group 2: (62 × 0,75 + 62 × 1) / 124 = 87,5%
    assert by_group[2].percent == pytest.approx(0.875)
    assert by_group[3].percent == pytest.approx(0.75)
    # points: 70 × (weight × mean) / total weight = 70 × 120/248, 70 × 108,5/248, 70 × 3/248
    assert by_group[1].points == pytest.approx(70 * 120 / 248)
    assert by_group[2].points == pytest.approx(70 * 108.5 / 248)
    assert by_group[3].points == pytest.approx(70 * 3 / 248)
    assert task.points == task.product_points
    assert sum(g.points for g in task.groups) == pytest.approx(task.points, abs=1e-12)
    assert task.leader_points == 0.0


def test_groups_of_a_leader_leave_d_dd_e_apart():
    """A leader: the products make 70 × (a + b + c) / 6, d đ e the other half."""
    items = [count(1, assigned=8, done=8, coef=3.0, group=1),
             count(2, assigned=6, done=3, coef=1.0, group=3)]
    leader = LeaderInputs(unit_result=0.5, organising=1.0, rallying=1.0)
    task = score_task(items, POLICY, leader)
    # weights 24 and 6; means 1 and 0,5: (24 + 3) / 30 = 0,9 → 70 × 3 × 0,9 / 6 = 31,5
    assert task.product_points == pytest.approx(31.5)
    assert task.leader_points == pytest.approx(70 * 2.5 / 6)
    assert [round(g.points, 6) for g in task.groups] == [round(70 * 24 / 30 / 2, 6),
                                                          round(70 * 3 / 30 / 2, 6)]
    assert [g.percent for g in task.groups] == [pytest.approx(1.0), pytest.approx(0.5)]
    assert sum(g.points for g in task.groups) + task.leader_points == pytest.approx(task.points)


def test_groups_ignore_products_without_a_target_and_deductions_count():
    items = [count(1, assigned=10, done=10, passed=10, failed_reviews=4, delays=2, group=1),
             count(2, assigned=0, done=5, group=4)]
    task = score_task(items, POLICY)
    assert [g.group for g in task.groups] == [1]  # group 4 has no target: not shown
    # b = (10 − 1)/10, c = (10 − 0,5)/10 → (1 + 0,9 + 0,95) / 3 = 95%
    assert task.groups[0].percent == pytest.approx(0.95)
    assert task.groups[0].points == pytest.approx(task.points) == pytest.approx(66.5)
    assert score_task([], POLICY).groups == ()
