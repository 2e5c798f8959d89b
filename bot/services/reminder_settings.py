"""A person's own reminder settings (SPEC §6): snooze to the next working morning, turn the
optional reminders off or on. Deadline reminders of overdue reports always go out."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import Policy
from bot.services.calendar import WorkCalendar
from bot.services.reminders import next_working_morning
from models import Cadre


async def reminders_on(session: AsyncSession, cadre_id: int) -> bool:
    return bool((await session.get(Cadre, cadre_id)).reminders_enabled)


async def snooze(session: AsyncSession, cadre_id: int, *, now: datetime, tz: tzinfo,
                 calendar: WorkCalendar, policy: Policy) -> datetime:
    """No optional reminder until the next working morning (returned)."""
    me = await session.get(Cadre, cadre_id)
    me.snoozed_until = next_working_morning(now.astimezone(tz), calendar, policy)
    return me.snoozed_until


async def set_reminders(session: AsyncSession, cadre_id: int, on: bool | None) -> bool:
    """Turn the optional reminders on or off (`None`: the other way round); returns whether
    they are on now."""
    me = await session.get(Cadre, cadre_id)
    me.reminders_enabled = (not me.reminders_enabled) if on is None else on
    return me.reminders_enabled
