"""Resolution targets (SPEC §7): each indicator measured on the population its resolution
names, with the comparison it uses ("trên" is >, "đạt" is ≥), its horizon (every period,
every year, or by a year such as 2030) and, for training, whether this year's courses or any
count. Computed from one load of the province's facts, so the same numbers can be broken
down by unit and by commune (the board's drill-down and Excel).

Sources (../shared/LAW.md, provincial resolutions): Hưng Yên 2026–2030 (young cadres of the
Provincial Standing Committee's list 15%; 15% of communes with a young cadre in a key post;
leaders with a master's degree "trên 25%"; commune leaders with cao cấp/cử nhân LLCT "trên
20%"; 100% trained yearly; 10% of leaders trained in digital transformation by 2030); Bắc
Ninh ("trên 90%" of commune cadres at "tốt" or better each year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import IndicatorTarget, Policy
from bot.services import periods as period_rules
from bot.services.units import UnitTree
from models import Cadre, Entry, Evaluation, JobPosition, Period, TrainingRecord
from models.enums import Band, PeriodType

YOUNG_AGE = 42  # "cán bộ trẻ": under 42, as the resolutions count
GOOD_OR_BETTER = {Band.EXCELLENT.value, Band.GOOD.value}
DIGITAL = "khcn_dmst_so"
PERIOD_METRICS = {"good_or_better_share", "on_time_share"}


def under(birth: date | None, years: int, today: date) -> bool:
    """Younger than `years` on `today`, to the day (born 29/02: the birthday is 01/03)."""
    if birth is None:
        return False
    try:
        anniversary = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a year that has none
        anniversary = date(birth.year + years, 3, 1)
    return today < anniversary


@dataclass
class Person:
    id: int
    unit_id: int | None
    is_leader: bool
    birth_date: date | None
    education: str | None
    theory_level: str | None
    tier: str | None
    key_title: bool


@dataclass
class Facts:
    """What the indicators are computed from, loaded once (bulk queries)."""

    people: list[Person]
    tree: UnitTree
    today: date
    period: Period | None
    trained_year: set[int]
    trained_ever: set[int]
    digital_year: set[int]
    digital_ever: set[int]
    annual_band: dict[int, str]  # this year's closed annual ratings
    period_band: dict[int, str]  # ratings of the period under review
    on_time: dict[int, bool]  # each submitter's latest submission in the period: on time?

    def is_commune(self, person: Person) -> bool:
        return self.tree.level_of(person.unit_id) == "xa"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _trained(facts: Facts, target: IndicatorTarget, digital: bool) -> set[int]:
    if digital:
        return facts.digital_ever if target.accumulation == "ever" else facts.digital_year
    return facts.trained_ever if target.accumulation == "ever" else facts.trained_year


def measure(target: IndicatorTarget, facts: Facts, people: list[Person]) -> float | None:
    """The indicator's value over `people` (the province, or one unit's)."""
    metric = target.metric
    leaders = [p for p in people if p.is_leader]
    if metric == "trained_share":
        trained = _trained(facts, target, digital=False)
        return _share(sum(p.id in trained for p in people), len(people))
    if metric == "young_leaders_share":
        return _share(sum(under(p.birth_date, YOUNG_AGE, facts.today) for p in leaders),
                      len(leaders))
    if metric == "young_standing_committee_share":
        listed = [p for p in people if p.tier == "btv_tinh_uy"]
        return _share(sum(under(p.birth_date, YOUNG_AGE, facts.today) for p in listed),
                      len(listed))
    if metric == "communes_young_key_leader_share":
        communes: dict[int, bool] = {}
        for p in people:
            commune = facts.tree.commune_of(p.unit_id)
            if commune is None:
                continue
            young_key = p.is_leader and p.key_title and under(p.birth_date, YOUNG_AGE,
                                                              facts.today)
            communes[commune] = communes.get(commune, False) or young_key
        return _share(sum(communes.values()), len(communes))
    if metric == "masters_leaders_share":
        return _share(sum(p.education in ("thac_si", "tien_si") for p in leaders), len(leaders))
    if metric == "commune_leaders_theory_share":
        commune = [p for p in leaders if facts.is_commune(p)]
        return _share(sum(p.theory_level in ("cao_cap", "cu_nhan") for p in commune),
                      len(commune))
    if metric == "digital_trained_leaders_share":
        trained = _trained(facts, target, digital=True)
        return _share(sum(p.id in trained for p in leaders), len(leaders))
    if metric == "commune_good_or_better_share":
        rated = [facts.annual_band[p.id] for p in people
                 if facts.is_commune(p) and p.id in facts.annual_band]
        return _share(sum(b in GOOD_OR_BETTER for b in rated), len(rated))
    if metric == "good_or_better_share":
        rated = [facts.period_band[p.id] for p in people if p.id in facts.period_band]
        return _share(sum(b in GOOD_OR_BETTER for b in rated), len(rated))
    if metric == "on_time_share":
        sent = [facts.on_time[p.id] for p in people if p.id in facts.on_time]
        return _share(sum(sent), len(sent))
    return None


def coverage(target: IndicatorTarget, facts: Facts, people: list[Person]
             ) -> tuple[int, int] | None:
    """(measured, expected) for the indicators whose data comes in during the period or the
    year — reports sent, people rated — so that 1 report of 60 is not shown as "100% on
    time"; None for those measured on the whole roster (age, degree, training)."""
    metric = target.metric
    if metric in PERIOD_METRICS:
        if facts.period is None:
            return None
        due = [p for p in people if facts.tree.period_kind_of(p.unit_id) == facts.period.kind]
        seen = facts.on_time if metric == "on_time_share" else facts.period_band
        return sum(p.id in seen for p in due), len(due)
    if metric == "commune_good_or_better_share":
        commune = [p for p in people if facts.is_commune(p)]
        return sum(p.id in facts.annual_band for p in commune), len(commune)
    return None


@dataclass
class Indicator:
    target: IndicatorTarget
    value: float | None
    previous: float | None  # the same indicator one period earlier, where it has one
    # (measured, expected) where the data comes in over time (see `coverage`), and the share
    # of it needed before the value means anything (the policy's indicator_min_coverage)
    basis: tuple[int, int] | None = None
    min_coverage: float = 0.0

    @property
    def enough_data(self) -> bool:
        """False while too few of the people it concerns are in the figure: the value
        describes the early reporters, not the province, and is not shown as reached."""
        if self.basis is None:
            return self.value is not None
        measured, expected = self.basis
        return self.value is not None and expected > 0 and \
            measured >= self.min_coverage * expected - 1e-9

    @property
    def reached(self) -> bool:
        if self.value is None or not self.enough_data:
            return False
        if self.target.comparison == ">":
            return self.value > self.target.target + 1e-12
        return self.value + 1e-12 >= self.target.target

    @property
    def gap(self) -> float:
        if self.value is None or self.reached or not self.enough_data:
            return 0.0
        return max(self.target.target - self.value, 0.0)


async def load_facts(session: AsyncSession, period: Period | None, today: date) -> Facts:
    tree = await UnitTree.load(session)
    key_titles = set(await session.scalars(select(JobPosition.id).where(
        JobPosition.key_title.is_(True))))
    people = [Person(r.id, r.unit_id, r.is_leader, r.birth_date, r.education, r.theory_level,
                     r.management_tier, r.position_id in key_titles)
              for r in (await session.execute(select(
                  Cadre.id, Cadre.unit_id, Cadre.is_leader, Cadre.birth_date, Cadre.education,
                  Cadre.theory_level, Cadre.management_tier, Cadre.position_id).where(
                  Cadre.active.is_(True)))).all()]
    year_start = date(today.year, 1, 1)
    finished = func.coalesce(TrainingRecord.end_date, TrainingRecord.start_date)
    trained_year, trained_ever, digital_year, digital_ever = set(), set(), set(), set()
    for cadre_id, category, day in (await session.execute(
            select(TrainingRecord.cadre_id, TrainingRecord.category, finished)
            .where(TrainingRecord.status == "verified"))).all():
        this_year = day is not None and day >= year_start
        trained_ever.add(cadre_id)
        if this_year:
            trained_year.add(cadre_id)
        if category == DIGITAL:
            digital_ever.add(cadre_id)
            if this_year:
                digital_year.add(cadre_id)
    annual = dict((await session.execute(
        select(Evaluation.cadre_id, Evaluation.band)
        .join(Period, Period.id == Evaluation.period_id)
        .where(Period.kind == PeriodType.YEAR.value, Period.year == today.year,
               Evaluation.status == "rated"))).all())
    period_band, on_time = {}, {}
    if period is not None:
        period_band = dict((await session.execute(
            select(Evaluation.cadre_id, Evaluation.band).where(
                Evaluation.period_id == period.id, Evaluation.status == "rated"))).all())
        on_time = await latest_submissions_on_time(session, period)
    return Facts(people, tree, today, period, trained_year, trained_ever, digital_year,
                 digital_ever, {k: v for k, v in annual.items() if v},
                 {k: v for k, v in period_band.items() if v}, on_time)


async def latest_submissions_on_time(session: AsyncSession, period: Period) -> dict[int, bool]:
    """Per cadre who sent anything in the period: was their latest submission on time? (A
    report sent on time twice counts once, on time; products sent at the same latest moment
    are late if any of them is.) Counted by the database: a province's period is a hundred
    thousand entries, too many to bring into Python for this."""
    latest = (select(Entry.cadre_id, func.max(Entry.submitted_at).label("at"))
              .where(Entry.period_id == period.id, Entry.submitted_at.is_not(None))
              .group_by(Entry.cadre_id).subquery())
    late = func.max(case((Entry.is_late.is_(True), 1), else_=0))
    rows = await session.execute(
        select(Entry.cadre_id, late)
        .join(latest, and_(latest.c.cadre_id == Entry.cadre_id,
                           latest.c.at == Entry.submitted_at))
        .where(Entry.period_id == period.id).group_by(Entry.cadre_id))
    return {cadre_id: not was_late for cadre_id, was_late in rows.all()}


async def _previous_period(session: AsyncSession, period: Period | None) -> Period | None:
    if period is None:
        return None
    year, number = period_rules.previous(PeriodType(period.kind), period.year, period.number)
    return await session.scalar(select(Period).where(
        Period.kind == period.kind, Period.year == year, Period.number == number))


def _rank(result: list[Indicator]) -> list[Indicator]:
    # largest gap first; indicators without (enough) data yet (nobody rated, few reports) last
    return sorted(result, key=lambda i: (not i.enough_data, i.reached, -i.gap))


async def indicators(session: AsyncSession, policy: Policy, period: Period | None, today: date,
                     within: Callable[[Person], bool] | None = None,
                     facts: Facts | None = None) -> list[Indicator]:
    """Every target of the policy, over the province (or the people `within` selects);
    `facts`: the period's, when the caller has read them already (load_facts)."""
    facts = facts or await load_facts(session, period, today)
    previous_period = await _previous_period(session, period)
    previous = (await load_facts(session, previous_period, today)
                if previous_period is not None and any(
                    t.metric in PERIOD_METRICS for t in policy.targets) else None)
    people = [p for p in facts.people if within is None or within(p)]
    result = []
    for target in policy.targets:
        before = None
        if previous is not None and target.metric in PERIOD_METRICS:
            before = measure(target, previous, [p for p in previous.people
                                                if within is None or within(p)])
        result.append(Indicator(target, measure(target, facts, people), before,
                                coverage(target, facts, people), policy.indicator_min_coverage))
    return _rank(result)


async def unit_indicators(session: AsyncSession, policy: Policy, period: Period | None,
                          today: date, unit_id: int) -> list[Indicator]:
    """The targets measured on one unit and its sub-units (a commune's, for commune
    targets)."""
    tree = await UnitTree.load(session)
    units = tree.subtree(unit_id)
    return await indicators(session, policy, period, today,
                            within=lambda p: p.unit_id in units)


async def breakdown_rows(session: AsyncSession, policy: Policy, period: Period | None,
                         today: date, unit_ids: Iterable[int],
                         facts: Facts | None = None) -> list[tuple[int, list]]:
    """(unit, its indicators in the policy's order) for each unit: the Excel sheet."""
    facts = facts or await load_facts(session, period, today)
    wanted = list(unit_ids)
    # each person into every wanted unit above them: one walk up the tree per person, not
    # one pass over the roster per unit (a thousand units × 50,000 people)
    members: dict[int, list[Person]] = {unit_id: [] for unit_id in wanted}
    for person in facts.people:
        for unit_id in facts.tree.chain(person.unit_id):
            if unit_id in members:
                members[unit_id].append(person)
    rows = []
    for unit_id in wanted:
        people = members[unit_id]
        rows.append((unit_id, [Indicator(t, measure(t, facts, people), None,
                                         coverage(t, facts, people),
                                         policy.indicator_min_coverage)
                               for t in policy.targets]))
    return rows
