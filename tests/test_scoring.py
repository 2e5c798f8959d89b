"""Scoring engine: worked examples and properties (SPEC §4.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.policy import Bands, ScoringPolicy
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
FULL = {"political": 7.5, "ethics": 7.5, "style": 7.5, "discipline": 7.5}


def count(pid=1, assigned=100.0, done=100.0, passed=None, on_time=None, coef=1.0, **kw):
    return ProductFigures(pid, f"SP{pid}", ProductKind.COUNT, coef, assigned, done,
                          done if passed is None else passed,
                          done if on_time is None else on_time, **kw)


def rate(pid=9, assigned=90.0, done=90.0, coef=1.0):
    return ProductFigures(pid, "Tỷ lệ", ProductKind.RATE, coef, assigned, done)


def test_everything_done_on_time_scores_100():
    result = score_period([count()], FULL, POLICY)
    assert result.total == pytest.approx(100.0)
    assert result.band == Band.EXCELLENT


def test_worked_example_partial_work():
    # 80 of 100 done, 70 passed quality, 60 on time: 70 × (0.8+0.7+0.6)/3 = 49; + 24 general
    result = score_period([count(done=80, passed=70, on_time=60)],
                          {"political": 6, "ethics": 6, "style": 6, "discipline": 6}, POLICY)
    assert result.task.points == pytest.approx(49.0)
    assert result.total == pytest.approx(73.0)
    assert result.band == Band.GOOD


def test_deductions_and_exemption():
    p = score_product(count(failed_reviews=2, delays=1), 100, POLICY)
    assert p.b == pytest.approx(0.5) and p.c == pytest.approx(0.75) and p.a == 1.0
    floor = score_product(count(failed_reviews=7, delays=9), 100, POLICY)
    assert floor.b == 0.0 and floor.c == 0.0
    exempt = score_product(count(failed_reviews=2, delays=1, exempt=True), 100, POLICY)
    assert exempt.b == 1.0 and exempt.c == 1.0


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


def test_bands_and_configurable_thresholds():
    assert band_for(90.0, POLICY) == Band.EXCELLENT
    assert band_for(89.96, POLICY) == Band.EXCELLENT  # shown as 90,0
    assert band_for(89.9, POLICY) == Band.GOOD
    assert band_for(70.0, POLICY) == Band.GOOD
    assert band_for(69.9, POLICY) == Band.DONE
    assert band_for(49.9, POLICY) == Band.FAILED
    khanh_hoa = ScoringPolicy(bands=Bands(excellent=90, good=80, done=50))
    assert band_for(75, khanh_hoa) == Band.DONE


def test_discipline_forces_failed():
    result = score_period([count()], FULL, POLICY, disciplined=True)
    assert result.computed_band == Band.EXCELLENT and result.band == Band.FAILED


def test_year_needs_six_months():
    assert score_year([80.0] * 5, 5, POLICY).band is None
    year = score_year([80.0, 90.0, 100.0, 70.0, 80.0, 90.0], 6, POLICY)
    assert year.total == pytest.approx(85.0) and year.band == Band.GOOD


def test_excellent_quota():
    assert excellent_quota(10, False, POLICY) == 2
    assert excellent_quota(9, False, POLICY) == 1
    assert excellent_quota(8, True, POLICY) == 2


quantities = st.floats(min_value=0, max_value=10_000, allow_nan=False)
products = st.builds(
    ProductFigures,
    st.integers(1, 100), st.just("SP"), st.sampled_from(list(ProductKind)),
    st.floats(0.1, 5), st.floats(0, 1000), quantities, quantities, quantities,
    st.integers(0, 10), st.integers(0, 10), st.booleans(),
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


@given(st.lists(products, min_size=1, max_size=5), st.integers(0, 4), st.floats(0, 500))
def test_monotone_in_quantity_done(items, index, extra):
    index %= len(items)
    more = list(items)
    base = more[index]
    more[index] = ProductFigures(**{**base.__dict__, "done": base.done + extra})
    before = score_period(items, FULL, POLICY).total
    after = score_period(more, FULL, POLICY).total
    assert after >= before - 1e-9
