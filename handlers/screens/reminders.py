"""What a reminder says, with a button straight into the right screen (SPEC §5). Sent by the
scheduler's tick (bot.jobs.reminders), which gets this function from the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.i18n import _, fmt_date, ngettext
from bot.services.reminders import Reminder
from handlers.screens import appeals, notices, report, review, tasks, training
from handlers.screens.common import Screen, period_label
from handlers.screens.reminder_settings import snooze_row

if TYPE_CHECKING:
    from models import Period

def reminder_screen(reminder: Reminder, period: Period | None) -> Screen:
    """`period` is the one an "entry" or "appeal" reminder is about (None for the other
    kinds)."""
    info = reminder.info
    if reminder.kind == "entry":
        name, deadline = period_label(period), fmt_date(period.submission_deadline)
        open_button = [report.OPEN.button(_("📝 Open the KPI report"), period.id)]
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
        return text, InlineKeyboardMarkup([open_button, snooze_row()])
    if reminder.kind == "review":
        text = _("📥 {count} products have been waiting for your approval for more than {days} "
                 "working days.").format(count=info["count"], days=info["days"] - 1)
        return text, InlineKeyboardMarkup([[review.PAGE.button(_("✅ Open approvals"), 0)]])
    if reminder.kind == "training":
        if reminder.step == "overdue":
            text = _("❌ The training “{title}” was due on {date}.").format(
                title=info["title"], date=fmt_date(info["due"]))
        else:
            text = _("📚 The training “{title}” is due on {date}.").format(
                title=info["title"], date=fmt_date(info["due"]))
        return text, InlineKeyboardMarkup([[training.OPEN_MINE.button(_("📚 Open training"))],
                                           snooze_row()])
    if reminder.kind == "appeal":
        subject = appeals.subject_text(period)
        if info["overdue"]:
            text = _("⚠️ Kiến nghị of {name} about {subject}: the answer is overdue (due "
                     "{date}).").format(name=info["name"], subject=subject,
                                        date=fmt_date(info["due"]))
        else:
            text = _("⏰ Kiến nghị of {name} about {subject}: please answer by {date}.").format(
                name=info["name"], subject=subject, date=fmt_date(info["due"]))
        return text, InlineKeyboardMarkup([[appeals.VIEW.button(_("📨 Open the kiến nghị"),
                                                                info["appeal_id"])]])
    if reminder.kind == "task":
        open_task = [tasks.OPEN.button(_("📋 Open the task"), info["task_id"])]
        if reminder.step == "overdue":
            text = _("⚠️ Your task “{title}” was due on {date} and has not been reported done. "
                     "Delivered now, it counts as a delay.").format(
                title=info["title"], date=fmt_date(info["deadline"]))
            return text, InlineKeyboardMarkup([open_task])
        text = ngettext("⏰ Your task “{title}” is due on {date}: {count} working day left.",
                        "⏰ Your task “{title}” is due on {date}: {count} working days left.",
                        info["days"]).format(title=info["title"], date=fmt_date(info["deadline"]),
                                             count=info["days"])
        return text, InlineKeyboardMarkup([open_task, snooze_row()])
    text = _("🔔 You have not yet confirmed a notice from the Organization Board.")
    return text, InlineKeyboardMarkup([
        [notices.OPEN.button(_("📖 Read it"), info["delivery_id"])], snooze_row()])
