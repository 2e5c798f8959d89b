"""KPI entries of one cadre: the period screen, saving figures, submitting (SPEC §4.2–4.4)."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.policy import Policy
from bot.services import audit, periods
from bot.services.calendar import WorkCalendar
from bot.services.scoring import LeaderInputs, PeriodScore, ProductFigures, score_period
from bot.services.task_status import tracked_in_period
from models import Cadre, Entry, Evaluation, Evidence, OrgUnit, Period, ProductType, Target
from models.enums import EntryStatus, PeriodStatus, PeriodType, ProductKind

EDITABLE = (EntryStatus.DRAFT.value, EntryStatus.RETURNED.value)
ENTRY_FIELDS = ("quantity_done", "quantity_passed", "quantity_on_time", "failed_reviews",
                "delays", "note", "exemption_note", "exemption_status")
SCORES_KEPT = 2048  # periods' scores remembered (KpiService._scored): a few MB
MAX_UNIT_DEPTH = 50  # a unit tree is a handful of levels; this only stops a cycle


class KpiError(Exception):
    """A rule refused the action; `code` selects the message shown to the person."""

    def __init__(self, code: str, **info) -> None:
        super().__init__(code)
        self.code = code
        self.info = info


@dataclass
class Line:
    entry: Entry
    product: ProductType
    target: float
    # whether the product is tracked as assigned tasks in the entry's period (issue #24),
    # when read with the entry (`KpiService.entry_for(tracked=True)`); None: not read
    tracked: bool | None = None


@dataclass
class PeriodSheet:
    cadre: Cadre
    period: Period
    lines: list[Line]
    evaluation: Evaluation | None
    score: PeriodScore

    @property
    def all_entered(self) -> bool:
        return all(line.entry.quantity_done is not None for line in self.lines)

    @property
    def editable(self) -> list[Line]:
        return [line for line in self.lines if line.entry.status in EDITABLE]

    @property
    def status(self) -> str:
        """The sheet's overall state: the least advanced of its entries."""
        statuses = {line.entry.status for line in self.lines}
        for status in ("returned", "draft", "submitted", "approved"):
            if status in statuses:
                return status
        return "draft"


def _period_type_chain():
    """A unit's period type, inherited up the unit tree (the unit's own first)."""
    chain = (select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.period_type,
                    literal(0).label("depth"))
             .where(OrgUnit.id == bindparam("unit_id")).cte("chain", recursive=True))
    up = aliased(OrgUnit)
    chain = chain.union_all(
        select(up.id, up.parent_id, up.period_type, chain.c.depth + 1)
        .join(chain, up.id == chain.c.parent_id)
        .where(func.coalesce(chain.c.period_type, "") == "", chain.c.depth < MAX_UNIT_DEPTH))
    return (select(chain.c.period_type).where(func.coalesce(chain.c.period_type, "") != "")
            .order_by(chain.c.depth).limit(1))


_PERIOD_TYPE = _period_type_chain()  # built once: building it costs more than running it

# The current and previous month and quarter (bindparams k0…k3, y0…y3, n0…n3), each with the
# unit's period type: what 📝 Báo cáo KPI needs to know which two of them to show.
_CURRENT_AND_PREVIOUS = (
    select(Period, _PERIOD_TYPE.scalar_subquery().label("unit_kind"))
    .where(or_(*(and_(Period.kind == bindparam(f"k{i}"), Period.year == bindparam(f"y{i}"),
                      Period.number == bindparam(f"n{i}")) for i in range(4)))))


def _lines_of(periods):
    """Rows of (period, evaluation, entry, product, target quantity) of the cadre's entries
    in `periods`; the product (and so the line) only when it is an active product of the
    position: an entry of a product no longer active keeps its period but has no line."""
    return (select(Period, Evaluation, Entry, ProductType, Target.quantity)
            .select_from(Entry)
            .join(Period, Period.id == Entry.period_id)
            .outerjoin(ProductType, (ProductType.id == Entry.product_type_id)
                       & (ProductType.position_id == bindparam("position_id"))
                       & ProductType.active.is_(True))
            .outerjoin(Target, (Target.cadre_id == Entry.cadre_id)
                       & (Target.period_id == Entry.period_id)
                       & (Target.product_type_id == Entry.product_type_id))
            .outerjoin(Evaluation, (Evaluation.cadre_id == Entry.cadre_id)
                       & (Evaluation.period_id == Entry.period_id))
            .where(Entry.cadre_id == bindparam("cadre_id"), Entry.period_id.in_(periods)))


def _recent_sheets():
    """The latest months and quarters with something reported (bindparam `limit`)."""
    worked = (select(Entry.period_id).where(
        Entry.cadre_id == bindparam("cadre_id"),
        or_(Entry.quantity_done.is_not(None), Entry.status != EntryStatus.DRAFT.value))
        .distinct().scalar_subquery())
    recent = (select(Period.id).where(Period.id.in_(worked),
                                      Period.kind != PeriodType.YEAR.value)
              .order_by(Period.starts_on.desc()).limit(bindparam("limit")).scalar_subquery())
    return _lines_of(recent)


def _sheet():
    """Every active product of the position with the cadre's entry, target and evaluation
    of one period (those that exist)."""
    mine = {"cadre_id": bindparam("cadre_id"), "period_id": bindparam("period_id")}
    return (select(ProductType, Entry, Target, Evaluation)
            .outerjoin(Entry, (Entry.product_type_id == ProductType.id)
                       & (Entry.cadre_id == mine["cadre_id"])
                       & (Entry.period_id == mine["period_id"]))
            .outerjoin(Target, (Target.product_type_id == ProductType.id)
                       & (Target.cadre_id == mine["cadre_id"])
                       & (Target.period_id == mine["period_id"]))
            .outerjoin(Evaluation, (Evaluation.cadre_id == mine["cadre_id"])
                       & (Evaluation.period_id == mine["period_id"]))
            .where(ProductType.position_id == bindparam("position_id"),
                   ProductType.active.is_(True))
            .order_by(ProductType.indicator_group, ProductType.id))


# built once (building them costs more than running them): the sheets of 📝 Báo cáo KPI,
# 📊 Kết quả and the approvals
_SHEET = _sheet()
_SHEETS = _lines_of(bindparam("period_ids", expanding=True))
_RECENT_SHEETS = _recent_sheets()
_ENTRY_LINE = (  # an entry with its period, product and target: every entry step
    select(Entry, Period, ProductType, Target.quantity)
    .join(Period, Period.id == Entry.period_id)
    .join(ProductType, ProductType.id == Entry.product_type_id)
    .outerjoin(Target, (Target.cadre_id == Entry.cadre_id)
               & (Target.period_id == Entry.period_id)
               & (Target.product_type_id == Entry.product_type_id))
    .where(Entry.id == bindparam("entry_id")))


@cache
def _entry_line_tracked():
    """`_ENTRY_LINE` plus "is the product tracked as tasks in the entry's period"
    (`bot.services.tasks.is_tracked`): the entry steps ask both, in one statement."""
    return _ENTRY_LINE.add_columns(tracked_in_period(
        Entry.cadre_id, Entry.product_type_id, Period.starts_on, Period.ends_on).label("tracked"))


_PERIOD_STATES = (  # one row per (period, state): ix_entries_cadre_status
    select(Period, Entry.status)
    .join(Entry, Entry.period_id == Period.id)
    .where(Entry.cadre_id == bindparam("cadre_id"), Period.status == PeriodStatus.OPEN.value,
           Period.starts_on <= bindparam("starts_on"))
    .group_by(Period.id, Entry.status))


async def period_type_of_unit(session: AsyncSession, unit_id: int | None) -> PeriodType:
    """Month or quarter, inherited up the unit tree (month at the root); one query."""
    if unit_id is None:
        return PeriodType.MONTH
    kind = await session.scalar(_PERIOD_TYPE, {"unit_id": unit_id})
    return PeriodType(kind) if kind else PeriodType.MONTH


def incomplete(lines: list[Line], reading: str = "per_item") -> list[str]:
    """The products whose figures are not all entered: nothing done yet, or (counted
    products) the quality figure (and, read per product type, the on-time figure) missing,
    e.g. cleared when a lower "done" figure was typed and the entry left before they were
    asked again."""
    missing = []
    for line in lines:
        e = line.entry
        if e.quantity_done is None or (line.product.kind == ProductKind.COUNT and (
                e.quantity_passed is None
                or (reading == "per_type" and e.quantity_on_time is None))):
            missing.append(line.product.name)
    return missing


def figures_of(line: Line, adjusted: bool = True) -> ProductFigures:
    e, p = line.entry, line.product
    use_adj = adjusted and e.adjusted
    done = e.adj_quantity_done if use_adj else e.quantity_done
    passed = e.adj_quantity_passed if use_adj else e.quantity_passed
    on_time = e.adj_quantity_on_time if use_adj else e.quantity_on_time
    failed = e.adj_failed_reviews if use_adj else e.failed_reviews
    delays = e.adj_delays if use_adj else e.delays
    return ProductFigures(
        product_type_id=p.id, name=p.name, kind=ProductKind(p.kind), coefficient=p.coefficient,
        assigned=line.target, done=done or 0.0, passed=passed or 0.0, on_time=on_time or 0.0,
        failed_reviews=failed or 0, delays=delays or 0, exempt=e.exemption_accepted,
        group=p.indicator_group or 1,
    )


class KpiService:
    def __init__(self, policy: Policy, calendar: WorkCalendar) -> None:
        self.policy = policy
        self.calendar = calendar
        self._scores_for = None  # the scoring policy `_scores` was computed with
        self._scores: OrderedDict = OrderedDict()

    async def current_period(self, session: AsyncSession, cadre: Cadre, today: date) -> Period:
        kind = await period_type_of_unit(session, cadre.unit_id)
        return await periods.period_for_day(session, kind, today, self.calendar,
                                            self.policy.calendar)

    async def _current_and_previous(self, session: AsyncSession, cadre: Cadre, today: date
                                    ) -> tuple[Period, Period]:
        """The cadre's current period and the one before it: with the unit's period type in
        one query (was three) when both rows exist, as they do after the first use."""
        keys = []
        for kind in (PeriodType.MONTH, PeriodType.QUARTER):
            number = periods.number_of(kind, today)
            keys += [(kind, today.year, number), (kind, *periods.previous(kind, today.year,
                                                                           number))]
        params: dict = {"unit_id": cadre.unit_id}
        for i, (kind, year, number) in enumerate(keys):
            params |= {f"k{i}": kind.value, f"y{i}": year, f"n{i}": number}
        rows = (await session.execute(_CURRENT_AND_PREVIOUS, params)).all()
        if cadre.unit_id is None:
            kind = PeriodType.MONTH
        elif rows:
            kind = PeriodType(rows[0].unit_kind) if rows[0].unit_kind else PeriodType.MONTH
        else:
            kind = await period_type_of_unit(session, cadre.unit_id)
        found = {(p.kind, p.year, p.number): p for p, _kind in rows}
        shown = []
        for key in keys[:2] if kind == PeriodType.MONTH else keys[2:]:
            period = found.get((key[0].value, key[1], key[2]))
            if period is None:  # first use: created
                period = await periods.ensure_period(session, *key, self.calendar,
                                                     self.policy.calendar)
            shown.append(period)
        return shown[0], shown[1]

    async def periods_to_show(self, session: AsyncSession, cadre: Cadre, today: date) -> list[Period]:
        """The current period, the one just ended until its submission deadline, and earlier
        ones still open with unfinished entries."""
        return (await self.periods_and_states(session, cadre, today))[0]

    async def periods_and_states(self, session: AsyncSession, cadre: Cadre, today: date
                                 ) -> tuple[list[Period], dict[int, set[str]]]:
        """`periods_to_show`, earliest first (the current period last), and the states of the
        cadre's entries in each of them (a period without entries is left out): what
        📝 Báo cáo KPI needs to open the period that needs the cadre now."""
        current, prev = await self._current_and_previous(session, cadre, today)
        rows = await session.execute(_PERIOD_STATES, {"cadre_id": cadre.id,
                                                      "starts_on": current.starts_on})
        states: dict[int, set[str]] = defaultdict(set)
        earlier: dict[int, Period] = {}
        for period, status in rows.all():
            states[period.id].add(status)
            if status in EDITABLE and period.id != current.id:
                earlier[period.id] = period
        # The period just ended stays visible until its submission deadline passes, also
        # once it is sent: the cadre sees it waiting for approval where they sent it from.
        # Locked early by the board it stays too, read-only (its screen says so): a report
        # waiting for approval must not vanish from the screen it was sent from (#22 item 10).
        if today <= prev.submission_deadline:
            earlier.setdefault(prev.id, prev)
        shown = sorted(earlier.values(), key=lambda p: p.starts_on) + [current]
        return shown, {p.id: states[p.id] for p in shown if p.id in states}

    async def sheet(self, session: AsyncSession, cadre: Cadre, period: Period,
                    create: bool = True) -> PeriodSheet:
        """Every product type of the cadre's position with its target and entry; with
        `create`, the missing entries (and targets of an open period) are created."""
        if not create:
            return (await self.sheets(session, cadre, [period]))[0]
        rows = (await session.execute(_SHEET, {"cadre_id": cadre.id, "period_id": period.id,
                                               "position_id": cadre.position_id})).all()
        lines = []
        for product, entry, target, _evaluation in rows:
            if target is None and period.status == PeriodStatus.OPEN.value:
                target = Target(cadre_id=cadre.id, period_id=period.id,
                                product_type_id=product.id, quantity=product.default_target)
                session.add(target)
            if entry is None:
                entry = Entry(cadre_id=cadre.id, period_id=period.id, product_type_id=product.id,
                              status=EntryStatus.DRAFT.value, version=0, failed_reviews=0,
                              delays=0, adjusted=False, is_late=False)
                session.add(entry)
            quantity = target.quantity if target is not None else product.default_target
            lines.append(Line(entry, product, quantity))
        await session.flush()
        evaluation = rows[0][3] if rows else await session.scalar(
            select(Evaluation).where(Evaluation.cadre_id == cadre.id,
                                     Evaluation.period_id == period.id))
        score = self.score(lines, evaluation, cadre)
        return PeriodSheet(cadre, period, lines, evaluation, score)

    async def sheets(self, session: AsyncSession, cadre: Cadre,
                     periods: list[Period]) -> list[PeriodSheet]:
        """The sheets of several periods as they are (nothing created), in four queries:
        only the products with an entry in that period."""
        if not periods:
            return []
        rows = (await session.execute(_SHEETS, {
            "cadre_id": cadre.id, "position_id": cadre.position_id,
            "period_ids": [period.id for period in periods]})).all()
        return await self._assemble(session, cadre, periods, rows)

    async def _assemble(self, session: AsyncSession, cadre: Cadre, periods: list[Period],
                        rows: list) -> list[PeriodSheet]:
        """Sheets from rows of (period, evaluation, entry, product or None, target or None):
        a line for each entry of an active product of the position, in the sheet's order."""
        found: dict[int, tuple[list, Evaluation | None]] = {}
        for period, evaluation, entry, product, target in rows:
            lines, _ = found.setdefault(period.id, ([], evaluation))
            if product is not None:
                lines.append(Line(entry, product,
                                  product.default_target if target is None else target))
        missing = [period.id for period in periods if period.id not in found]
        if missing:  # no entry in these periods: their evaluation, if any, read alone
            evaluations = {e.period_id: e for e in await session.scalars(
                select(Evaluation).where(Evaluation.cadre_id == cadre.id,
                                         Evaluation.period_id.in_(missing)))}
            for period_id in missing:
                found[period_id] = ([], evaluations.get(period_id))
        result = []
        for period in periods:
            lines, evaluation = found[period.id]
            lines.sort(key=lambda line: (line.product.indicator_group, line.product.id))
            result.append(PeriodSheet(cadre, period, lines, evaluation,
                                      self.score(lines, evaluation, cadre)))
        return result

    async def recent_sheets(self, session: AsyncSession, cadre: Cadre,
                            limit: int) -> list[PeriodSheet]:
        """The sheets of the cadre's `limit` latest months and quarters with something
        reported (the empty drafts made by opening a period's report are not a period
        worked: they would score 0 and pull the year down), newest first, as they are:
        the periods, entries, active products, targets and evaluations in one query."""
        rows = (await session.execute(_RECENT_SHEETS, {
            "cadre_id": cadre.id, "position_id": cadre.position_id, "limit": limit})).all()
        periods = {row[0].id: row[0] for row in rows}
        newest = sorted(periods.values(), key=lambda period: period.starts_on, reverse=True)
        return await self._assemble(session, cadre, newest, rows)

    async def sheets_of_many(self, session: AsyncSession, cadres: list[Cadre],
                             period: Period) -> list[PeriodSheet]:
        """One period's sheet of many cadres as they are (nothing created), in four queries
        per thousand people: the products with an entry in that period."""
        result = []
        for start in range(0, len(cadres), 1000):
            chunk = cadres[start:start + 1000]
            ids = [c.id for c in chunk]
            positions = {c.position_id for c in chunk}
            products = defaultdict(list)
            for product in await session.scalars(
                    select(ProductType)
                    .where(ProductType.position_id.in_(positions), ProductType.active.is_(True))
                    .order_by(ProductType.indicator_group, ProductType.id)):
                products[product.position_id].append(product)
            targets = {(t.cadre_id, t.product_type_id): t.quantity for t in await session.scalars(
                select(Target).where(Target.period_id == period.id, Target.cadre_id.in_(ids)))}
            entries = {(e.cadre_id, e.product_type_id): e for e in await session.scalars(
                select(Entry).where(Entry.period_id == period.id, Entry.cadre_id.in_(ids)))}
            evaluations = {e.cadre_id: e for e in await session.scalars(
                select(Evaluation).where(Evaluation.period_id == period.id,
                                         Evaluation.cadre_id.in_(ids)))}
            for cadre in chunk:
                lines = [Line(entries[key], product, targets.get(key, product.default_target))
                         for product in products[cadre.position_id]
                         if (key := (cadre.id, product.id)) in entries]
                evaluation = evaluations.get(cadre.id)
                result.append(PeriodSheet(cadre, period, lines, evaluation,
                                          self.score(lines, evaluation, cadre)))
        return result

    def score(self, lines: list[Line], evaluation: Evaluation | None, cadre: Cadre) -> PeriodScore:
        """The period's score as it stands: a leader's d, đ, e count once the evaluator has
        set them (before that the projection is the staff formula, and says so)."""
        criteria, leader = None, None
        if evaluation is not None:
            criteria = evaluation.criteria or evaluation.self_criteria
            if cadre.is_leader and evaluation.status == "rated" \
                    and evaluation.unit_result is not None:
                leader = LeaderInputs(evaluation.unit_result, evaluation.organising or 0.0,
                                      evaluation.rallying or 0.0)
        return self._scored([figures_of(line) for line in lines], criteria, leader)

    def _scored(self, figures: list[ProductFigures], criteria: dict | None,
                leader: LeaderInputs | None) -> PeriodScore:
        """`score_period`, remembered: a score is a pure function of the figures, and
        📊 Kết quả scores the person's last twelve periods (past ones, mostly unchanged) at
        every opening. Kept per scoring policy object: a new policy starts afresh. The
        result is shared, as it is frozen."""
        scoring = self.policy.scoring
        try:
            key = (tuple(figures), tuple(sorted(criteria.items())) if criteria else None, leader)
            hash(key)
        except TypeError:  # a criterion stored as something unhashable: computed each time
            return score_period(figures, criteria, scoring, leader=leader)
        if self._scores_for is not scoring:
            self._scores_for, self._scores = scoring, OrderedDict()
        found = self._scores.get(key)
        if found is not None:
            self._scores.move_to_end(key)
        else:
            found = self._scores[key] = score_period(figures, criteria, scoring, leader=leader)
            if len(self._scores) > SCORES_KEPT:
                self._scores.popitem(last=False)
        return found

    async def entry_for(self, session: AsyncSession, cadre_id: int, entry_id: int,
                        for_edit: bool = True, override: bool = False,
                        tracked: bool = False) -> Line:
        """The cadre's own entry, re-checked on every tap (ownership, state, lock).
        `override`: board correcting it, whatever its state or the period's lock.
        `tracked`: also read `Line.tracked` (in the same statement)."""
        row = None
        if isinstance(entry_id, int):  # the entry, its period, product and target: one query
            statement = _entry_line_tracked() if tracked else _ENTRY_LINE
            row = (await session.execute(statement, {"entry_id": entry_id})).first()
        if row is None or row.Entry.cadre_id != cadre_id:
            raise KpiError("not_found")
        entry, period, product, target = row[:4]
        if for_edit and not override:
            if period.status == PeriodStatus.LOCKED.value:
                raise KpiError("locked")
            if entry.imported_at is not None:  # the board's imported figure is final
                raise KpiError("imported")
            if entry.status not in EDITABLE:
                raise KpiError("not_editable", status=entry.status)
        return Line(entry, product, product.default_target if target is None else target,
                    bool(row.tracked) if tracked else None)

    async def save(self, session: AsyncSession, line: Line, now: datetime,
                   board_actor_id: int | None = None, **values) -> None:
        """Store figures; a board correction is audited with the old and new values."""
        before = {}
        for name, value in values.items():
            if name not in ENTRY_FIELDS:
                raise ValueError(name)
            before[name] = getattr(line.entry, name)
            setattr(line.entry, name, value)
        line.entry.updated_at = now
        if board_actor_id is not None and before != values:
            audit.record(session, at=now, action="board_edit_entry", object_type="entry",
                         object_id=line.entry.id, actor_id=board_actor_id, before=before,
                         after=values)

    async def check_self_assessment_open(self, session: AsyncSession, cadre: Cadre,
                                         period: Period) -> None:
        """The self-assessment changes with the report: refused once the period is locked
        ("locked") or every entry has been sent for approval ("self_sent")."""
        if period.status == PeriodStatus.LOCKED.value:
            raise KpiError("locked")
        editable = await session.scalar(select(func.count()).select_from(Entry).where(
            Entry.cadre_id == cadre.id, Entry.period_id == period.id,
            Entry.status.in_(EDITABLE)))
        if not editable:
            raise KpiError("self_sent")

    async def save_self_assessment(self, session: AsyncSession, cadre: Cadre, period: Period,
                                   key: str, points: float) -> Evaluation:
        await self.check_self_assessment_open(session, cadre, period)
        evaluation = await session.scalar(
            select(Evaluation).where(Evaluation.cadre_id == cadre.id,
                                     Evaluation.period_id == period.id))
        if evaluation is None:
            evaluation = Evaluation(cadre_id=cadre.id, period_id=period.id, unit_id=cadre.unit_id,
                                    self_criteria={}, status="draft", version=0)
            session.add(evaluation)
        if evaluation.status == "rated":
            raise KpiError("already_rated")
        criteria = dict(evaluation.self_criteria or {})
        criteria[key] = points
        evaluation.self_criteria = criteria
        await session.flush()
        return evaluation

    def self_assessment_complete(self, evaluation: Evaluation | None) -> bool:
        if evaluation is None or not evaluation.self_criteria:
            return False
        return all(c.key in evaluation.self_criteria for c in self.policy.scoring.general_criteria)

    async def submit(self, session: AsyncSession, cadre: Cadre, period: Period,
                     now: datetime, today: date) -> list[Entry]:
        """Send every editable entry of the period for review; returns what was sent."""
        if period.status == PeriodStatus.LOCKED.value:
            raise KpiError("locked")
        sheet = await self.sheet(session, cadre, period)
        pending = sheet.editable
        if not pending:
            raise KpiError("nothing_to_submit")
        missing = incomplete(pending, self.policy.scoring.deduction_reading)
        if missing:
            raise KpiError("missing", products=missing)
        if not self.self_assessment_complete(sheet.evaluation):
            raise KpiError("no_self_assessment")
        late = today > period.submission_deadline
        for line in pending:
            entry = line.entry
            entry.status = EntryStatus.SUBMITTED.value
            entry.version += 1
            entry.submitted_at = now
            entry.is_late = late
            entry.updated_at = now
        audit.record(session, at=now, action="submit", object_type="period",
                     object_id=period.id, actor_id=cadre.id,
                     after={"entries": [line.entry.id for line in pending], "late": late})
        return [line.entry for line in pending]

    async def adjust_target(self, session: AsyncSession, *, supervisor: Cadre, cadre: Cadre,
                            period: Period, product_type_id: int, quantity: float,
                            now: datetime, as_board: bool = False) -> Target:
        """An evaluator changes one of their cadres' targets before submission (audited);
        board may do it for anyone, also after the period is locked."""
        if cadre.evaluator_id != supervisor.id and not as_board:
            raise KpiError("forbidden")
        if period.status == PeriodStatus.LOCKED.value and not as_board:
            raise KpiError("locked")
        if quantity <= 0:
            raise KpiError("not_positive")
        entry = await session.scalar(select(Entry).where(
            Entry.cadre_id == cadre.id, Entry.period_id == period.id,
            Entry.product_type_id == product_type_id))
        if entry is not None and entry.status not in EDITABLE and not as_board:
            raise KpiError("not_editable", status=entry.status)
        target = await session.scalar(select(Target).where(
            Target.cadre_id == cadre.id, Target.period_id == period.id,
            Target.product_type_id == product_type_id))
        if target is None:
            product = await session.get(ProductType, product_type_id)
            target = Target(cadre_id=cadre.id, period_id=period.id,
                            product_type_id=product_type_id, quantity=product.default_target)
            session.add(target)
            await session.flush()
        before = target.quantity
        target.quantity = quantity
        target.adjusted_by_id = supervisor.id
        target.adjusted_at = now
        audit.record(session, at=now, action="adjust_target", object_type="target",
                     object_id=target.id, actor_id=supervisor.id,
                     before={"quantity": before}, after={"quantity": quantity})
        return target

    async def evidence_tally(self, session: AsyncSession, entry_ids: list[int]
                             ) -> tuple[dict[int, int], dict[int, int]]:
        """In one query: each entry's evidence items, and how many of them are links, not
        files (entries without any left out): "1 tệp" for a link misleads the evaluator."""
        if not entry_ids:
            return {}, {}
        rows = (await session.execute(
            select(Evidence.entry_id, func.count(),
                   func.count(case((Evidence.kind == "link", 1))))
            .where(Evidence.entry_id.in_(entry_ids)).group_by(Evidence.entry_id))).all()
        return ({entry_id: items for entry_id, items, _links in rows},
                {entry_id: links for entry_id, _items, links in rows if links})
