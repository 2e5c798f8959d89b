"""Digests for supervisors and the board (SPEC §6–7), computed with a handful of bulk
queries per digest (never one query per cadre); the use cases behind 📈 Tổng hợp (each tap
re-authorised here) and the scheduled digests' round."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import vietnamese_name_key
from bot.policy import Bands, CalendarPolicy, Policy
from bot.services import leave, periods
from bot.services.appeals import tally as appeal_tally
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.kpi import period_type_of_unit
from bot.services.scoring import ProductFigures, band_for, score_period, score_task
from bot.services.units import UnitTree
from models import (
    Cadre,
    Entry,
    Evaluation,
    Notice,
    NoticeDelivery,
    OrgUnit,
    Period,
    ProductType,
    ReminderLog,
    RoleGrant,
    Target,
    TrainingRecord,
)
from models.enums import PeriodType, ProductKind, Role


@dataclass
class CadreLine:
    cadre_id: int
    code: str
    name: str
    unit: str
    submitted: bool
    late: bool
    waiting: int
    total: float | None
    band: str | None
    overdue_training: list[str] = field(default_factory=list)
    period: Period | None = None  # the cadre's own period, when it is of another kind
    on_leave: bool = False  # the period wholly on confirmed leave, nothing sent: not expected
    # indicator group → the weighted mean of (a + b + c) / 3 of its products (0–1), from the
    # figures sent (the evaluator's adjusted ones where adjusted); empty when nothing was sent
    groups: dict[int, float] = field(default_factory=dict)


@dataclass
class Digest:
    period: Period
    lines: list[CadreLine]
    bands: Counter = field(default_factory=Counter)
    thresholds: Bands = field(default_factory=Bands)  # the policy's, for the chart's lines

    @property
    def submitted(self) -> list[CadreLine]:
        return [line for line in self.lines if line.submitted]

    @property
    def expected(self) -> list[CadreLine]:
        """Everyone but those away for the whole period (bot.services.leave)."""
        return [line for line in self.lines if not line.on_leave]

    @property
    def missing(self) -> list[CadreLine]:
        return [line for line in self.lines if not line.submitted and not line.on_leave]

    @property
    def away(self) -> list[CadreLine]:
        return [line for line in self.lines if line.on_leave]

    @property
    def late(self) -> list[CadreLine]:
        return [line for line in self.lines if line.late]

    @property
    def waiting(self) -> int:
        return sum(line.waiting for line in self.lines)

    @property
    def overdue(self) -> list[CadreLine]:
        return [line for line in self.lines if line.overdue_training]

    @property
    def average(self) -> float | None:
        totals = [line.total for line in self.lines if line.total is not None]
        return sum(totals) / len(totals) if totals else None

    @property
    def groups(self) -> dict[int, float]:
        """Each indicator group's mean over the people who sent figures in it."""
        return mean_groups(line.groups for line in self.lines)


# ---------------------------------------------------------------- results by indicator group
# (issue #24 part 2: Bắc Ninh's resolution evaluates in four indicator groups)

def mean_groups(items) -> dict[int, float]:
    """group → the mean of the percentages of the people who have the group, in group order."""
    sums: dict[int, float] = defaultdict(float)
    counts: Counter = Counter()
    for groups in items:
        for group, value in groups.items():
            sums[group] += value
            counts[group] += 1
    return {group: sums[group] / counts[group] for group in sorted(sums)}


def weakest_group(groups: dict[int, float]) -> tuple[int, float] | None:
    """The group with the lowest mean (the lower number on a tie); None with fewer than two
    groups: with one, "weakest" says nothing."""
    if len(groups) < 2:
        return None
    group = min(groups, key=lambda g: (groups[g], g))
    return group, groups[group]


def _figures(row, product: ProductType, target: float, adjusted: bool = True) -> ProductFigures:
    """One entry's figures for scoring from an Entry or a row of its columns: the evaluator's
    adjusted figures where there are (what the rating counted)."""
    adj = adjusted and row.adjusted
    return ProductFigures(
        product.id, product.name, ProductKind(product.kind), product.coefficient, target,
        (row.adj_quantity_done if adj else row.quantity_done) or 0,
        (row.adj_quantity_passed if adj else row.quantity_passed) or 0,
        (row.adj_quantity_on_time if adj else row.quantity_on_time) or 0,
        (row.adj_failed_reviews if adj else row.failed_reviews) or 0,
        (row.adj_delays if adj else row.delays) or 0,
        row.exemption_status == "accepted", group=product.indicator_group or 1)


def groups_of(figures: list[ProductFigures], policy: Policy) -> dict[int, float]:
    return {g.group: g.percent for g in score_task(figures, policy.scoring).groups}


_FIGURE_COLUMNS = (Entry.cadre_id, Entry.product_type_id, Entry.adjusted, Entry.quantity_done,
                   Entry.quantity_passed, Entry.quantity_on_time, Entry.failed_reviews,
                   Entry.delays, Entry.adj_quantity_done, Entry.adj_quantity_passed,
                   Entry.adj_quantity_on_time, Entry.adj_failed_reviews, Entry.adj_delays,
                   Entry.exemption_status)


async def rated_groups(session: AsyncSession, period: Period, policy: Policy,
                       products: dict[int, ProductType] | None = None) -> dict[int, dict[int, float]]:
    """Every cadre rated in `period`: indicator group → percentage, from the figures the
    rating counted. Three queries whatever the number of people (the rated people's entries
    and targets as plain columns, the catalogue), then pure arithmetic: the board's digest and
    drill-down of a 50,000-cadre province stay one scan of the period."""
    rated = select(Evaluation.cadre_id).where(
        Evaluation.period_id == period.id, Evaluation.status == "rated",
        Evaluation.total_score.is_not(None))
    if products is None:
        products = {p.id: p for p in await session.scalars(select(ProductType))}
    targets = {(c, p): q for c, p, q in (await session.execute(
        select(Target.cadre_id, Target.product_type_id, Target.quantity).where(
            Target.period_id == period.id, Target.cadre_id.in_(rated)))).all()}
    figures: dict[int, list[ProductFigures]] = defaultdict(list)
    for row in (await session.execute(select(*_FIGURE_COLUMNS).where(
            Entry.period_id == period.id, Entry.cadre_id.in_(rated)))).all():
        product = products[row.product_type_id]
        figures[row.cadre_id].append(_figures(
            row, product, targets.get((row.cadre_id, product.id), product.default_target)))
    return {cadre_id: groups_of(items, policy) for cadre_id, items in figures.items()}


async def _lines(session: AsyncSession, period: Period, cadres: list[Cadre], policy: Policy,
                 today: date | None = None) -> list[CadreLine]:
    ids = [c.id for c in cadres]
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    products = {p.id: p for p in await session.scalars(select(ProductType))}
    entries: dict[int, list[Entry]] = defaultdict(list)
    targets: dict[tuple[int, int], float] = {}
    evaluations: dict[int, Evaluation] = {}
    wanted = set(ids)
    if len(ids) > 900:  # many people: one scan of the period beats thousands of IN lists
        chunks = [None]
    else:
        chunks = [ids[start:start + 900] for start in range(0, len(ids), 900)]
    for chunk in chunks:
        def restrict(query, column, chunk=chunk):
            return query if chunk is None else query.where(column.in_(chunk))

        for e in await session.scalars(restrict(select(Entry).where(
                Entry.period_id == period.id), Entry.cadre_id)):
            if e.cadre_id in wanted:
                entries[e.cadre_id].append(e)
        for t in await session.scalars(restrict(select(Target).where(
                Target.period_id == period.id), Target.cadre_id)):
            targets[(t.cadre_id, t.product_type_id)] = t.quantity
        for ev in await session.scalars(restrict(select(Evaluation).where(
                Evaluation.period_id == period.id), Evaluation.cadre_id)):
            evaluations[ev.cadre_id] = ev
    overdue = await overdue_training(session, cadres, today) if today else {}
    away = await leave.away_for(session, period, WorkCalendar(policy.calendar), ids)
    lines = []
    for cadre in cadres:
        own = entries.get(cadre.id, [])
        submitted = bool(own) and all(e.status in ("submitted", "approved") for e in own)
        ev = evaluations.get(cadre.id)
        total, band = None, None
        if ev is not None and ev.status == "rated":
            total, band = ev.total_score, ev.band
        elif submitted:
            figures = []
            for e in own:
                p = products[e.product_type_id]
                figures.append(ProductFigures(
                    p.id, p.name, ProductKind(p.kind), p.coefficient,
                    targets.get((cadre.id, p.id), p.default_target), e.quantity_done or 0,
                    e.quantity_passed or 0, e.quantity_on_time or 0, e.failed_reviews or 0,
                    e.delays or 0, e.exemption_accepted, group=p.indicator_group or 1))
            criteria = (ev.criteria or ev.self_criteria) if ev else None
            total = score_period(figures, criteria, policy.scoring).total
        groups = {}
        if total is not None and own:
            groups = groups_of([_figures(e, products[e.product_type_id], targets.get(
                (cadre.id, e.product_type_id), products[e.product_type_id].default_target))
                for e in own], policy)
        lines.append(CadreLine(cadre.id, cadre.code, cadre.full_name,
                               units.get(cadre.unit_id, ""), submitted,
                               any(e.is_late for e in own),
                               sum(e.status == "submitted" for e in own), total, band,
                               overdue.get(cadre.id, []),
                               on_leave=cadre.id in away and not submitted, groups=groups))
    return lines


async def overdue_training(session: AsyncSession, cadres: list[Cadre],
                           today: date) -> dict[int, list[str]]:
    """Training obligations past their due date and not met, per cadre, in bulk."""
    from bot.services.training import Status, applies, profile_from, status_of
    from models import JobPosition, TrainingRequirement

    requirements = list(await session.scalars(select(TrainingRequirement).where(
        TrainingRequirement.active.is_(True), TrainingRequirement.due_date < today)))
    if not requirements or not cadres:
        return {}
    units = {u.id: u for u in await session.scalars(select(OrgUnit))}
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.code))).all())
    records: dict[int, list[TrainingRecord]] = defaultdict(list)
    for record in await session.scalars(select(TrainingRecord)):
        records[record.cadre_id].append(record)
    result: dict[int, list[str]] = {}
    for cadre in cadres:
        who = profile_from(cadre, units, positions)
        titles = [req.title for req in requirements if applies(req.applies_to or {}, who, today)
                  and status_of(req, who, records.get(cadre.id, []), today).status == Status.OVERDUE]
        if titles:
            result[cadre.id] = titles
    return result


def _by_name(cadres) -> list[Cadre]:
    """People in the order Vietnamese lists use: by given name, Đ with D."""
    return sorted(cadres, key=lambda cadre: vietnamese_name_key(cadre.full_name))


async def period_under_review(session: AsyncSession, kind: str, today: date,
                              policy: Policy) -> Period:
    """The period of this kind people are reporting on: one that has ended and whose
    submission deadline is ahead or passed in the last week; else the one under way."""
    found = await session.scalar(select(Period).where(
        Period.kind == kind, Period.ends_on < today,
        Period.submission_deadline >= today - timedelta(days=7))
        .order_by(Period.ends_on.desc()).limit(1))
    if found is None:
        found = await periods.period_for_day(session, PeriodType(kind), today,
                                             WorkCalendar(policy.calendar), policy.calendar)
    return found


async def _own_periods(session: AsyncSession, period: Period, kinds: set[str],
                       today: date | None, policy: Policy) -> dict[str, Period | None]:
    """Each unit reports on its own kind of period: the digest of a month compares quarterly
    units with their quarter under review, never counts them missing for the month."""
    result: dict[str, Period | None] = {period.kind: period}
    day = today or period.ends_on
    for kind in kinds - {period.kind}:
        own = await period_under_review(session, kind, day, policy)
        # a quarter still under way is not due: its people are not counted at all
        result[kind] = own if own.ends_on < day else None
    return result


async def lines_by_own_period(session: AsyncSession, period: Period, cadres: list[Cadre],
                              policy: Policy, today: date | None = None) -> list[CadreLine]:
    tree = await UnitTree.load(session)
    kind_of = {c.id: tree.period_kind_of(c.unit_id) for c in cadres}
    own = await _own_periods(session, period, set(kind_of.values()), today, policy)
    by_id: dict[int, CadreLine] = {}
    for kind, kind_period in own.items():
        group = [c for c in cadres if kind_of[c.id] == kind]
        if not group or kind_period is None:
            continue
        for line in await _lines(session, kind_period, group, policy, today):
            line.period = kind_period if kind_period.id != period.id else None
            by_id[line.cadre_id] = line
    return [by_id[c.id] for c in cadres if c.id in by_id]


async def supervisor_digest(session: AsyncSession, supervisor_id: int, period: Period,
                            policy: Policy, today: date | None = None) -> Digest:
    cadres = _by_name(await session.scalars(select(Cadre).where(
        Cadre.evaluator_id == supervisor_id, Cadre.active.is_(True))))
    lines = await lines_by_own_period(session, period, cadres, policy, today)
    return Digest(period, lines, Counter(line.band for line in lines if line.band),
                  policy.scoring.bands)


@dataclass
class UnitRow:
    unit: str
    cadres: int
    submitted: int
    average: float | None
    groups: dict[int, float] = field(default_factory=dict)  # over the unit's rated reports

    @property
    def rate(self) -> float:
        return self.submitted / self.cadres if self.cadres else 0.0

    @property
    def weakest(self) -> tuple[int, float] | None:
        """The indicator group where the unit is weakest, and its mean percentage."""
        return weakest_group(self.groups)


@dataclass
class BoardDigest:
    period: Period
    units: list[UnitRow]  # worst submission rate first
    bands: Counter
    training: dict[str, float]  # category -> share of cadres with verified training this year
    notices: list[tuple[int, str, int, int]]  # id, text, sent, acknowledged
    cadres: int
    submitted: int
    indicators: list = field(default_factory=list)
    unit_indicators: list = field(default_factory=list)  # (unit name, its indicators)
    away: int = 0  # wholly on confirmed leave this period (left out of `cadres`)
    groups: dict[int, float] = field(default_factory=dict)  # over the rated reports
    appeals_open: int = 0  # kiến nghị not answered yet, province-wide (bot.services.appeals)
    appeals_overdue: int = 0  # … of which past their answer date


async def board_digest(session: AsyncSession, period: Period, policy: Policy,
                       today: date) -> BoardDigest:
    """Province overview by top-level unit, with aggregate SQL (no per-cadre queries)."""
    units = {u.id: u for u in await session.scalars(select(OrgUnit))}
    top: dict[int, int] = {}

    def top_of(unit_id: int | None) -> int | None:
        if unit_id in top:
            return top[unit_id]
        chain, current = [], unit_id
        while current is not None and units[current].parent_id is not None \
                and units[units[current].parent_id].parent_id is not None:
            chain.append(current)
            current = units[current].parent_id
        for u in chain + [unit_id]:
            top[u] = current
        return current

    tree = await UnitTree.load(session)
    cadre_units = dict((await session.execute(select(Cadre.id, Cadre.unit_id).where(
        Cadre.active.is_(True)))).all())
    kind_of = {c: tree.period_kind_of(u) for c, u in cadre_units.items()}
    own = await _own_periods(session, period, set(kind_of.values()), today, policy)
    counted = {c: u for c, u in cadre_units.items() if own.get(kind_of[c]) is not None}
    calendar = WorkCalendar(policy.calendar)
    submitted_ids: set[int] = set()
    away_ids: set[int] = set()
    totals: dict[int, list[float]] = defaultdict(list)
    bands: Counter = Counter()
    products = {p.id: p for p in await session.scalars(select(ProductType))}
    group_results: dict[int, dict[int, float]] = {}
    for kind, kind_period in own.items():
        if kind_period is None:
            continue
        group_results.update(
            (cadre_id, groups) for cadre_id, groups in (await rated_groups(
                session, kind_period, policy, products)).items()
            if cadre_id in counted and kind_of[cadre_id] == kind)
        statuses = await session.execute(
            select(Entry.cadre_id, func.min(Entry.status), func.max(Entry.status))
            .where(Entry.period_id == kind_period.id).group_by(Entry.cadre_id))
        submitted_ids |= {cid for cid, low, high in statuses.all()
                          if {low, high} <= {"submitted", "approved"}
                          and kind_of.get(cid) == kind}
        away_ids |= {cid for cid in await leave.away_for(session, kind_period, calendar)
                     if kind_of.get(cid) == kind}
        for cadre_id, total, band in (await session.execute(
                select(Evaluation.cadre_id, Evaluation.total_score, Evaluation.band).where(
                    Evaluation.period_id == kind_period.id,
                    Evaluation.status == "rated"))).all():
            if cadre_id in counted and kind_of[cadre_id] == kind and total is not None:
                totals[top_of(counted[cadre_id])].append(total)
                bands[band or band_for(total, policy.scoring).value] += 1
    # wholly on leave and nothing sent: not expected, neither sent nor missing
    away_ids = {c for c in away_ids - submitted_ids if c in counted}
    counted = {c: u for c, u in counted.items() if c not in away_ids}
    per_unit_cadres: Counter = Counter(top_of(u) for u in counted.values() if u in units)
    per_unit_submitted: Counter = Counter(top_of(counted[c]) for c in submitted_ids
                                          if c in counted)
    per_unit_groups: dict[int, list[dict[int, float]]] = defaultdict(list)
    for cadre_id, groups in group_results.items():
        if cadre_id in counted:
            per_unit_groups[top_of(counted[cadre_id])].append(groups)
    rows = [UnitRow(units[u].name, n, per_unit_submitted.get(u, 0),
                    sum(totals[u]) / len(totals[u]) if totals.get(u) else None,
                    mean_groups(per_unit_groups.get(u, ())))
            for u, n in per_unit_cadres.items() if u is not None]
    rows.sort(key=lambda r: (r.rate, r.average or 0))
    trained = dict((await session.execute(
        select(TrainingRecord.category, func.count(func.distinct(TrainingRecord.cadre_id)))
        .where(TrainingRecord.status == "verified",
               func.coalesce(TrainingRecord.end_date, TrainingRecord.start_date)
               >= date(today.year, 1, 1))
        .group_by(TrainingRecord.category))).all())
    active = len(cadre_units) or 1
    from bot.services.indicators import breakdown_rows, indicators, load_facts

    tops = sorted({top_of(u) for u in cadre_units.values() if u in units} - {None},
                  key=lambda u: units[u].name)
    facts = await load_facts(session, period, today)  # the roster, read once for both
    by_unit = [(units[u].name, items) for u, items in await breakdown_rows(
        session, policy, period, today, tops, facts)]
    appeals = await appeal_tally(session, today)
    notices = []
    for notice in await session.scalars(select(Notice).where(Notice.ack_kind != "none")
                                        .order_by(Notice.id.desc()).limit(5)):
        # reached: delivered, or acknowledged (which proves it arrived, whatever a later
        # follow-up's delivery status says): the acknowledgements' denominator
        reached, acked = (await session.execute(select(
            func.count(NoticeDelivery.id).filter(or_(
                NoticeDelivery.status == "sent", NoticeDelivery.acknowledged_at.is_not(None))),
            func.count(NoticeDelivery.acknowledged_at)).where(
            NoticeDelivery.notice_id == notice.id))).one()
        notices.append((notice.id, notice.text, reached, acked))
    return BoardDigest(period, rows, bands, {k: v / active for k, v in trained.items()},
                       notices, len(counted), len(submitted_ids & counted.keys()),
                       await indicators(session, policy, period, today, facts=facts), by_unit,
                       len(away_ids),
                       mean_groups(g for c, g in group_results.items() if c in counted),
                       appeals.open, appeals.overdue)


async def digest_period(session: AsyncSession, today: date, calendar: WorkCalendar,
                        policy: CalendarPolicy) -> Period:
    """The period under review: one that has ended and whose submission deadline is still
    ahead or passed in the last week (reports are coming in, or the "day after the
    deadline" digest); else the latest period under way; on a fresh province, where nobody
    has reported yet, the province's period under way is created as the report screen
    would."""
    in_review = await session.scalar(select(Period).where(
        Period.kind != "year", Period.ends_on < today,
        Period.submission_deadline >= today - timedelta(days=7))
        .order_by(Period.ends_on.desc()).limit(1))
    if in_review is not None:
        return in_review
    under_way = await session.scalar(select(Period).where(
        Period.kind != "year", Period.starts_on <= today)
        .order_by(Period.starts_on.desc()).limit(1))
    if under_way is not None:
        return under_way
    root = await session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
                                .order_by(OrgUnit.id).limit(1))
    kind = await period_type_of_unit(session, root)
    return await periods.period_for_day(session, kind, today, calendar, policy)


async def all_supervisor_digests(session: AsyncSession, period: Period, policy: Policy,
                                 today: date | None = None) -> dict[int, Digest]:
    """Every evaluator's digest at once: one pass over the period's rows for all cadres."""
    cadres = _by_name(await session.scalars(select(Cadre).where(
        Cadre.active.is_(True), Cadre.evaluator_id.is_not(None))))
    lines = {line.cadre_id: line
             for line in await lines_by_own_period(session, period, cadres, policy, today)}
    by_evaluator: dict[int, list[CadreLine]] = defaultdict(list)
    for cadre in cadres:
        if cadre.id in lines:
            by_evaluator[cadre.evaluator_id].append(lines[cadre.id])
    return {evaluator: Digest(period, group, Counter(line.band for line in group if line.band),
                              policy.scoring.bands)
            for evaluator, group in by_evaluator.items()}


@dataclass
class Breakdown:
    unit: OrgUnit | None
    children: list[tuple[OrgUnit, UnitRow]]
    cadres: list[CadreLine]  # people directly in this unit
    indicators: list = field(default_factory=list)  # the targets measured on this unit


async def unit_breakdown(session: AsyncSession, period: Period, policy: Policy,
                         unit_id: int | None, today: date | None = None) -> Breakdown:
    """One level of the drill-down: the sub-units of `unit_id` (the province when None)
    with their submission and average score, and the people directly in it."""
    units = {u.id: u for u in await session.scalars(select(OrgUnit))}
    if unit_id is None:
        roots = [u for u in units.values() if u.parent_id is None]
        unit_id = roots[0].id if len(roots) == 1 else None
    children = {u.id: u for u in units.values() if u.parent_id == unit_id}

    def child_of(uid: int | None) -> int | None:
        seen = set()
        while uid is not None and uid not in seen:
            if uid in children:
                return uid
            seen.add(uid)
            uid = units[uid].parent_id if uid in units else None
        return None

    people = (await session.execute(select(Cadre.id, Cadre.unit_id).where(
        Cadre.active.is_(True)))).all()
    statuses = await session.execute(
        select(Entry.cadre_id, func.min(Entry.status), func.max(Entry.status))
        .where(Entry.period_id == period.id).group_by(Entry.cadre_id))
    submitted = {cid for cid, low, high in statuses.all() if {low, high} <= {"submitted", "approved"}}
    away = await leave.away_for(session, period, WorkCalendar(policy.calendar)) - submitted
    totals = dict((await session.execute(select(Evaluation.cadre_id, Evaluation.total_score).where(
        Evaluation.period_id == period.id, Evaluation.status == "rated"))).all())
    group_results = await rated_groups(session, period, policy)
    counts: Counter = Counter()
    sent: Counter = Counter()
    scores: dict[int, list[float]] = defaultdict(list)
    groups: dict[int, list[dict[int, float]]] = defaultdict(list)
    direct = []
    for cadre_id, uid in people:
        child = child_of(uid)
        if child is not None:
            if cadre_id in away:
                continue  # wholly on leave: not expected
            counts[child] += 1
            sent[child] += cadre_id in submitted
            if totals.get(cadre_id) is not None:
                scores[child].append(totals[cadre_id])
            if cadre_id in group_results:
                groups[child].append(group_results[cadre_id])
        elif uid == unit_id:
            direct.append(cadre_id)
    rows = [(children[c], UnitRow(children[c].name, counts[c], sent[c],
                                  sum(scores[c]) / len(scores[c]) if scores.get(c) else None,
                                  mean_groups(groups.get(c, ()))))
            for c in children if counts[c]]
    rows.sort(key=lambda item: (item[1].rate, item[0].name))
    direct_cadres = _by_name(await session.scalars(select(Cadre).where(
        Cadre.id.in_(direct[:40])))) if direct else []
    lines = await _lines(session, period, direct_cadres, policy)
    measured = []
    if unit_id is not None and today is not None and units.get(unit_id) is not None \
            and units[unit_id].parent_id is not None:
        from bot.services.indicators import unit_indicators

        measured = await unit_indicators(session, policy, period, today, unit_id)
    return Breakdown(units.get(unit_id), rows, lines, measured)


# ---------------------------------------------------------------- use cases of 📈 Tổng hợp

class DigestError(Exception):
    """A refused digest request; `code` says why: "forbidden" (not an evaluator or, for the
    drill-down, not the board), "not_found" (the period is gone or never was)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DigestView:
    """What one person gets for a period: their cadres' digest, and the board's overview."""

    period: Period
    mine: Digest
    board: BoardDigest | None


@dataclass(frozen=True)
class UnitView:
    period: Period
    breakdown: Breakdown


def _authorise(actor: Actor | None, board: bool = False) -> Actor:
    if actor is None or not actor.is_supervisor or (board and not actor.is_board):
        raise DigestError("forbidden")
    return actor


async def _period(session: AsyncSession, period_id: int | None, today: date,
                  calendar: WorkCalendar, policy: Policy) -> Period:
    if period_id is None:
        return await digest_period(session, today, calendar, policy.calendar)
    period = await session.get(Period, period_id)
    if period is None:
        raise DigestError("not_found")
    return period


async def view(session: AsyncSession, actor: Actor | None, period_id: int | None, today: date,
               calendar: WorkCalendar, policy: Policy) -> DigestView:
    """The digest(s) of a period (the one under review when None) for an evaluator, with the
    province overview for the board."""
    actor = _authorise(actor)
    period = await _period(session, period_id, today, calendar, policy)
    board = (await board_digest(session, period, policy, today)) if actor.is_board else None
    mine = await supervisor_digest(session, actor.cadre_id, period, policy, today)
    return DigestView(period, mine, board)


async def recent_periods(session: AsyncSession, actor: Actor | None, today: date,
                         count: int = 8) -> list[Period]:
    """"📅 Chọn kỳ khác": the latest months and quarters begun by today."""
    _authorise(actor)
    return list(await session.scalars(select(Period).where(
        Period.kind != "year", Period.starts_on <= today)
        .order_by(Period.starts_on.desc()).limit(count)))


async def unit_view(session: AsyncSession, actor: Actor | None, period_id: int,
                    unit_id: int | None, today: date, calendar: WorkCalendar,
                    policy: Policy) -> UnitView:
    """The board's drill-down: one level under `unit_id` (the province when None)."""
    _authorise(actor, board=True)
    period = await _period(session, period_id, today, calendar, policy)
    return UnitView(period, await unit_breakdown(session, period, policy, unit_id, today))


async def board_chats(session: AsyncSession) -> list[int]:
    """The Telegram chats of the board's members (the CLI's `digest --board --send`)."""
    return list(await session.scalars(
        select(Cadre.telegram_chat_id).join(RoleGrant, RoleGrant.cadre_id == Cadre.id)
        .where(RoleGrant.role == Role.BOARD.value, Cadre.telegram_chat_id.is_not(None))))


# ---------------------------------------------------------------- the scheduled digests

def digest_day(today: date, calendar: WorkCalendar, periods_deadlines: list[date],
               weekday: int = 0, after_deadline: bool = True) -> bool:
    """The digest weekday (Monday), or the first working day after a submission deadline."""
    if today.weekday() == weekday:
        return True
    previous = calendar.add_working_days(today, -1)
    return after_deadline and any(previous <= d < today for d in periods_deadlines)


async def submission_deadlines(session: AsyncSession) -> list[date]:
    return list(await session.scalars(select(Period.submission_deadline).where(
        Period.kind != "year")))


def round_subject(today: date) -> str:
    """The reminder log's subject of one day's digests (a person gets them once a day)."""
    return f"digest:{today.isoformat()}"


@dataclass(frozen=True)
class Recipient:
    cadre_id: int
    chat_id: int
    mine: Digest | None  # None: they evaluate nobody (a board member)
    board: BoardDigest | None


@dataclass(frozen=True)
class Round:
    period: Period
    recipients: list[Recipient]


async def scheduled_round(session: AsyncSession, today: date, calendar: WorkCalendar,
                          policy: Policy) -> Round:
    """Every linked evaluator and board member not yet sent today's digest, with theirs: the
    evaluators' in one pass over the period, the board's overview once."""
    period = await digest_period(session, today, calendar, policy.calendar)
    evaluator_ids = set(await session.scalars(select(Cadre.evaluator_id).where(
        Cadre.active.is_(True), Cadre.evaluator_id.is_not(None)).distinct()))
    board_ids = set(await session.scalars(select(RoleGrant.cadre_id).where(
        RoleGrant.role == Role.BOARD.value)))
    already = (select(ReminderLog.id).where(  # sent before a restart
        ReminderLog.cadre_id == Cadre.id, ReminderLog.subject == round_subject(today),
        ReminderLog.step == "digest").exists())
    people = list((await session.execute(select(Cadre.id, Cadre.telegram_chat_id).where(
        Cadre.id.in_(evaluator_ids | board_ids), Cadre.active.is_(True),
        Cadre.telegram_chat_id.is_not(None), Cadre.reachable.is_(True), ~already))).all())
    if not people:
        return Round(period, [])
    everyone = await all_supervisor_digests(session, period, policy, today)
    board = (await board_digest(session, period, policy, today)) if board_ids else None
    return Round(period, [Recipient(cadre_id, chat_id, everyone.get(cadre_id),
                                    board if cadre_id in board_ids else None)
                          for cadre_id, chat_id in people])
