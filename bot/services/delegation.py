"""An evaluator hands their reviews to another cadre for a date range (SPEC §1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.review import ReviewError
from models import Cadre, Delegation

MAX_DAYS = 180


async def may_delegate(session: AsyncSession, cadre_id: int) -> bool:
    """Only someone who evaluates cadres themselves hands their reviews over (a delegate
    cannot pass on what was delegated to them)."""
    return await session.scalar(select(Cadre.id).where(
        Cadre.evaluator_id == cadre_id, Cadre.active.is_(True)).limit(1)) is not None


async def find_delegate(session: AsyncSession, delegator_id: int, code: str) -> Cadre:
    """The active cadre with this code, however it was typed (xth004, " XTH004 ")."""
    delegate = await session.scalar(select(Cadre).where(
        func.upper(Cadre.code) == code.strip().upper(), Cadre.active.is_(True)))
    if delegate is None:
        raise ReviewError("unknown_delegate")
    if delegate.id == delegator_id:
        raise ReviewError("self_delegate")
    return delegate


async def create(session: AsyncSession, *, delegator: Cadre, delegate_code: str,
                 starts_on: date, ends_on: date, now: datetime,
                 today: date) -> tuple[Delegation, Cadre]:
    if not await may_delegate(session, delegator.id):
        raise ReviewError("not_evaluator")
    delegate = await find_delegate(session, delegator.id, delegate_code)
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_DAYS:
        raise ReviewError("bad_range")
    if ends_on < today:
        raise ReviewError("past_range")
    overlapping = await session.scalar(select(Delegation).where(
        Delegation.delegator_id == delegator.id, Delegation.delegate_id == delegate.id,
        Delegation.revoked_at.is_(None), Delegation.starts_on <= ends_on,
        Delegation.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise ReviewError("overlap", starts_on=overlapping.starts_on,
                          ends_on=overlapping.ends_on)
    delegation = Delegation(delegator_id=delegator.id, delegate_id=delegate.id,
                            starts_on=starts_on, ends_on=ends_on, created_at=now)
    session.add(delegation)
    await session.flush()
    audit.record(session, at=now, action="delegate", object_type="delegation",
                 object_id=delegation.id, actor_id=delegator.id,
                 after={"delegate": delegate.code, "from": starts_on.isoformat(),
                        "to": ends_on.isoformat()})
    return delegation, delegate


async def current(session: AsyncSession, delegator_id: int, today: date) -> list[tuple[Delegation, Cadre]]:
    rows = await session.execute(
        select(Delegation, Cadre).join(Cadre, Cadre.id == Delegation.delegate_id)
        .where(Delegation.delegator_id == delegator_id, Delegation.revoked_at.is_(None),
               Delegation.ends_on >= today)
        .order_by(Delegation.starts_on))
    return [(d, c) for d, c in rows.all()]


async def revoke(session: AsyncSession, *, delegator_id: int, delegation_id: int,
                 now: datetime) -> Delegation:
    delegation = await session.get(Delegation, delegation_id)
    if delegation is None or delegation.delegator_id != delegator_id or delegation.revoked_at:
        raise ReviewError("not_found")
    delegation.revoked_at = now
    audit.record(session, at=now, action="revoke_delegation", object_type="delegation",
                 object_id=delegation.id, actor_id=delegator_id)
    return delegation
