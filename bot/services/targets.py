"""/chitieu: an evaluator (or the board) adjusts the targets of a cadre they evaluate, before
the report is sent (SPEC §4.2); every change is audited (KpiService.adjust_target) and the
cadre is told. Each use case re-authorises the caller and returns plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import vietnamese_name_key
from bot.services.identity import Actor
from bot.services.kpi import EDITABLE, KpiError, KpiService
from models import Cadre, Period, ProductType
from models.enums import PeriodStatus, ProductKind

PAGE = 8
TARGET_MAX = 1e7


@dataclass(frozen=True)
class CadrePage:
    """The cadres the caller evaluates, by given name, one page of them."""

    cadres: tuple[tuple[int, str], ...]  # (id, full name)
    total: int
    page: int

    @property
    def more(self) -> bool:
        return (self.page + 1) * PAGE < self.total


@dataclass(frozen=True)
class TargetLine:
    product_id: int
    name: str
    rate: bool  # a percentage
    unit: str
    target: float
    default: float
    sent: bool  # the report's entry is sent (or approved): the target is fixed


@dataclass(frozen=True)
class TargetSheet:
    cadre_id: int
    cadre_name: str
    period: Period
    lines: tuple[TargetLine, ...]

    @property
    def locked(self) -> bool:
        return self.period.status == PeriodStatus.LOCKED.value

    def editable(self, line: TargetLine) -> bool:
        return not line.sent and not self.locked


@dataclass(frozen=True)
class Asked:
    """The target the caller is about to change (the flow remembers the three ids)."""

    cadre_id: int
    cadre_name: str
    period_id: int
    line: TargetLine


@dataclass(frozen=True)
class Changed:
    """A target set: the sheet after it, and the cadre to tell (chat None: not reachable)."""

    product: str
    quantity: float
    sheet: TargetSheet
    cadre_chat_id: int | None


async def _adjustable(session: AsyncSession, actor: Actor, cadre_id: int) -> Cadre:
    """A cadre whose targets the caller may adjust: one they evaluate (any, for the board)."""
    cadre = await session.get(Cadre, cadre_id)
    if cadre is None or not cadre.active:
        raise KpiError("not_found")
    if cadre.evaluator_id != actor.cadre_id and not actor.is_board:
        raise KpiError("forbidden")
    return cadre


async def my_cadres(session: AsyncSession, actor: Actor, page: int) -> CadrePage:
    people = (await session.execute(select(Cadre.id, Cadre.full_name).where(
        Cadre.evaluator_id == actor.cadre_id, Cadre.active.is_(True)))).all()
    people.sort(key=lambda row: vietnamese_name_key(row.full_name))
    page = max(page, 0)
    return CadrePage(tuple((row.id, row.full_name) for row in people[page * PAGE:(page + 1) * PAGE]),
                     len(people), page)


async def cadre_id_of(session: AsyncSession, actor: Actor, code: str) -> int:
    """/chitieu CODE (the board's way in): the cadre with this roster code."""
    cadre_id = await session.scalar(select(Cadre.id).where(Cadre.code == code.strip().upper()))
    if cadre_id is None:
        raise KpiError("not_found")
    await _adjustable(session, actor, cadre_id)
    return cadre_id


async def _sheet(session: AsyncSession, kpi: KpiService, cadre: Cadre,
                 today: date) -> TargetSheet:
    period = await kpi.current_period(session, cadre, today)
    sheet = await kpi.sheet(session, cadre, period)
    lines = tuple(TargetLine(
        line.product.id, line.product.name, line.product.kind == ProductKind.RATE,
        line.product.unit_of_measure or "", line.target, line.product.default_target,
        line.entry.status not in EDITABLE) for line in sheet.lines)
    return TargetSheet(cadre.id, cadre.full_name, period, lines)


async def targets_of(session: AsyncSession, kpi: KpiService, actor: Actor, cadre_id: int,
                     today: date) -> TargetSheet:
    """The targets of the cadre's current period."""
    return await _sheet(session, kpi, await _adjustable(session, actor, cadre_id), today)


async def ask(session: AsyncSession, kpi: KpiService, actor: Actor, cadre_id: int,
              product_id: int, today: date) -> Asked:
    """✏️ one target: still changeable (the entry is not sent)?"""
    cadre = await _adjustable(session, actor, cadre_id)
    product = await session.get(ProductType, product_id)
    if product is None or product.position_id != cadre.position_id:
        raise KpiError("not_found")
    sheet = await _sheet(session, kpi, cadre, today)
    line = next(line for line in sheet.lines if line.product_id == product_id)
    if line.sent:
        raise KpiError("not_editable")
    return Asked(cadre.id, cadre.full_name, sheet.period.id, line)


async def change(session: AsyncSession, kpi: KpiService, actor: Actor, *, cadre_id: int,
                 product_id: int, period_id: int, quantity: float, now: datetime,
                 today: date) -> Changed:
    """Set the target typed for the product and period the flow was asked about: refused
    (percent) above 100 for a rate, (not_positive) at or under 0 or absurdly large, and as
    adjust_target refuses (sent, locked)."""
    if quantity <= 0 or quantity > TARGET_MAX:
        raise KpiError("not_positive")
    cadre = await _adjustable(session, actor, cadre_id)
    period = await kpi.current_period(session, cadre, today)
    product = await session.get(ProductType, product_id)
    if period.id != period_id or product is None or product.position_id != cadre.position_id:
        raise KpiError("not_found")
    if product.kind == ProductKind.RATE and quantity > 100:
        raise KpiError("percent")
    me = await session.get(Cadre, actor.cadre_id)
    target = await kpi.adjust_target(session, supervisor=me, cadre=cadre, period=period,
                                     product_type_id=product.id, quantity=quantity, now=now,
                                     as_board=actor.is_board)
    reachable = cadre.telegram_chat_id if cadre.telegram_chat_id and cadre.reachable else None
    return Changed(product.name, target.quantity, await _sheet(session, kpi, cadre, today),
                   reachable)
