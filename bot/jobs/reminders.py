"""The scheduler's reminder tick (PTB JobQueue, APScheduler): ask the reminders service
what is due, record each one, send it with a button straight into the right screen."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import _, fmt_date
from bot.jobs import leadership
from bot.services import reminders
from bot.services.identity import mark_unreachable
from models import Period

log = logging.getLogger(__name__)
TICK_SECONDS = 300


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


async def _render(app: Application, reminder: reminders.Reminder) -> tuple[str, InlineKeyboardMarkup]:
    from handlers.common import period_label

    snooze = [_button(_("⏰ Remind me later"), "rm:z"), _button(_("🔕 Turn reminders off"), "rm:off")]
    info = reminder.info
    if reminder.kind == "entry":
        async with app.bot_data["services"].db.session() as session:
            period = await session.get(Period, info["period_id"])
        name, deadline = period_label(period), fmt_date(period.submission_deadline)
        open_button = [_button(_("📝 Open the KPI report"), f"kp:o:{period.id}")]
        if info["offset"] < 0:
            text = _("⏰ {days} working days left to send your KPI report of {period} (due "
                     "{date}).").format(days=-info["offset"], period=name, date=deadline)
        elif info["offset"] == 0:
            text = _("⏰ Today ({date}) is the deadline for your KPI report of {period}.").format(
                period=name, date=deadline)
        else:
            text = _("⚠️ Your KPI report of {period} is overdue (due {date}). A report sent now "
                     "is recorded as late.").format(period=name, date=deadline)
            return text, InlineKeyboardMarkup([open_button])
        return text, InlineKeyboardMarkup([open_button, snooze])
    if reminder.kind == "review":
        text = _("📥 {count} products have been waiting for your approval for more than {days} "
                 "working days.").format(count=info["count"], days=info["days"] - 1)
        return text, InlineKeyboardMarkup([[_button(_("✅ Open approvals"), "rv:p:0")]])
    if reminder.kind == "training":
        if reminder.step == "overdue":
            text = _("❌ The training “{title}” was due on {date}.").format(
                title=info["title"], date=fmt_date(info["due"]))
        else:
            text = _("📚 The training “{title}” is due on {date}.").format(
                title=info["title"], date=fmt_date(info["due"]))
        return text, InlineKeyboardMarkup([[_button(_("📚 Open training"), "tr:m")], snooze])
    text = _("🔔 You have not yet confirmed a notice from the Organization Board.")
    return text, InlineKeyboardMarkup([[_button(_("📖 Read it"), f"nt:o:{info['delivery_id']}")],
                                       snooze])


async def tick(app: Application) -> int:
    """One pass; returns how many reminders were sent."""
    services = app.bot_data["services"]
    now = services.clock.now()
    async with services.db.session() as session:
        due = await reminders.due(session, now, services.settings.tz, services.calendar,
                                  services.policy)
    sent = 0
    for reminder in due:
        async with services.db.session() as session:
            if not await reminders.claim(session, reminder, now):
                continue  # another tick or process took it
        text, markup = await _render(app, reminder)
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
        await tick(context.application)


def schedule(app: Application) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(_job, interval=TICK_SECONDS, first=30, name="reminders")
