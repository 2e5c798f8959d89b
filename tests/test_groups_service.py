"""The board's drill-down by indicator group (issue #24 part 2): each unit's weakest group
over its rated reports, computed in bulk."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import digests, periods
from bot.services.calendar import WorkCalendar
from models import Cadre, Entry, Evaluation, OrgUnit, ProductType

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)

# figures by product code (count: done, all of quality and on time; rate: the % achieved)
REPORTS = {
    # one-stop desk (MC01 target 120, group 1; MC02 80% and MC03 90%, group 2)
    "XTH004": ({"MC01": 120, "MC02": 60, "MC03": 90}, True),  # g1 100%, g2 87,5%
    "XTH003": ({"MC01": 96, "MC02": 80, "MC03": 90}, True),  # g1 80%, g2 100%
    # land officer (DC01, DC02 group 1; DC03 95% group 2; DC04 100% group 4)
    "XTH005": ({"DC01": 30, "DC02": 8, "DC03": 95, "DC04": 50}, True),  # g4 50%
    "XTH006": ({"DC01": 30, "DC02": 8, "DC03": 95, "DC04": 0}, False),  # approved, not rated
}


async def _rated_province(db):
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        november = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, 11,
                                               calendar, policy.calendar)
        products = {p.code: p for p in await s.scalars(select(ProductType))}
        for code, (figures, rated) in REPORTS.items():
            cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
            for product_code, done in figures.items():
                s.add(Entry(cadre_id=cadre.id, period_id=november.id,
                            product_type_id=products[product_code].id, status="approved",
                            version=1, quantity_done=done, quantity_passed=done,
                            quantity_on_time=done, failed_reviews=0, delays=0))
            if rated:
                s.add(Evaluation(cadre_id=cadre.id, period_id=november.id,
                                 unit_id=cadre.unit_id, status="rated", total_score=90.0,
                                 band="xuat_sac"))
        await s.flush()
        return policy, november


async def test_each_unit_shows_its_weakest_group_over_its_rated_reports(db):
    policy, november = await _rated_province(db)
    async with db.session() as s:
        province = await digests.unit_breakdown(s, november, policy, None, TODAY)
        rows = {unit.code: row for unit, row in province.children}
        commune = rows["XTH"]
        # Tân Hưng: XTH003, XTH004 and XTH005 rated (XTH006 not: left out)
        assert commune.groups[1] == pytest.approx((1.0 + 0.8 + 1.0) / 3)
        assert commune.groups[2] == pytest.approx((0.875 + 1.0 + 1.0) / 3)
        assert commune.groups[4] == pytest.approx(0.5)
        assert commune.weakest == (4, pytest.approx(0.5))
        assert rows["SNV"].groups == {} and rows["SNV"].weakest is None
        xth = await s.scalar(select(OrgUnit.id).where(OrgUnit.code == "XTH"))
        office = {unit.code: row for unit, row in (await digests.unit_breakdown(
            s, november, policy, xth, TODAY)).children}["XTH-VP"]
        # the office alone: the one-stop desk officers, weakest in group 1 (90% vs 93,75%)
        assert office.weakest == (1, pytest.approx(0.9))
        assert office.groups[2] == pytest.approx(0.9375)


async def test_the_groups_of_a_period_take_three_queries_whatever_the_number_of_people(db):
    policy, november = await _rated_province(db)
    async with db.session() as s:
        statements = []
        engine = s.bind.sync_engine if hasattr(s.bind, "sync_engine") else s.bind

        def count(*_args):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            found = await digests.rated_groups(s, november, policy)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 3
    assert len(found) == 3  # the rated people only
    codes = {c.id: c.code for c in [await _cadre(db, code) for code in REPORTS]}
    by_code = {codes[cadre_id]: groups for cadre_id, groups in found.items()}
    assert by_code["XTH004"] == {1: pytest.approx(1.0), 2: pytest.approx(0.875)}
    assert by_code["XTH005"] == {1: pytest.approx(1.0), 2: pytest.approx(1.0),
                                4: pytest.approx(0.5)}


async def _cadre(db, code):
    async with db.session() as s:
        return await s.scalar(select(Cadre).where(Cadre.code == code))


def test_weakest_group_needs_two_groups_and_breaks_ties_by_number():
    assert digests.weakest_group({1: 0.7}) is None
    assert digests.weakest_group({3: 0.8, 2: 0.8, 1: 0.9}) == (2, 0.8)
    assert digests.mean_groups([{1: 1.0, 2: 0.5}, {1: 0.5}, {}]) == {1: 0.75, 2: 0.5}
