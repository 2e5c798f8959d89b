"""Results published inside the agency (issue #24 part 3; Bắc Ninh's resolution on commune
cadres: "công khai kết quả đánh giá, xếp loại" inside the agency).

- The annual list of an agency is published when it is closed (bot.services.annual: its
  head or the board closes it); the publication date is the closing date. A list reopened
  by the operator is unpublished until it is closed again.
- A quarter's evaluations, when the policy says so (`publication.quarterly`), are
  published once the quarter's period is locked (the lock date is the publication date):
  the rated evaluations of the period whose unit was in the agency when rated. A province
  that evaluates monthly publishes no quarter (there is no quarter period to lock).
- Who sees it: every active member of the agency, and only the agency's own lists: the
  caller's agency is always the one of their own unit, so a forged button can never show
  another agency's list. What is shown: names, unit, title, points and band — never the
  reasons, the evidence, the figures or the planning flags.
- With the policy off nothing is listed and an old button is refused politely ("off").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, vietnamese_name_key
from bot.policy import Policy
from bot.services.exports import Col, Export, _sheet, band_text, finish, safe_append, workbook_bytes
from bot.services.identity import Actor
from bot.services.numbers import shown_score
from bot.services.periods import period_code
from bot.services.units import UnitTree
from models import AnnualList, Cadre, Evaluation, JobPosition, Period
from models.enums import PeriodStatus, PeriodType


class PublicationError(Exception):
    """A refused view: "off" (the policy publishes nothing of that kind), "no_agency" (the
    caller belongs to no agency: not linked, deactivated, no unit) or "not_published" (no
    such list of the caller's agency, or not yet)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Publication:
    """One published list of an agency: the period (a year or a quarter) and when it was
    published."""

    period: Period
    agency_id: int
    agency_name: str
    published_at: datetime


@dataclass(frozen=True)
class PublishedRow:
    full_name: str
    unit: str
    title: str
    points: float | None
    band: str | None


@dataclass(frozen=True)
class PublishedList:
    publication: Publication
    rows: list[PublishedRow]


@dataclass(frozen=True)
class Agency:
    id: int
    name: str
    units: list[int]  # the units whose people are the agency's


async def agency_of(session: AsyncSession, actor: Actor | None) -> Agency:
    """The caller's own agency (from their unit today)."""
    if actor is None:
        raise PublicationError("no_agency")
    me = await session.get(Cadre, actor.cadre_id)
    if me is None or not me.active or me.unit_id is None:
        raise PublicationError("no_agency")
    tree = await UnitTree.load(session)
    agency_id = tree.agency_of(me.unit_id)
    if agency_id is None:
        raise PublicationError("no_agency")
    units = [uid for uid in tree.subtree(agency_id) if tree.agency_of(uid) == agency_id]
    return Agency(agency_id, tree.units[agency_id].name, units)


async def _annual(session: AsyncSession, agency: Agency) -> list[Publication]:
    found = (await session.execute(
        select(Period, AnnualList.closed_at)
        .join(AnnualList, (AnnualList.year == Period.year)
              & (Period.kind == PeriodType.YEAR.value))
        .where(AnnualList.unit_id == agency.id, AnnualList.status == "closed",
               AnnualList.closed_at.is_not(None)))).all()
    return [Publication(period, agency.id, agency.name, closed_at)
            for period, closed_at in found]


async def _quarters(session: AsyncSession, agency: Agency) -> list[Publication]:
    periods = (await session.scalars(
        select(Period).where(Period.kind == PeriodType.QUARTER.value,
                             Period.status == PeriodStatus.LOCKED.value,
                             Period.locked_at.is_not(None),
                             Period.id.in_(select(Evaluation.period_id).where(
                                 Evaluation.status == "rated",
                                 Evaluation.unit_id.in_(agency.units)))))).all()
    return [Publication(period, agency.id, agency.name, period.locked_at)
            for period in periods]


async def publications(session: AsyncSession, policy: Policy,
                       actor: Actor | None) -> tuple[Agency, list[Publication]]:
    """The caller's agency and its published lists, newest first."""
    if not policy.publication.enabled:
        raise PublicationError("off")
    agency = await agency_of(session, actor)
    found = []
    if policy.publication.annual:
        found += await _annual(session, agency)
    if policy.publication.quarterly:
        found += await _quarters(session, agency)
    found.sort(key=lambda p: (p.period.year, p.period.kind != PeriodType.YEAR.value,
                              p.period.number), reverse=True)
    return agency, found


async def published_list(session: AsyncSession, policy: Policy, actor: Actor | None,
                         period_id: int) -> PublishedList:
    """One published list of the caller's agency (re-checked at every tap: the policy, the
    caller's agency today, the list still closed or the period still locked)."""
    period = await session.get(Period, period_id)
    if period is None or period.kind == PeriodType.MONTH.value:
        raise PublicationError("not_published")
    yearly = period.kind == PeriodType.YEAR.value
    if not (policy.publication.annual if yearly else policy.publication.quarterly):
        raise PublicationError("off")
    agency, found = await publications(session, policy, actor)
    publication = next((p for p in found if p.period.id == period.id), None)
    if publication is None:
        raise PublicationError("not_published")
    query = (select(Cadre, Evaluation.total_score, Evaluation.band, Evaluation.unit_id)
             .join(Evaluation, Evaluation.cadre_id == Cadre.id)
             .where(Evaluation.period_id == period.id, Evaluation.status == "rated"))
    query = query.where(Evaluation.agency_id == agency.id) if yearly else query.where(
        Evaluation.unit_id.in_(agency.units))
    tree = await UnitTree.load(session)
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.name))).all())
    rows = []
    for cadre, points, band, unit_id in (await session.execute(query)).all():
        unit = tree.units.get(unit_id or cadre.unit_id)
        rows.append(PublishedRow(cadre.full_name, unit.name if unit else "",
                                 cadre.title or positions.get(cadre.position_id) or "",
                                 points, band))
    rows.sort(key=lambda r: vietnamese_name_key(r.full_name))
    return PublishedList(publication, rows)


COLUMNS = [Col(N_("No."), 6), Col(N_("Full name"), 26), Col(N_("Unit"), 28),
           Col(N_("Title or position"), 26), Col(N_("Points"), 10, "0.0"),
           Col(N_("Rating"), 30), Col(N_("Published on"), 14, "DD/MM/YYYY")]


def published_workbook(listing: PublishedList, title: str, tz: ZoneInfo) -> Export:
    """The published list as a sheet (the columns the chat shows, and the publication date
    on every row, so that a printed page carries it); `title` names the sheet."""
    published_on = listing.publication.published_at.astimezone(tz).date()
    wb = Workbook()
    ws = _sheet(wb, title, COLUMNS, first=True)
    for index, row in enumerate(listing.rows, start=1):
        safe_append(ws, [index, row.full_name, row.unit, row.title,
                         shown_score(row.points) if row.points is not None else None,
                         band_text(row.band), published_on])
    finish(ws, COLUMNS)
    return Export(workbook_bytes(wb), len(listing.rows))


def file_name(listing: PublishedList) -> str:
    """cong_khai_2026.xlsx, cong_khai_2026-Q3.xlsx"""
    return f"cong_khai_{period_code(listing.publication.period)}.xlsx"
