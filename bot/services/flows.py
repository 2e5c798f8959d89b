"""Per-chat flow state kept in the database (step + draft), never in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import FlowState


@dataclass
class Flow:
    name: str
    step: str
    data: dict = field(default_factory=dict)


def as_flow(row: FlowState | None) -> Flow | None:
    return None if row is None else Flow(row.flow, row.step, dict(row.data or {}))


async def get_flow(session: AsyncSession, chat_id: int) -> Flow | None:
    return as_flow(await session.get(FlowState, chat_id))


def remember_read(session: AsyncSession, chat_id: int, row: FlowState | None) -> None:
    """The chat's flow row as the update's transaction read it (the gate's query): a later
    set or clear in the same transaction need not look for it again."""
    session.info.setdefault("flow_present", {})[chat_id] = row is not None


def _known_absent(session: AsyncSession, chat_id: int) -> bool:
    """This transaction read the chat's flow (or cleared it) and there is none: kept up to
    date by `set_flow` and `clear_flow`. (A chat's updates are handled in order, one at a
    time — bot/inbound.py — so no other update adds one meanwhile.)"""
    return session.info.get("flow_present", {}).get(chat_id) is False


async def set_flow(session: AsyncSession, chat_id: int, flow: Flow, now: datetime) -> None:
    row = None if _known_absent(session, chat_id) else await session.get(FlowState, chat_id)
    session.info.setdefault("flow_present", {})[chat_id] = True
    if row is None:
        session.add(
            FlowState(chat_id=chat_id, flow=flow.name, step=flow.step, data=flow.data, updated_at=now)
        )
    else:
        row.flow, row.step, row.data, row.updated_at = flow.name, flow.step, dict(flow.data), now


async def clear_flow(session: AsyncSession, chat_id: int) -> bool:
    """Leave any flow; returns whether there was one."""
    if _known_absent(session, chat_id):
        return False
    result = await session.execute(delete(FlowState).where(FlowState.chat_id == chat_id))
    session.info.setdefault("flow_present", {})[chat_id] = False
    return bool(result.rowcount)


async def chats_in_flow(session: AsyncSession, flow: str) -> list[int]:
    rows = await session.execute(select(FlowState.chat_id).where(FlowState.flow == flow))
    return list(rows.scalars())
