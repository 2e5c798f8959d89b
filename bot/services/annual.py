"""The annual quality rating ("xếp loại chất lượng", Decree 335 Art. 21, SPEC §4.5).

- Score: the mean of the year's period totals weighted by months (scoring.score_year),
  over the months actually worked: from the start date, less recorded leave (sick,
  maternity, …); a transferred cadre's results follow them (they are the cadre's).
- Evaluators *propose* a band; the agency's list is *closed* by its head or the board on a
  screen that shows the whole list, the "xuất sắc" cap per duty group and who exceeds it.
  The cap never depends on the order in which people were proposed.
- A leader is not rated above the agency's own rating (when the province records one).
- The planning flags (Hưng Yên) follow from the closed band.
"""

from __future__ import annotations

import calendar as calendar_module
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, _, fmt_percent, vietnamese_name_key
from bot.policy import Policy, ScoringPolicy
from bot.services import audit, periods
from bot.services import leave as leave_rules
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.leave import merged
from bot.services.rating import BAND_ORDER, LEADER_ONLY_GROUNDS, evaluation_for
from bot.services.review import (
    Authority,
    ReviewError,
    authority_over,
    delegators_of,
    meaningful,
)
from bot.services.scoring import AnnualScore, excellent_quota, score_year
from bot.services.units import UnitTree
from models import (
    AgencyRating,
    AnnualList,
    Cadre,
    Discipline,
    Evaluation,
    JobPosition,
    Leave,
    PastRating,
    Period,
)
from models.enums import Band, LeaveStatus, PeriodStatus, PeriodType, PositionGroup

FLAG_DONE_TWICE = "done_twice_in_planning"
FLAG_FAILED_IN_PLANNING = "failed_in_planning"
FLAG_FAILED_TWICE = "failed_twice"
FLAG_LABELS = {
    FLAG_DONE_TWICE: N_("“Completed duties” two years running while in planning — proposed "
                        "removal from the planning list"),
    FLAG_FAILED_IN_PLANNING: N_("“Did not complete duties” while in planning — proposed "
                                "removal from the planning list"),
    FLAG_FAILED_TWICE: N_("“Did not complete duties” two years running"),
}
GROUP_LABELS = {
    PositionGroup.LEADERSHIP.value: N_("Leadership and management"),
    PositionGroup.PROFESSIONAL.value: N_("Professional"),
    PositionGroup.SUPPORT.value: N_("Support and service"),
    "khac": N_("Position group not set"),
}
CLOSING_REASON = "closing"  # band_reason of a "xuất sắc" made "tốt" by the cap at closing
NO_GROUP = "khac"
MONTHS_OF = {PeriodType.MONTH.value: 1, PeriodType.QUARTER.value: 3}


# ---------------------------------------------------------------- months worked

def months_worked(year: int, start: date | None, leaves: list[tuple[date, date]]) -> float:
    """Months of the year actually worked (Art. 21, LAW L8): each calendar month counts for
    the share of its days the cadre was in service (from `start`) and not on confirmed leave
    of a kind not worked (overlapping leaves count once)."""
    total = 0.0
    spans = merged(leaves)
    for month in range(1, 13):
        days = calendar_module.monthrange(year, month)[1]
        first, last = date(year, month, 1), date(year, month, days)
        begin = max(first, start) if start else first
        if begin > last:
            continue
        worked = (last - begin).days + 1
        for leave_start, leave_end in spans:
            overlap = (min(last, leave_end) - max(begin, leave_start)).days + 1
            worked -= max(overlap, 0)
        total += max(worked, 0) / days
    return total


def not_worked(leaves: list[Leave], scoring: ScoringPolicy) -> list[tuple[date, date]]:
    """The spans the annual rating does not count as worked: confirmed leave of a kind the
    policy names (LAW L8: sick and maternity leave; study and other leave: policy)."""
    return [(leave.starts_on, leave.ends_on) for leave in leaves
            if leave.status == LeaveStatus.CONFIRMED.value
            and leave.kind in scoring.leave_kinds_not_worked]


# ---------------------------------------------------------------- one cadre's year

@dataclass
class AnnualDraft:
    cadre: Cadre
    year: int
    periods: list[tuple[Period, float]]  # the year's rated months or quarters, in order
    months_worked: float
    score: AnnualScore
    disciplined: bool
    agency_id: int | None
    duty_group: str
    evaluation: Evaluation | None  # the year's: proposed or rated
    previous_band: str | None  # last year's final band (or an imported one)

    @property
    def total(self) -> float | None:
        return self.score.total

    @property
    def computed_band(self) -> Band | None:
        return self.score.band

    @property
    def ratable(self) -> bool:
        return self.score.band is not None

    @property
    def proposed(self) -> bool:
        return self.evaluation is not None and self.evaluation.status in ("proposed", "rated")

    @property
    def final(self) -> bool:
        return self.evaluation is not None and self.evaluation.status == "rated"

    @property
    def band(self) -> Band | None:
        """The band as it stands: chosen at closing, else proposed, else computed."""
        if self.evaluation is not None and self.evaluation.band and self.proposed:
            return Band(self.evaluation.band)
        return self.score.band


async def annual_drafts(session: AsyncSession, policy: Policy, cadres: list[Cadre],
                        year: int) -> list[AnnualDraft]:
    """The year of several cadres in a handful of queries (never one query per cadre)."""
    if not cadres:
        return []
    ids = [c.id for c in cadres]
    tree = await UnitTree.load(session)
    rated = defaultdict(list)
    for cadre_id, total, period in (await session.execute(
            select(Evaluation.cadre_id, Evaluation.total_score, Period)
            .join(Period, Period.id == Evaluation.period_id)
            .where(Evaluation.cadre_id.in_(ids), Evaluation.status == "rated",
                   Period.year == year, Period.kind != PeriodType.YEAR.value)
            .order_by(Period.starts_on))).all():
        if total is not None:
            rated[cadre_id].append((period, total))
    leaves = defaultdict(list)  # only confirmed leave of a kind not worked counts
    for cadre_id, start, end in (await session.execute(
            select(Leave.cadre_id, Leave.starts_on, Leave.ends_on).where(
                Leave.cadre_id.in_(ids), Leave.status == LeaveStatus.CONFIRMED.value,
                Leave.kind.in_(policy.scoring.leave_kinds_not_worked),
                Leave.starts_on <= date(year, 12, 31),
                Leave.ends_on >= date(year, 1, 1)))).all():
        leaves[cadre_id].append((start, end))
    grounds = defaultdict(set)
    for cadre_id, level in (await session.execute(select(Discipline.cadre_id, Discipline.level)
                                                  .where(Discipline.cadre_id.in_(ids),
                                                         Discipline.year == year))).all():
        grounds[cadre_id].add(level)
    yearly = {}
    previous = {}
    for cadre_id, period_year, evaluation in (await session.execute(
            select(Evaluation.cadre_id, Period.year, Evaluation)
            .join(Period, Period.id == Evaluation.period_id)
            .where(Evaluation.cadre_id.in_(ids), Period.kind == PeriodType.YEAR.value,
                   Period.year.in_([year, year - 1])))).all():
        if period_year == year:
            yearly[cadre_id] = evaluation
        elif evaluation.status == "rated" and evaluation.band:
            previous[cadre_id] = evaluation.band
    for cadre_id, band in (await session.execute(select(PastRating.cadre_id, PastRating.band)
                                                 .where(PastRating.cadre_id.in_(ids),
                                                        PastRating.year == year - 1))).all():
        previous.setdefault(cadre_id, band)
    groups = dict((await session.execute(select(JobPosition.id, JobPosition.group))).all())
    scoring = policy.scoring
    result = []
    for cadre in cadres:
        forcing = [g for g in grounds[cadre.id] if g in scoring.forcing_disciplines
                   and (cadre.is_leader or g not in LEADER_ONLY_GROUNDS)]
        worked = months_worked(year, cadre.start_date, leaves[cadre.id])
        score = score_year([(total, MONTHS_OF.get(period.kind, 0))
                            for period, total in rated[cadre.id]], worked, scoring,
                           disciplined=bool(forcing))
        result.append(AnnualDraft(
            cadre, year, rated[cadre.id], worked, score, bool(forcing),
            tree.agency_of(cadre.unit_id), groups.get(cadre.position_id) or NO_GROUP,
            yearly.get(cadre.id), previous.get(cadre.id)))
    return result


def planning_flags(scoring: ScoringPolicy, cadre: Cadre, band: Band | None,
                   previous_band: str | None) -> list[str]:
    """Hưng Yên's rules, from the final band: "hoàn thành nhiệm vụ" two years running for
    someone in planning, or "không hoàn thành nhiệm vụ" for someone in planning → proposed
    removal from planning; "không hoàn thành" two years running."""
    flags = []
    if band is None:
        return flags
    if (scoring.flag_done_twice_in_planning and cadre.in_planning and band == Band.DONE
            and previous_band == Band.DONE.value):
        flags.append(FLAG_DONE_TWICE)
    if scoring.flag_failed_in_planning and cadre.in_planning and band == Band.FAILED:
        flags.append(FLAG_FAILED_IN_PLANNING)
    if scoring.flag_failed_twice and band == Band.FAILED and previous_band == Band.FAILED.value:
        flags.append(FLAG_FAILED_TWICE)
    return flags


# ---------------------------------------------------------------- who may do what

async def agency_rating(session: AsyncSession, agency_id: int | None,
                        year: int) -> AgencyRating | None:
    if agency_id is None:
        return None
    return await session.scalar(select(AgencyRating).where(
        AgencyRating.unit_id == agency_id, AgencyRating.year == year))


def above(band: Band | str, cap: Band | str) -> bool:
    return BAND_ORDER.index(Band(band).value) > BAND_ORDER.index(Band(cap).value)


async def heads_agency(session: AsyncSession, actor: Actor, agency_id: int) -> bool:
    """The agency's head: a leader placed in the agency unit itself whose own evaluator is
    outside the agency (or who has none)."""
    me = await session.get(Cadre, actor.cadre_id)
    if me is None or not me.active or not me.is_leader or me.unit_id != agency_id:
        return False
    if me.evaluator_id is None:
        return True
    boss = await session.get(Cadre, me.evaluator_id)
    tree = await UnitTree.load(session)
    return boss is None or tree.agency_of(boss.unit_id) != agency_id


async def headed_agencies(session: AsyncSession, actor: Actor) -> list[int]:
    me = await session.get(Cadre, actor.cadre_id)
    if me is None or me.unit_id is None:
        return []
    return [me.unit_id] if await heads_agency(session, actor, me.unit_id) else []


async def may_close(session: AsyncSession, actor: Actor, agency_id: int) -> bool:
    return actor.is_board or await heads_agency(session, actor, agency_id)


async def rated_by(session: AsyncSession, actor: Actor, today: date) -> list[Cadre]:
    """The cadres whose annual band this person proposes: those they evaluate and those of
    the evaluators who delegated to them today, in Vietnamese name order."""
    evaluators = [actor.cadre_id, *await delegators_of(session, actor.cadre_id, today)]
    people = await session.scalars(select(Cadre).where(
        Cadre.evaluator_id.in_(evaluators), Cadre.active.is_(True), Cadre.id != actor.cadre_id))
    return sorted(people, key=lambda c: vietnamese_name_key(c.full_name))


async def closed_list(session: AsyncSession, agency_id: int | None, year: int) -> bool:
    return await session.scalar(select(AnnualList.id).where(
        AnnualList.unit_id == agency_id, AnnualList.year == year,
        AnnualList.status == "closed")) is not None


# ---------------------------------------------------------------- the agency's list

@dataclass
class GroupCap:
    group: str
    good: int
    excellent: int
    allowed: int
    members: int

    @property
    def over(self) -> int:
        return max(self.excellent - self.allowed, 0)


@dataclass
class AgencyList:
    agency_id: int
    agency_name: str
    year: int
    closed: bool
    closed_at: datetime | None
    drafts: list[AnnualDraft]  # everyone in the agency, Vietnamese name order
    caps: dict[str, GroupCap]
    agency_band: str | None  # the agency's own rating, if recorded
    outstanding: bool
    leader_conflicts: list[AnnualDraft] = field(default_factory=list)

    @property
    def missing(self) -> list[AnnualDraft]:
        """Ratable but not proposed yet."""
        return [d for d in self.drafts if d.ratable and not d.proposed]

    @property
    def not_rated(self) -> list[AnnualDraft]:
        """Evaluated, not rated: too few months worked, or no period rated."""
        return [d for d in self.drafts if not d.ratable]

    @property
    def leaders_unchecked(self) -> list[AnnualDraft]:
        """Leaders whose band cannot be compared with the agency's: no agency rating yet."""
        if self.agency_band is not None:
            return []
        return [d for d in self.drafts if d.cadre.is_leader and d.proposed]

    @property
    def over_cap(self) -> list[GroupCap]:
        return [cap for cap in self.caps.values() if cap.over]

    @property
    def can_close(self) -> bool:
        return (not self.closed and not self.missing and not self.over_cap
                and not self.leader_conflicts and not self.leaders_unchecked
                and any(d.proposed for d in self.drafts))


def group_caps(drafts: list[AnnualDraft], scoring: ScoringPolicy,
               outstanding: bool) -> dict[str, GroupCap]:
    """The cap per group with similar duties, on the bands as they stand now."""
    caps: dict[str, GroupCap] = {}
    for d in drafts:
        if not d.proposed:
            continue
        cap = caps.setdefault(d.duty_group, GroupCap(d.duty_group, 0, 0, 0, 0))
        cap.members += 1
        cap.good += d.band == Band.GOOD
        cap.excellent += d.band == Band.EXCELLENT
    for cap in caps.values():
        base = cap.good + (cap.excellent if scoring.excellent_cap_base == "good_or_better" else 0)
        cap.allowed = excellent_quota(base, outstanding, scoring)
    return caps


def max_excellent(good: int, excellent: int, scoring: ScoringPolicy, outstanding: bool) -> int:
    """How many of `excellent` candidates can stay "xuất sắc" when the others become "tốt"."""
    for keep in range(excellent, -1, -1):
        good_after = good + excellent - keep
        base = good_after + (keep if scoring.excellent_cap_base == "good_or_better" else 0)
        if keep <= excellent_quota(base, outstanding, scoring):
            return keep
    return 0


class AnnualService:
    def __init__(self, policy: Policy, calendar: WorkCalendar) -> None:
        self.policy = policy
        self.calendar = calendar

    async def year_period(self, session: AsyncSession, year: int) -> Period:
        return await periods.ensure_period(session, PeriodType.YEAR, year, 1, self.calendar,
                                           self.policy.calendar)

    async def agencies_overview(self, session: AsyncSession,
                                year: int) -> list[tuple[int, str, bool, int, int]]:
        """(agency, name, closed, proposals, people) for every agency with people."""
        tree = await UnitTree.load(session)
        people = Counter(tree.agency_of(unit_id) for unit_id in await session.scalars(
            select(Cadre.unit_id).where(Cadre.active.is_(True))))
        period = await self.year_period(session, year)
        proposed = dict((await session.execute(
            select(Evaluation.agency_id, func.count()).where(
                Evaluation.period_id == period.id,
                Evaluation.status.in_(["proposed", "rated"]))
            .group_by(Evaluation.agency_id))).all())
        closed = set(await session.scalars(select(AnnualList.unit_id).where(
            AnnualList.year == year, AnnualList.status == "closed")))
        return [(uid, tree.units[uid].name, uid in closed, proposed.get(uid, 0), people[uid])
                for uid in tree.agencies() if people.get(uid)]

    async def agency_members(self, session: AsyncSession, agency_id: int) -> list[Cadre]:
        tree = await UnitTree.load(session)
        units = [uid for uid in tree.subtree(agency_id) if tree.agency_of(uid) == agency_id]
        people = await session.scalars(select(Cadre).where(
            Cadre.active.is_(True), Cadre.unit_id.in_(units)))
        return sorted(people, key=lambda c: vietnamese_name_key(c.full_name))

    async def agency_list(self, session: AsyncSession, agency_id: int,
                          year: int) -> AgencyList:
        tree = await UnitTree.load(session)
        unit = tree.units.get(agency_id)
        if unit is None:
            raise ReviewError("not_found")
        drafts = await annual_drafts(session, self.policy, await self.agency_members(
            session, agency_id), year)
        closing = await session.scalar(select(AnnualList).where(
            AnnualList.unit_id == agency_id, AnnualList.year == year))
        rating = await agency_rating(session, agency_id, year)
        scoring = self.policy.scoring
        caps = group_caps(drafts, scoring, unit.outstanding)
        conflicts = []
        if scoring.leader_not_above_agency and rating is not None:
            conflicts = [d for d in drafts if d.cadre.is_leader and d.proposed
                         and above(d.band, rating.band)]
        return AgencyList(agency_id, unit.name, year,
                          closing is not None and closing.status == "closed",
                          closing.closed_at if closing else None, drafts, caps,
                          rating.band if rating else None, unit.outstanding, conflicts)

    async def _authority(self, session: AsyncSession, actor: Actor, cadre: Cadre,
                         today: date) -> Authority:
        authority = await authority_over(session, actor, cadre, today)
        if authority is None:
            raise ReviewError("forbidden")
        return authority

    async def _open_list(self, session: AsyncSession, agency_id: int | None, year: int,
                         as_board: bool) -> None:
        if await closed_list(session, agency_id, year):
            raise ReviewError("list_closed")
        period = await self.year_period(session, year)
        if period.status == PeriodStatus.LOCKED.value and not as_board:
            raise ReviewError("locked")

    async def propose(self, session: AsyncSession, *, actor: Actor, cadre_id: int, year: int,
                      band: Band, reason: str | None, now: datetime, today: date) -> AnnualDraft:
        """The evaluator (or their delegate, or the board) proposes a cadre's annual band.
        Refused: a closed list, a locked year (except the board), a cadre not rated this
        year (too few months worked, nothing rated), a band other than "Không hoàn thành"
        with a discipline, another band than the computed one without a reason, and a leader
        above the agency's own rating. The cap is checked when the list is closed."""
        cadre = await session.get(Cadre, cadre_id)
        if cadre is None or not cadre.active:
            raise ReviewError("not_found")
        authority = await self._authority(session, actor, cadre, today)
        draft = (await annual_drafts(session, self.policy, [cadre], year))[0]
        await self._open_list(session, draft.agency_id, year, authority.as_board)
        self._check_band(draft, band, reason)
        if cadre.is_leader and self.policy.scoring.leader_not_above_agency:
            rating = await agency_rating(session, draft.agency_id, year)
            if rating is not None and above(band, rating.band):
                raise ReviewError("above_agency", cap=Band(rating.band))
        period = await self.year_period(session, year)
        evaluation = await evaluation_for(session, cadre, period)
        before = {"status": evaluation.status, "band": evaluation.band}
        evaluation.total_score = draft.total
        evaluation.computed_band = draft.computed_band.value
        evaluation.proposed_band = band.value
        evaluation.band = band.value
        evaluation.band_reason = reason.strip() if band != draft.computed_band and reason else None
        evaluation.months_worked = round(draft.months_worked, 2)
        evaluation.agency_id = draft.agency_id
        evaluation.duty_group = draft.duty_group
        evaluation.unit_id = cadre.unit_id
        evaluation.status = "proposed"
        evaluation.proposed_by_id = actor.cadre_id
        evaluation.proposed_at = now
        evaluation.rated_for_id = authority.on_behalf_of
        evaluation.version += 1
        audit.record(session, at=now, action="propose_year", object_type="evaluation",
                     object_id=evaluation.id, actor_id=actor.cadre_id, before=before,
                     after={"band": band.value, "computed": draft.computed_band.value,
                            "total": draft.total, "reason": evaluation.band_reason,
                            "on_behalf_of": authority.on_behalf_of,
                            "as_board": authority.as_board})
        draft.evaluation = evaluation
        return draft

    def _check_band(self, draft: AnnualDraft, band: Band, reason: str | None) -> None:
        if not draft.ratable:
            raise ReviewError("not_rated_year", months=draft.months_worked)
        if draft.disciplined and band != Band.FAILED:
            raise ReviewError("disciplined")
        if band != draft.computed_band and not meaningful(reason):
            raise ReviewError("reason_required")
        if reason and len(reason) > 500:
            raise ReviewError("reason_too_long")

    async def choose_at_closing(self, session: AsyncSession, *, actor: Actor, agency_id: int,
                                year: int, cadre_id: int, band: Band, now: datetime) -> None:
        """At the closing screen: move one person between "xuất sắc" and "tốt" (the cap), or
        lower a leader to the agency's rating. Only those moves: any other change is the
        evaluator's proposal."""
        if not await may_close(session, actor, agency_id):
            raise ReviewError("forbidden")
        if cadre_id == actor.cadre_id:
            raise ReviewError("forbidden")  # nobody settles their own band
        listing = await self.agency_list(session, agency_id, year)
        if listing.closed:
            raise ReviewError("list_closed")
        draft = next((d for d in listing.drafts if d.cadre.id == cadre_id and d.proposed), None)
        if draft is None:
            raise ReviewError("not_found")
        proposed = Band(draft.evaluation.proposed_band)
        allowed = {proposed}
        if proposed == Band.EXCELLENT:
            allowed.add(Band.GOOD)
        if draft.cadre.is_leader and listing.agency_band and above(proposed, listing.agency_band):
            allowed = {Band(listing.agency_band)}
        if band not in allowed:
            raise ReviewError("not_found")
        evaluation = draft.evaluation
        before = {"band": evaluation.band}
        evaluation.band = band.value
        evaluation.band_reason = None if band == proposed else CLOSING_REASON
        evaluation.version += 1
        audit.record(session, at=now, action="closing_choice", object_type="evaluation",
                     object_id=evaluation.id, actor_id=actor.cadre_id, before=before,
                     after={"band": band.value, "proposed": proposed.value})

    async def apply_cap(self, session: AsyncSession, *, actor: Actor, agency_id: int, year: int,
                        group: str, now: datetime) -> int:
        """Keep the highest scores of a group's "xuất sắc" proposals within the cap (ties by
        name); the others become "tốt". Returns how many stay "xuất sắc"."""
        if not await may_close(session, actor, agency_id):
            raise ReviewError("forbidden")
        listing = await self.agency_list(session, agency_id, year)
        if listing.closed:
            raise ReviewError("list_closed")
        candidates = [d for d in listing.drafts if d.proposed and d.duty_group == group
                      and d.evaluation.proposed_band == Band.EXCELLENT.value
                      and not (d.cadre.is_leader and listing.agency_band
                               and above(Band.EXCELLENT, listing.agency_band))]
        good = sum(1 for d in listing.drafts if d.proposed and d.duty_group == group
                   and d.band == Band.GOOD and d.evaluation.proposed_band != Band.EXCELLENT.value)
        keep = max_excellent(good, len(candidates), self.policy.scoring, listing.outstanding)
        candidates.sort(key=lambda d: (-(d.total or 0), vietnamese_name_key(d.cadre.full_name)))
        for index, d in enumerate(candidates):
            band = Band.EXCELLENT if index < keep else Band.GOOD
            if d.evaluation.band != band.value:
                before = {"band": d.evaluation.band}
                d.evaluation.band = band.value
                d.evaluation.band_reason = None if band == Band.EXCELLENT else CLOSING_REASON
                d.evaluation.version += 1
                audit.record(session, at=now, action="closing_choice", object_type="evaluation",
                             object_id=d.evaluation.id, actor_id=actor.cadre_id, before=before,
                             after={"band": band.value, "by": "cap"})
        return keep

    async def close(self, session: AsyncSession, *, actor: Actor | None, agency_id: int,
                    year: int, now: datetime, label: str | None = None) -> AgencyList:
        """Close the agency's list: every ratable member proposed, every group within the
        cap, no leader above the agency (whose rating must be recorded when the list has
        leaders). The bands become final, with the planning flags."""
        if actor is not None and not await may_close(session, actor, agency_id):
            raise ReviewError("forbidden")
        listing = await self.agency_list(session, agency_id, year)
        if listing.closed:
            raise ReviewError("list_closed")
        if not listing.can_close:
            raise ReviewError("cannot_close", listing=listing)
        for d in listing.drafts:
            if not d.proposed:
                continue
            band = Band(d.evaluation.band)
            d.evaluation.status = "rated"
            d.evaluation.flags = planning_flags(self.policy.scoring, d.cadre, band,
                                                d.previous_band)
            d.evaluation.rated_by_id = actor.cadre_id if actor else None
            d.evaluation.rated_at = now
            d.evaluation.version += 1
        closing = await session.scalar(select(AnnualList).where(
            AnnualList.unit_id == agency_id, AnnualList.year == year))
        if closing is None:
            closing = AnnualList(unit_id=agency_id, year=year)
            session.add(closing)
        closing.status = "closed"
        closing.closed_at = now
        closing.closed_by_id = actor.cadre_id if actor else None
        closing.closed_by_label = label
        await session.flush()
        audit.record(session, at=now, action="close_year_list", object_type="annual_list",
                     object_id=closing.id, actor_id=actor.cadre_id if actor else None,
                     actor_label=label,
                     after={"agency": agency_id, "year": year,
                            "bands": {d.cadre.code: d.evaluation.band
                                      for d in listing.drafts if d.proposed}})
        listing.closed, listing.closed_at = True, now
        return listing

    async def change_closed_band(self, session: AsyncSession, *, actor_id: int,
                                 evaluation: Evaluation, band: Band, reason: str,
                                 now: datetime, as_board: bool = False) -> None:
        """A final annual band changed after a kiến nghị (bot.services.appeals), on the
        closed list, by the rules of closing: a discipline keeps "Không hoàn thành"; a leader
        is not rated above the agency's own rating; the "xuất sắc" cap of the agency and the
        duty group holds with the new band (LAW L7) — a change that would break it is
        refused, the board or the agency's head must first move someone else at a reopened
        list. The planning flags follow the new band; audited."""
        cadre = await session.get(Cadre, evaluation.cadre_id)
        period = await session.get(Period, evaluation.period_id)
        if evaluation.status != "rated" or period is None or period.kind != PeriodType.YEAR.value:
            raise ReviewError("not_found")
        if period.status == PeriodStatus.LOCKED.value and not as_board:
            raise ReviewError("locked")
        draft = (await annual_drafts(session, self.policy, [cadre], period.year))[0]
        if draft.disciplined and band != Band.FAILED:
            raise ReviewError("disciplined")
        listing = await self.agency_list(session, evaluation.agency_id, period.year) \
            if evaluation.agency_id is not None else None
        if cadre.is_leader and self.policy.scoring.leader_not_above_agency and listing \
                and listing.agency_band and above(band, listing.agency_band):
            raise ReviewError("above_agency", cap=Band(listing.agency_band))
        old = evaluation.band
        if listing is not None:
            # the list as it would stand (the session holds one object per row: the
            # listing's evaluation is this one)
            key = evaluation.duty_group or NO_GROUP
            was = group_caps(listing.drafts, self.policy.scoring, listing.outstanding).get(key)
            evaluation.band = band.value
            group = group_caps(listing.drafts, self.policy.scoring, listing.outstanding).get(key)
            # a "tốt" lowered shrinks the base of the cap too: no change may push it over
            if group is not None and group.over > (was.over if was else 0):
                evaluation.band = old
                raise ReviewError("over_cap", allowed=group.allowed)
        before_flags = evaluation.flags
        evaluation.band = band.value
        evaluation.band_reason = reason
        evaluation.flags = planning_flags(self.policy.scoring, cadre, band, draft.previous_band)
        evaluation.version += 1
        audit.record(session, at=now, action="appeal_change_year", object_type="evaluation",
                     object_id=evaluation.id, actor_id=actor_id,
                     before={"band": old, "flags": before_flags},
                     after={"band": band.value, "flags": evaluation.flags, "reason": reason})

    async def reopen(self, session: AsyncSession, *, agency_id: int, year: int, now: datetime,
                     label: str) -> None:
        """Operator only (`cadrebot year reopen`): a closed list back to proposals, audited."""
        closing = await session.scalar(select(AnnualList).where(
            AnnualList.unit_id == agency_id, AnnualList.year == year))
        if closing is None or closing.status != "closed":
            raise ReviewError("not_found")
        closing.status = "open"
        period = await self.year_period(session, year)
        for evaluation in await session.scalars(select(Evaluation).where(
                Evaluation.period_id == period.id, Evaluation.agency_id == agency_id,
                Evaluation.status == "rated")):
            evaluation.status = "proposed"
            evaluation.flags = None
            evaluation.version += 1
        audit.record(session, at=now, action="reopen_year_list", object_type="annual_list",
                     object_id=closing.id, actor_label=label,
                     after={"agency": agency_id, "year": year})


# recorded directly by the evaluator or the board: confirmed at once (bot.services.leave)
record_leave = leave_rules.record


_LEAVES_OF_YEAR = (select(Leave).where(  # built once: 📊 Kết quả reads it on every opening
    Leave.cadre_id == bindparam("cadre_id"),
    Leave.status.in_([LeaveStatus.CONFIRMED.value, LeaveStatus.PENDING.value]),
    Leave.starts_on <= bindparam("last"), Leave.ends_on >= bindparam("first"))
    .order_by(Leave.starts_on))


async def leaves_of(session: AsyncSession, cadre_id: int, year: int) -> list[Leave]:
    """The year's leave, confirmed or waiting for confirmation (shown with its state)."""
    return list(await session.scalars(_LEAVES_OF_YEAR, {
        "cadre_id": cadre_id, "last": date(year, 12, 31), "first": date(year, 1, 1)}))


def cap_sentence(scoring: ScoringPolicy, outstanding: bool) -> str:
    """The cap in the decree's words (LAW L7), with the province's figure."""
    ratio = fmt_percent(scoring.cap_ratio(outstanding))
    if scoring.excellent_cap_base == "good_or_better":
        return _("The number rated “Excellently completed duties” may not exceed {ratio} of "
                 "those rated “Well completed duties” or better, within the agency and within "
                 "each group of civil servants with similar duties.").format(ratio=ratio)
    return _("The number rated “Excellently completed duties” may not exceed {ratio} of those "
             "rated “Well completed duties”, within the agency and within each group of civil "
             "servants with similar duties.").format(ratio=ratio)


def group_text(group: str) -> str:
    """A group of civil servants with similar duties: the job position's group."""
    return _(GROUP_LABELS.get(group, GROUP_LABELS[NO_GROUP]))


def flag_text(flag: str) -> str:
    return _(FLAG_LABELS[flag]) if flag in FLAG_LABELS else flag


async def flagged(session: AsyncSession, year: int) -> list[tuple[Cadre, list[str], str]]:
    """Cadres whose closed annual band raises a planning flag: (cadre, flags, band)."""
    rows = (await session.execute(
        select(Cadre, Evaluation.flags, Evaluation.band)
        .join(Evaluation, Evaluation.cadre_id == Cadre.id)
        .join(Period, Period.id == Evaluation.period_id)
        .where(Period.kind == PeriodType.YEAR.value, Period.year == year,
               Evaluation.status == "rated"))).all()
    found = [(cadre, list(flags), band) for cadre, flags, band in rows if flags]
    return sorted(found, key=lambda row: vietnamese_name_key(row[0].full_name))
