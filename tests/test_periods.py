"""Periods and deadlines in working days, across Tết and configured days."""

from datetime import date

from bot.policy import CalendarPolicy
from bot.services.calendar import WorkCalendar
from bot.services.periods import bounds, deadlines, ensure_period, number_of, previous
from models.enums import PeriodType

POLICY = CalendarPolicy()
CAL = WorkCalendar(POLICY)


def test_bounds():
    assert bounds(PeriodType.MONTH, 2026, 2) == (date(2026, 2, 1), date(2026, 2, 28))
    assert bounds(PeriodType.QUARTER, 2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert bounds(PeriodType.YEAR, 2026, 1) == (date(2026, 1, 1), date(2026, 12, 31))
    assert number_of(PeriodType.QUARTER, date(2026, 8, 15)) == 3
    assert previous(PeriodType.MONTH, 2026, 1) == (2025, 12)
    assert previous(PeriodType.QUARTER, 2026, 3) == (2026, 2)


def test_tet_is_not_a_working_day_and_weekends_are_skipped():
    assert not CAL.is_working_day(date(2027, 2, 8))  # Tết 2027
    assert not CAL.is_working_day(date(2026, 2, 21))  # a Saturday
    assert CAL.is_working_day(date(2026, 8, 22))  # make-up Saturday known to `holidays`
    assert not CAL.is_working_day(date(2026, 8, 31))


def test_deadlines_across_tet_2027():
    # January 2027 ends on a Sunday; Tết runs 04–10/02/2027
    submission, review = deadlines(date(2027, 1, 31), CAL, POLICY)
    assert submission == date(2027, 2, 3)
    assert review == date(2027, 2, 16)


def test_deadline_after_new_year():
    submission, review = deadlines(date(2026, 12, 31), CAL, POLICY)
    assert submission == date(2027, 1, 6)  # 01/01 is a holiday, then a weekend


def test_operator_days_off_and_makeup_days():
    policy = CalendarPolicy(extra_days_off=[date(2026, 2, 2)],
                            makeup_working_days=[date(2026, 1, 31)])
    cal = WorkCalendar(policy)
    # 31/01 (Sat) is a working day now but comes before the count starts; 02/02 is off
    assert deadlines(date(2026, 1, 31), cal, policy)[0] == date(2026, 2, 5)
    assert cal.working_days_between(date(2026, 1, 30), date(2026, 2, 3)) == 2


async def test_period_rows_are_created_once(db):
    async with db.session() as s:
        p1 = await ensure_period(s, PeriodType.MONTH, 2027, 1, CAL, POLICY)
        p2 = await ensure_period(s, PeriodType.MONTH, 2027, 1, CAL, POLICY)
        assert p1.id == p2.id
        assert p1.submission_deadline == date(2027, 2, 3)
        assert p1.status == "open"


async def test_a_unit_inherits_its_period_type_from_the_nearest_ancestor_that_sets_one(db):
    from bot.services.kpi import period_type_of_unit
    from models import OrgUnit

    async with db.session() as s:
        province = OrgUnit(code="T", name="Tỉnh", level="tinh", period_type="quarter")
        s.add(province)
        await s.flush()
        district = OrgUnit(code="H", name="Huyện", level="xa", parent_id=province.id,
                           period_type="")
        s.add(district)
        await s.flush()
        commune = OrgUnit(code="X", name="Xã", level="xa", parent_id=district.id)
        monthly = OrgUnit(code="M", name="Sở", level="xa", parent_id=province.id,
                          period_type="month")
        s.add_all([commune, monthly])
        await s.flush()
        below_monthly = OrgUnit(code="P", name="Phòng", level="xa", parent_id=monthly.id)
        lone = OrgUnit(code="L", name="Đơn vị", level="xa")
        s.add_all([below_monthly, lone])
        await s.flush()
        assert await period_type_of_unit(s, commune.id) == PeriodType.QUARTER
        assert await period_type_of_unit(s, district.id) == PeriodType.QUARTER
        assert await period_type_of_unit(s, below_monthly.id) == PeriodType.MONTH
        assert await period_type_of_unit(s, lone.id) == PeriodType.MONTH  # the default
        assert await period_type_of_unit(s, None) == PeriodType.MONTH
        # a cycle in a badly imported tree ends in the default, not a hang
        province.parent_id = commune.id
        province.period_type = None
        await s.flush()
        assert await period_type_of_unit(s, commune.id) == PeriodType.MONTH


async def test_a_refused_update_keeps_nothing_it_did_before_failing(db):
    """Creating a period inside an update that then fails leaves no row: no savepoint may
    commit part of a transaction (on SQLite a savepoint opened before the first write
    starts the transaction, and releasing it would commit)."""
    from sqlalchemy import func, select

    from bot.policy import Policy
    from bot.services import periods
    from bot.services.calendar import WorkCalendar
    from models import Period

    policy = Policy()

    class Refused(Exception):
        pass

    try:
        async with db.session() as s:
            await periods.ensure_period(s, periods.PeriodType.YEAR, 2026, 1,
                                        WorkCalendar(policy.calendar), policy.calendar)
            raise Refused
    except Refused:
        pass
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Period)) == 0


async def test_the_report_shows_the_units_kind_of_period_created_then_read_in_one_query(db):
    """📝 Báo cáo KPI's current and previous period follow the unit's inherited period type,
    the first time (the rows created) and after (the type and both rows in one query)."""
    from sqlalchemy import event

    from bot.policy import Policy
    from bot.services.calendar import WorkCalendar
    from bot.services.kpi import KpiService
    from models import Cadre, OrgUnit

    policy = Policy()
    kpi = KpiService(policy, WorkCalendar(policy.calendar))
    async with db.session() as s:
        province = OrgUnit(code="T", name="Tỉnh", level="tinh", period_type="quarter")
        s.add(province)
        await s.flush()
        commune = OrgUnit(code="X", name="Xã", level="xa", parent_id=province.id)
        s.add(commune)
        await s.flush()
        quarterly = Cadre(code="Q1", full_name="Lê Quý", unit_id=commune.id)
        monthly = Cadre(code="M1", full_name="Lê Nguyệt", unit_id=None)
        s.add_all([quarterly, monthly])
        await s.flush()
        today = date(2027, 4, 2)  # Q2 begun, Q1's report still due
        statements = []
        event.listen(db.engine.sync_engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        for attempt in range(2):
            statements.clear()
            shown = await kpi.periods_to_show(s, quarterly, today)
            assert [(p.kind, p.year, p.number) for p in shown] == [
                ("quarter", 2027, 1), ("quarter", 2027, 2)]
            if attempt:
                assert len(statements) == 2  # the periods with the type; the entries' states
        shown = await kpi.periods_to_show(s, monthly, today)
        assert [(p.kind, p.year, p.number) for p in shown] == [("month", 2027, 3),
                                                                ("month", 2027, 4)]
