"""The scheduler's reminder tick (PTB JobQueue, APScheduler): ask the reminders service
what is due, record each one, send it as the composition root's screen renders it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.jobs import leadership
from bot.services import reminders
from bot.services.identity import mark_unreachable
from models import Period

log = logging.getLogger(__name__)
TICK_SECONDS = 300

# reminder, and the period an "entry" reminder is about -> (text, keyboard)
Render = Callable[[reminders.Reminder, Period | None], tuple[str, InlineKeyboardMarkup | None]]


async def tick(app: Application, render: Render) -> int:
    """One pass; returns how many reminders were sent."""
    services = app.bot_data["services"]
    now = services.clock.now()
    async with services.db.session() as session:
        due = await reminders.due(session, now, services.settings.tz, services.calendar,
                                  services.policy)
    sent = 0
    for reminder in due:
        period = None
        async with services.db.session() as session:
            if not await reminders.claim(session, reminder, now):
                continue  # another tick or process took it
            if reminder.kind in ("entry", "appeal"):
                period = await session.get(Period, reminder.info["period_id"])
        text, markup = render(reminder, period)
        try:
            await app.bot.send_message(reminder.chat_id, text, reply_markup=markup)
            sent += 1
        except Forbidden:
            async with services.db.session() as session:
                await mark_unreachable(session, reminder.chat_id)
        except TelegramError as exc:
            log.warning("reminder %s/%s not sent: %s", reminder.subject, reminder.step, exc)
    return sent


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    if await leadership.is_leader(context.application):
        await tick(context.application, context.job.data)


def schedule(app: Application, render: Render) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(_job, interval=TICK_SECONDS, first=30, name="reminders",
                                    data=render)
