"""The dashboard (Telegram Mini App) use cases: what the board, an evaluator and a cadre may
see, each call re-authorised here with the same rules as the chat (📈 Tổng hợp: the board
reads the province, an evaluator the people they evaluate, everyone their own year). The
figures come from the digests' bulk queries (bot/services/digests.py,
bot/services/indicators.py), so the page and the text digest cannot disagree.

Plain results only; the JSON they become is handlers/screens/webapp.py."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fold_text, vietnamese_name_key
from bot.policy import Policy
from bot.services import digests, leave, notices, training
from bot.services.annual import AgencyList, AnnualService
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.indicators import latest_submissions_on_time
from bot.services.kpi import KpiService
from bot.services.results import Results, my_results
from bot.services.units import UnitTree
from models import Cadre, Entry, Evaluation, OrgUnit, Period, TrainingRecord
from models.enums import Band, Role

SEARCH_LIMIT = 20  # units a search returns
PEOPLE_LIMIT = 500  # people listed in one unit (a unit this big is a data error)


class DashboardError(Exception):
    """A refused dashboard request: "forbidden" (not for this person) or "not_found"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Access:
    """Which views the person may open (the page shows only those)."""

    board: bool
    team: bool
    own: bool = True


def access_of(actor: Actor | None) -> Access:
    if actor is None:
        raise DashboardError("forbidden")
    return Access(board=actor.is_board, team=actor.evaluates or actor.is_supervisor)


def _board(actor: Actor | None) -> Actor:
    if actor is None or not actor.is_board:
        raise DashboardError("forbidden")
    return actor


def overview_allowed(actor: Actor | None) -> Actor:
    """The province's views (and their .xlsx) are the board's."""
    return _board(actor)


# The refresh of the stored board views (bot/jobs/dashboard.py) reads as the board would.
REFRESH_ACTOR = Actor(0, "", "", None, frozenset({Role.BOARD}))


def _evaluator(actor: Actor | None) -> Actor:
    if actor is None or not actor.is_supervisor:
        raise DashboardError("forbidden")
    return actor


async def period_of(session: AsyncSession, period_id: int | None, today: date,
                  calendar: WorkCalendar, policy: Policy) -> Period:
    if period_id is None:
        return await digests.digest_period(session, today, calendar, policy.calendar)
    period = await session.get(Period, period_id)
    if period is None or period.kind == "year" or period.starts_on > today:
        raise DashboardError("not_found")
    return period


# ---------------------------------------------------------------- the board's overview

@dataclass
class PeriodPoint:
    """One period of the year: the share of those expected who sent, the mean rated
    score (the overview's trend lines)."""

    period: Period
    expected: int
    submitted: int
    average: float | None


@dataclass
class Overview:
    period: Period
    board: digests.BoardDigest
    year: list[PeriodPoint]
    periods: list[Period]  # the periods one may switch to, newest first


async def periods_of_year(session: AsyncSession, period: Period, today: date) -> list[Period]:
    """The periods of `period`'s kind in its year begun by today, oldest first."""
    return list(await session.scalars(select(Period).where(
        Period.kind == period.kind, Period.year == period.year, Period.starts_on <= today)
        .order_by(Period.starts_on)))


async def year_points(session: AsyncSession, period: Period, today: date) -> list[PeriodPoint]:
    """The periods of `period`'s kind in its year begun by today: one grouped query each for
    the submissions and the ratings (never one per cadre). Earlier periods are counted
    against today's roster (the trend's approximation: who was on leave or moved then is not
    known per period here); the period itself is then given the digest's own figures."""
    of_year = await periods_of_year(session, period, today)
    if not of_year:
        return []
    ids = [p.id for p in of_year]
    active = await session.scalar(select(func.count()).select_from(Cadre).where(
        Cadre.active.is_(True)))
    # per cadre, as the digests count "sent" (lowest and highest status both submitted or
    # approved), counted by the database: a year of a province is a million entries
    per_cadre = (select(Entry.period_id, func.min(Entry.status).label("low"),
                        func.max(Entry.status).label("high"))
                 .where(Entry.period_id.in_(ids)).group_by(Entry.period_id, Entry.cadre_id)
                 .subquery())
    done = ("submitted", "approved")
    sent = dict((await session.execute(
        select(per_cadre.c.period_id, func.count()).where(
            per_cadre.c.low.in_(done), per_cadre.c.high.in_(done))
        .group_by(per_cadre.c.period_id))).all())
    averages = dict((await session.execute(
        select(Evaluation.period_id, func.avg(Evaluation.total_score)).where(
            Evaluation.period_id.in_(ids), Evaluation.status == "rated")
        .group_by(Evaluation.period_id))).all())
    return [PeriodPoint(p, active or 0, sent.get(p.id, 0),
                        float(averages[p.id]) if averages.get(p.id) is not None else None)
            for p in of_year]


async def overview(session: AsyncSession, actor: Actor | None, period_id: int | None,
                   today: date, calendar: WorkCalendar, policy: Policy) -> Overview:
    """The province for the period under review (or `period_id`) and its year: the very
    BoardDigest the text digest is written from."""
    _board(actor)
    period = await period_of(session, period_id, today, calendar, policy)
    board = await digests.board_digest(session, period, policy, today)
    recent = await digests.recent_periods(session, actor, today, count=12)
    points = await year_points(session, period, today)
    for point in points:  # the period itself: exactly the digest's figures
        if point.period.id == period.id:
            point.expected, point.submitted = board.cadres, board.submitted
    return Overview(period, board, points, recent)


# ---------------------------------------------------------------- the drill-down by unit

@dataclass
class Figures:
    """A unit's (or one person's) figures for the period."""

    cadres: int = 0
    submitted: int = 0
    on_time: int = 0
    trained: int = 0  # with a verified course finished this year
    scores: list[float] = field(default_factory=list)
    bands: Counter = field(default_factory=Counter)

    @property
    def average(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass
class PersonRow:
    cadre_id: int
    code: str
    name: str
    submitted: bool
    on_time: bool | None  # None: nothing sent
    on_leave: bool
    total: float | None
    band: str | None
    trained: bool


@dataclass
class UnitDrill:
    period: Period
    unit: OrgUnit | None  # None: the province (several roots)
    path: list[OrgUnit]  # from the top down to `unit`
    children: list[tuple[OrgUnit, Figures]]
    people: list[PersonRow]  # directly in the unit
    total: Figures  # the unit as a whole


async def _trained_this_year(session: AsyncSession, today: date) -> set[int]:
    finished = func.coalesce(TrainingRecord.end_date, TrainingRecord.start_date)
    return set(await session.scalars(select(TrainingRecord.cadre_id).where(
        TrainingRecord.status == "verified", finished >= date(today.year, 1, 1)).distinct()))


@dataclass
class _Facts:
    """A period's figures of every active person, loaded once (a handful of whole-period
    queries, as 📈 Tổng hợp's drill-down)."""

    tree: UnitTree
    people: list  # (cadre id, unit id, code, full name) of every active person
    submitted: set[int]
    on_time: dict[int, bool]
    away: set[int]  # wholly on confirmed leave and nothing sent: not expected
    rated: dict[int, tuple[float | None, str | None]]
    trained: set[int]

    def count(self, into: Figures, cadre_id: int) -> None:
        into.cadres += 1
        into.submitted += cadre_id in self.submitted
        into.on_time += cadre_id in self.submitted and self.on_time.get(cadre_id, False)
        into.trained += cadre_id in self.trained
        total, band = self.rated.get(cadre_id, (None, None))
        if total is not None:
            into.scores.append(total)
            into.bands[band or ""] += 1

    def row(self, cadre_id: int, code: str, name: str) -> PersonRow:
        total, band = self.rated.get(cadre_id, (None, None))
        sent = cadre_id in self.submitted
        return PersonRow(cadre_id, code, name, sent, self.on_time.get(cadre_id) if sent else None,
                         cadre_id in self.away, total, band, cadre_id in self.trained)


async def _facts(session: AsyncSession, period: Period, today: date,
                 calendar: WorkCalendar) -> _Facts:
    tree = await UnitTree.load(session)
    people = (await session.execute(select(Cadre.id, Cadre.unit_id, Cadre.code,
                                           Cadre.full_name).where(Cadre.active.is_(True)))).all()
    statuses = await session.execute(
        select(Entry.cadre_id, func.min(Entry.status), func.max(Entry.status))
        .where(Entry.period_id == period.id).group_by(Entry.cadre_id))
    submitted = {cid for cid, low, high in statuses.all()
                 if {low, high} <= {"submitted", "approved"}}
    on_time = await latest_submissions_on_time(session, period)
    away = await leave.away_for(session, period, calendar) - submitted
    rated = {cid: (total, band) for cid, total, band in (await session.execute(
        select(Evaluation.cadre_id, Evaluation.total_score, Evaluation.band).where(
            Evaluation.period_id == period.id, Evaluation.status == "rated"))).all()}
    return _Facts(tree, people, submitted, on_time, away, rated,
                  await _trained_this_year(session, today))


def _drill(period: Period, facts: _Facts, unit_id: int | None,
           figures: dict[int, Figures], whole: Figures,
           direct: dict[int | None, list[PersonRow]]) -> UnitDrill:
    """One level: `figures` hold each unit's whole subtree, `direct` the people of each."""
    tree = facts.tree
    children = tree.children.get(unit_id, [])
    rows = sorted(((tree.units[c], figures[c]) for c in children if figures[c].cadres),
                  key=lambda item: item[0].name)
    people = sorted(direct.get(unit_id, []), key=lambda row: vietnamese_name_key(row.name))
    if unit_id is None:
        return UnitDrill(period, None, [], rows, people, whole)
    path = [tree.units[u] for u in reversed(tree.chain(unit_id))]
    return UnitDrill(period, tree.units[unit_id], path, rows, people, figures[unit_id])


def _tally(facts: _Facts, listed) -> tuple[dict[int, Figures], Figures,
                                          dict[int | None, list[PersonRow]]]:
    """Each person counted in their unit and every unit above it (each unit's figures are its
    whole subtree's), the province's in `whole`; the people of the units `listed(unit id)`
    wants listed, by unit."""
    figures: dict[int, Figures] = defaultdict(Figures)
    whole = Figures()
    direct: dict[int | None, list[PersonRow]] = defaultdict(list)
    for cadre_id, uid, code, name in facts.people:
        if listed(uid) and len(direct[uid]) < PEOPLE_LIMIT:
            direct[uid].append(facts.row(cadre_id, code, name))
        if cadre_id in facts.away:  # wholly on confirmed leave: not expected
            continue
        facts.count(whole, cadre_id)
        for current in facts.tree.chain(uid):
            facts.count(figures[current], cadre_id)
    return figures, whole, direct


def _top(tree: UnitTree) -> int | None:
    """The drill-down's top level: the province's one root unit, or None for several."""
    roots = tree.children.get(None, [])
    return roots[0] if len(roots) == 1 else None


async def unit_drill(session: AsyncSession, actor: Actor | None, period_id: int | None,
                     unit_id: int | None, today: date, calendar: WorkCalendar,
                     policy: Policy) -> UnitDrill:
    """One level of the board's drill-down: each sub-unit of `unit_id` (the province when
    None) with sent, on time, mean score, bands and training, and the people directly in
    it."""
    _board(actor)
    period = await period_of(session, period_id, today, calendar, policy)
    tree = await UnitTree.load(session)
    if unit_id is None:
        unit_id = _top(tree)
    elif unit_id not in tree.units:
        raise DashboardError("not_found")
    facts = await _facts(session, period, today, calendar)
    return _drill(period, facts, unit_id, *_tally(facts, lambda uid: uid == unit_id))


async def unit_drills(session: AsyncSession, actor: Actor | None, period: Period, today: date,
                      calendar: WorkCalendar) -> dict[int | None, UnitDrill]:
    """Every level of the drill-down at once (the refresh of the stored views): one load of
    the period's facts, each person counted in each unit above them. Keyed by unit id, and
    None for the top level."""
    _board(actor)
    facts = await _facts(session, period, today, calendar)
    tree = facts.tree
    figures, whole, direct = _tally(facts, lambda uid: True)
    levels: dict[int | None, UnitDrill] = {
        unit_id: _drill(period, facts, unit_id, figures, whole, direct)
        for unit_id in tree.units}
    top = _top(tree)
    levels[None] = levels[top] if top is not None else _drill(period, facts, None, figures,
                                                              whole, direct)
    return levels


async def search_units(session: AsyncSession, actor: Actor | None, text: str) -> list[OrgUnit]:
    """Units whose name or code contains `text` (accents and case ignored)."""
    _board(actor)
    wanted = fold_text(text.strip())
    if not wanted:
        return []
    tree = await UnitTree.load(session)
    found = [u for u in tree.units.values()
             if wanted in fold_text(u.name) or wanted in fold_text(u.code)]
    found.sort(key=lambda u: (not fold_text(u.name).startswith(wanted), u.name))
    return found[:SEARCH_LIMIT]


# ---------------------------------------------------------------- the evaluator's team

@dataclass
class Team:
    period: Period
    digest: digests.Digest
    periods: list[Period]
    quota: AgencyList | None = None  # the evaluator's agency at this year's annual rating


async def team(session: AsyncSession, actor: Actor | None, period_id: int | None, today: date,
               calendar: WorkCalendar, policy: Policy,
               annual: AnnualService | None = None) -> Team:
    """The people `actor` evaluates, for the period: the evaluator's digest; with `annual`,
    the quota situation of their agency's annual rating list (as 📅 shows it)."""
    actor = _evaluator(actor)
    period = await period_of(session, period_id, today, calendar, policy)
    mine = await digests.supervisor_digest(session, actor.cadre_id, period, policy, today)
    quota = None
    if annual is not None and actor.evaluates:
        agency = (await UnitTree.load(session)).agency_of(actor.unit_id)
        if agency is not None:
            quota = await annual.agency_list(session, agency, period.year)
    return Team(period, mine, await digests.recent_periods(session, actor, today, count=12),
                quota)


# ---------------------------------------------------------------- a cadre's own year

@dataclass
class OwnYear:
    results: Results
    obligations: list[training.Obligation]


async def own_year(session: AsyncSession, actor: Actor | None, today: date,
                   kpi: KpiService) -> OwnYear:
    """The person's own year (📊 Kết quả của tôi and 📚 Bồi dưỡng): nobody else's."""
    if actor is None:
        raise DashboardError("forbidden")
    found = await my_results(session, kpi, actor.cadre_id, today)
    cadre = await session.get(Cadre, actor.cadre_id)
    return OwnYear(found, await training.obligations(session, cadre, today))


# ---------------------------------------------------------------- notices

async def notices_progress(session: AsyncSession, actor: Actor | None) -> list:
    """The latest notices sent (📣 Thông báo's list): each with its delivery and
    acknowledgement counts."""
    _board(actor)
    return [await notices.notice_stats(session, notice.id)
            for notice in await notices.recent(session)]


BANDS = [band.value for band in Band]
