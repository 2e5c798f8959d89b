"""An evaluator hands their reviews to another cadre for a date range (SPEC §1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.review import ReviewError
from models import Cadre, Delegation

MAX_DAYS = 180


async def create(session: AsyncSession, *, delegator: Cadre, delegate_code: str,
                 starts_on: date, ends_on: date, now: datetime) -> tuple[Delegation, Cadre]:
    delegate = await session.scalar(select(Cadre).where(Cadre.code == delegate_code.strip()))
    if delegate is None or not delegate.active:
        raise ReviewError("unknown_delegate")
    if delegate.id == delegator.id:
        raise ReviewError("self_delegate")
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_DAYS:
        raise ReviewError("bad_range")
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
