"""Resolution targets measured on the people their resolutions name (SPEC §7), and digests
that compare each unit with its own kind of period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.demo import load_demo_province
from bot.policy import IndicatorTarget, Policy
from bot.services import digests, periods
from bot.services.calendar import WorkCalendar
from bot.services.indicators import Indicator, indicators, under, unit_indicators
from models import Cadre, Entry, Evaluation, OrgUnit, Period, ProductType

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def test_young_is_to_the_birthday():
    assert under(date(1984, 12, 2), 42, TODAY)  # turns 42 tomorrow
    assert not under(date(1984, 12, 1), 42, TODAY)  # 42 today
    assert under(date(1984, 2, 29), 42, date(2026, 2, 28))
    assert not under(date(1984, 2, 29), 42, date(2026, 3, 1))
    assert not under(None, 42, TODAY)


def test_above_is_not_reached_at_the_target():
    above = IndicatorTarget(metric="masters_leaders_share", name="x", target=0.25,
                            comparison=">")
    reach = IndicatorTarget(metric="masters_leaders_share", name="x", target=0.25)
    assert not Indicator(above, 0.25, None).reached and Indicator(reach, 0.25, None).reached
    assert Indicator(above, 0.26, None).reached and Indicator(above, 0.2, None).gap == \
        0.25 - 0.2


async def _province(db):
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        november = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, 11,
                                               calendar, policy.calendar)
        q3 = await periods.ensure_period(s, periods.PeriodType.QUARTER, 2026, 3, calendar,
                                         policy.calendar)
        return policy, november.id, q3.id


async def _submit(s, code: str, period_id: int, at: datetime, late: bool = False,
                  status: str = "submitted") -> None:
    cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
    product = await s.scalar(select(ProductType).where(
        ProductType.position_id == cadre.position_id).limit(1))
    entry = await s.scalar(select(Entry).where(Entry.cadre_id == cadre.id,
                                               Entry.period_id == period_id))
    if entry is None:
        entry = Entry(cadre_id=cadre.id, period_id=period_id, product_type_id=product.id,
                      version=0, failed_reviews=0, delays=0, adjusted=False, is_late=False)
        s.add(entry)
    entry.status, entry.submitted_at, entry.is_late, entry.quantity_done = status, at, late, 1
    entry.version += 1
    await s.flush()


async def test_on_time_counts_each_persons_latest_submission(db):
    policy, november, _q3 = await _province(db)
    on_time = Policy.model_validate({"targets": [
        {"metric": "on_time_share", "name": "Đúng hạn", "target": 0.95, "horizon": "period"}]})
    async with db.session() as s:
        period = await s.get(Period, november)
        sent = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
        await _submit(s, "XTH004", november, sent)  # sent, returned, sent again on time
        await _submit(s, "XTH004", november, sent + timedelta(hours=2))
        await _submit(s, "XTH003", november, sent)  # on time, still waiting
        (value,) = [i.value for i in await indicators(s, on_time, period, TODAY)]
        assert value == 1.0  # 2 of 2 on time, not 50%
        await _submit(s, "XTH005", november, sent, late=True)  # late, then fixed on time
        await _submit(s, "XTH005", november, sent + timedelta(days=1), late=False)
        await _submit(s, "XTH006", november, sent + timedelta(days=3), late=True)
        (value,) = [i.value for i in await indicators(s, on_time, period, TODAY)]
        assert value == 3 / 4


async def test_a_quarterly_unit_is_not_missing_from_a_monthly_digest(db):
    """The Sở Tài chính reports by quarter: in a month's digests its people are compared
    with their quarter under review, never listed as not having sent the month; while their
    quarter is still under way they are not counted at all."""
    policy, november, q3 = await _province(db)
    calendar = WorkCalendar(policy.calendar)
    async with db.session() as s:
        september = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, 9,
                                                calendar, policy.calendar)
        quarter = await s.get(Period, q3)
        day = quarter.submission_deadline  # the 3rd working day of October: Q3 in review
        sent = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
        director = await s.scalar(select(Cadre.id).where(Cadre.code == "STC001"))
        staff = list(await s.scalars(select(Cadre.code).where(Cadre.evaluator_id == director)))
        for code in staff:
            await _submit(s, code, q3, sent, status="approved")
        await _submit(s, "XTH004", september.id, sent)
        mine = await digests.supervisor_digest(s, director, september, policy, day)
        assert mine.missing == [] and len(mine.submitted) == len(staff)
        assert {line.period.number for line in mine.lines} == {3}  # their quarter
        board = await digests.board_digest(s, september, policy, day)
        finance = next(r for r in board.units if r.unit == "Sở Tài chính")
        # the director has not sent Q3; nobody is counted against September
        assert (finance.submitted, finance.cadres) == (len(staff), len(staff) + 1)
        commune = next(r for r in board.units if r.unit == "UBND xã Tân Hưng")
        assert commune.submitted == 1
        # on 01/12, November in review and Q4 under way: the quarterly people are not due
        period = await s.get(Period, november)
        mine = await digests.supervisor_digest(s, director, period, policy, TODAY)
        assert mine.lines == []
        board = await digests.board_digest(s, period, policy, TODAY)
        assert "Sở Tài chính" not in {r.unit for r in board.units}


async def test_targets_count_the_population_their_resolution_names(db):
    policy, november, _q3 = await _province(db)
    async with db.session() as s:
        period = await s.get(Period, november)
        found = {i.target.metric: i for i in await indicators(s, policy, period, TODAY)}
        # the Provincial Standing Committee's list (BTC001, SNV001, STC001, XTH001, PAP100):
        # none is under 42 on 01/12/2026
        assert found["young_standing_committee_share"].value == 0.0
        # both communes have a young leader in a key post (An Phú's chairs, Tân Hưng's Ánh)
        assert found["communes_young_key_leader_share"].value == 1.0
        anh = await s.scalar(select(Cadre).where(Cadre.code == "XTH002"))
        anh.birth_date = date(1984, 12, 1)  # 42 today: no longer young
        await s.flush()
        found = {i.target.metric: i for i in await indicators(s, policy, period, TODAY)}
        assert found["communes_young_key_leader_share"].value == 1 / 2
        # make the commune chair of Tân Hưng young: 1 of 5 on the list, and 2 of 2 communes
        binh = await s.scalar(select(Cadre).where(Cadre.code == "XTH001"))
        binh.birth_date = date(1984, 12, 2)
        await s.flush()
        found = {i.target.metric: i for i in await indicators(s, policy, period, TODAY)}
        assert found["young_standing_committee_share"].value == 1 / 5
        assert found["communes_young_key_leader_share"].value == 1.0
        # the commune target is yearly, on the closed annual ratings of commune cadres only
        assert found["commune_good_or_better_share"].value is None  # nothing closed yet
        year = await periods.ensure_period(s, periods.PeriodType.YEAR, 2026, 1,
                                           WorkCalendar(policy.calendar), policy.calendar)
        for code, band in (("XTH003", "tot"), ("XTH004", "xuat_sac"), ("XTH005", "hoan_thanh"),
                           ("SNV003", "hoan_thanh")):
            cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
            s.add(Evaluation(cadre_id=cadre.id, period_id=year.id, status="rated", version=1,
                             band=band))
        await s.flush()
        found = {i.target.metric: i for i in await indicators(s, policy, period, TODAY)}
        commune = found["commune_good_or_better_share"]
        assert commune.value == 2 / 3 and not commune.reached  # "trên 90%"
        # broken down by unit: Tân Hưng's own figures
        tan_hung = await s.scalar(select(OrgUnit.id).where(OrgUnit.code == "XTH"))
        local = {i.target.metric: i for i in await unit_indicators(s, policy, period, TODAY,
                                                                    tan_hung)}
        assert local["communes_young_key_leader_share"].value == 1.0
        assert local["young_standing_committee_share"].value == 1.0
