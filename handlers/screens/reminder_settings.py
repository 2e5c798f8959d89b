"""⚙️ Reminder settings (/caidat) and the two buttons under every optional reminder."""

from __future__ import annotations

from datetime import datetime, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, fmt_datetime
from handlers.callbacks import action

PREFIX = "rm"
# "⏰ Nhắc lại sau" and "🔕 Tắt nhắc nhở" under a reminder: bot/reminder_job.py builds them
# (snooze_row()), this module answers them.
SNOOZE = action(PREFIX, "z")
OFF = action(PREFIX, "off")
TOGGLE = action(PREFIX, "t")  # on the /caidat screen


def snooze_row() -> list[InlineKeyboardButton]:
    """The buttons under an optional reminder."""
    return [SNOOZE.button(_("⏰ Remind me later")), OFF.button(_("🔕 Turn reminders off"))]


def settings_screen(enabled: bool) -> tuple[str, InlineKeyboardMarkup]:
    state = _("on") if enabled else _("off")
    text = _("⚙️ <b>Reminders</b>: {state}.\nReminders about overdue reports are always sent."
             ).format(state=state)
    label = _("🔕 Turn reminders off") if enabled else _("🔔 Turn reminders on")
    return text, InlineKeyboardMarkup([[TOGGLE.button(label)]])


def snoozed(until: datetime, tz: tzinfo) -> str:
    """The alert after ⏰."""
    return _("⏰ I will remind you again at {time}.").format(time=fmt_datetime(until, tz))
