"""🗂 Verifying declared courses (SPEC §4.6): the list of courses waiting for the evaluator
(or the board), one course with its decision buttons, the reason of a rejection, what was
decided. Reached from ✅ Phê duyệt, with the other decisions, and from 📚 Bồi dưỡng; every
screen has a way back (to the list, to the approvals inbox). Pure: data in, (text, keyboard)
out. The buttons are declared with 📚's (handlers/screens/training.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.i18n import _, fmt_figure
from handlers.screens import review
from handlers.screens.common import Screen, esc, pager, shorten
from handlers.screens.training import (
    CERTIFICATE,
    COURSE,
    PENDING,
    PENDING_PAGE,
    REJECT,
    VERIFY,
    course_lines,
    waiting_count_text,
)

if TYPE_CHECKING:
    from bot.services.training import Decision, Waiting
    from models import Cadre, TrainingRecord


def _with(prefix: str, text: str) -> str:
    return (prefix + "\n\n" if prefix else "") + text


def _to_inbox():
    return review.PAGE.button(_("⬅️ Approvals"), 0)


def list_screen(waiting: Waiting, prefix: str = "") -> Screen:
    """The courses waiting for the verifier, oldest first, a button each."""
    if not waiting.items:
        text = _("No declared course is waiting for your verification.")
        return _with(prefix, text), InlineKeyboardMarkup([[_to_inbox()]])
    lines = [_("🗂 <b>Courses waiting for verification</b> ({count})").format(
        count=waiting_count_text(waiting.total))]
    rows = []
    for record, cadre in waiting.items:
        lines.append(_("• {name}: {title} — {hours} hours").format(
            name=esc(cadre.full_name), title=esc(record.title), hours=fmt_figure(record.hours)))
        rows.append([COURSE.button(f"{cadre.full_name} · {shorten(record.title, 30)}", record.id)])
    rows += pager(PENDING_PAGE, waiting.page, waiting.more)
    rows.append([_to_inbox()])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def course_screen(record: TrainingRecord, cadre: Cadre) -> Screen:
    """One declared course, to verify or reject."""
    lines = [_("🗂 <b>Verify a course</b>"),
             _("{name} ({code})").format(name=esc(cadre.full_name), code=esc(cadre.code)),
             *course_lines(record.title, record.category, record.provider, record.start_date,
                           record.end_date, record.hours, record.certificate_no,
                           bool(record.certificate_file_id))]
    rows = [[VERIFY.button(_("✅ Verify"), record.id), REJECT.button(_("❌ Reject"), record.id)]]
    if record.certificate_file_id:
        rows.append([CERTIFICATE.button(_("📎 Show the certificate"), record.id)])
    rows.append([PENDING.button(_("⬅️ Courses waiting")), _to_inbox()])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def reason_question(record_id: int) -> Screen:
    return _("Why is the course rejected? Type the reason:"), InlineKeyboardMarkup(
        [[COURSE.button(_("⬅️ Back"), record_id)]])


def decided_screen(decision: Decision) -> Screen:
    done = (_("✅ Verified “{title}” of {name}.") if decision.approved
            else _("❌ Rejected “{title}” of {name}.")).format(
        title=esc(decision.record.title), name=esc(decision.cadre.full_name))
    return list_screen(decision.pending, prefix=done)
