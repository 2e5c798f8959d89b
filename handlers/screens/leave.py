"""🏖 Time away from work: the cadre's leaves (from 📊 Kết quả của tôi), declaring one, the
evaluator's list of leaves waiting for confirmation (from ✅ Phê duyệt), and what each person
is told. Pure: data in → (text, keyboard) out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, ngettext
from bot.services.leave import Decided, Declared, Waiting
from handlers.callbacks import action
from handlers.screens.common import STALE, Screen, esc, pager
from models.enums import LeaveKind, LeaveStatus

if TYPE_CHECKING:
    from models import Leave

PREFIX = "lv"
MINE = action(PREFIX, "m")  # the caller's own leaves
NEW = action(PREFIX, "new")  # declare a leave: asks the kind
KIND = action(PREFIX, "k", "index:n")  # its kind, an index of KINDS
SKIP = action(PREFIX, "sk")  # no note
CANCEL = action(PREFIX, "x", "leave_id:id")  # withdraw one's own leave while it waits
WAITING = action(PREFIX, "p", "page:n")  # the evaluator's leaves waiting for confirmation
CONFIRM = action(PREFIX, "ok", "leave_id:id")
REFUSE = action(PREFIX, "no", "leave_id:id")  # asks the reason

# A button carries the index: keep the order, add kinds at the end only.
KINDS = [LeaveKind.SICK, LeaveKind.MATERNITY, LeaveKind.STUDY, LeaveKind.OTHER, LeaveKind.ANNUAL]
SHOWN = [LeaveKind.ANNUAL, LeaveKind.SICK, LeaveKind.MATERNITY, LeaveKind.STUDY, LeaveKind.OTHER]
KIND_LABELS = {
    LeaveKind.ANNUAL: N_("Annual leave"),
    LeaveKind.SICK: N_("Sick leave"),
    LeaveKind.MATERNITY: N_("Maternity leave"),
    LeaveKind.STUDY: N_("Full-time study"),
    LeaveKind.OTHER: N_("Other leave"),
}
STATES = {
    LeaveStatus.PENDING: N_("⏳ waiting for confirmation"),
    LeaveStatus.CONFIRMED: N_("✅ confirmed"),
    LeaveStatus.REFUSED: N_("❌ not confirmed"),
    LeaveStatus.CANCELLED: N_("withdrawn"),
}
ERRORS = {
    "forbidden": N_("You do not evaluate this cadre."),
    "leave_decided": N_("This leave request has already been handled."),
    "leave_order": N_("The end date is before the start date. Please type the end date again."),
    "leave_too_long": N_("A leave of more than two years cannot be recorded at once."),
    "leave_too_early": N_("A leave can start on 1 January of last year at the earliest. Please "
                          "type the date again."),
    "leave_too_late": N_("A leave can start at most a year from today. Please type the date "
                         "again."),
    "leave_overlap": N_("Leave is already recorded for part of these dates."),
    "reason_required": N_("Please give a reason for refusing the leave."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
    "date_format": N_("Please type the date as dd/mm/yyyy, e.g. 03/02/2026."),
    "choose": N_("Please choose one of the buttons."),
}
# typed again at the same step, nothing lost
ASK_AGAIN = {"leave_order", "leave_too_early", "leave_too_late", "date_format",
             "reason_required", "reason_too_long", "choose"}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(LeaveKind(kind), KIND_LABELS[LeaveKind.OTHER]))


def span_text(leave: Leave, state: bool = True) -> str:
    """"Nghỉ ốm đau 03/02/2026–05/02/2026", with its state when it is not confirmed."""
    text = _("{kind} {start}–{end}").format(kind=kind_label(leave.kind),
                                             start=fmt_date(leave.starts_on),
                                             end=fmt_date(leave.ends_on))
    if state and leave.status != LeaveStatus.CONFIRMED.value:
        text += " · " + _(STATES[LeaveStatus(leave.status)])
    return text


def refusal(code: str) -> str:
    return _(ERRORS.get(code, STALE))


def _with(prefix: str, text: str) -> str:
    return prefix + "\n\n" + text if prefix else text


# ---------------------------------------------------------------- the cadre

def mine_screen(leaves: list[Leave], prefix: str = "") -> Screen:
    lines = [_("🏖 <b>Leave</b> (annual, sick, maternity, study)"),
             _("Declare the days you are away: once your evaluator confirms them, you get no "
               "reminders on those days and a period spent entirely on leave is not counted "
               "as missing.")]
    rows = [[NEW.button(_("➕ Declare a leave"))]]
    if not leaves:
        lines.append(_("No leave declared this year."))
    for leave in leaves:
        lines.append("• " + span_text(leave))
        if leave.note:
            lines.append("   " + _("Note: {note}").format(note=esc(leave.note)))
        if leave.status == LeaveStatus.REFUSED.value and leave.refusal_reason:
            lines.append("   " + _("Reason: {reason}").format(reason=esc(leave.refusal_reason)))
        if leave.status == LeaveStatus.PENDING.value:
            rows.append([CANCEL.button(_("🗑 Withdraw {start}–{end}").format(
                start=fmt_date(leave.starts_on), end=fmt_date(leave.ends_on)), leave.id)])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def ask_kind() -> Screen:
    rows = [[KIND.button(_(KIND_LABELS[kind]), KINDS.index(kind))] for kind in SHOWN]
    rows.append([MINE.button(_("⬅️ Back"))])
    return _("🏖 Which kind of leave?"), InlineKeyboardMarkup(rows)


def ask_start(kind: str, example: str) -> Screen:
    return _("🏖 {kind}: from which day? Type the date, e.g. {example}.").format(
        kind=kind_label(kind), example=example), None


def ask_end(example: str) -> Screen:
    return _("🏖 Until which day (inclusive)? Type the date, e.g. {example}.").format(
        example=example), None


def ask_note() -> Screen:
    return (_("📝 A note for your evaluator (optional), e.g. the reason or the number of the "
              "decision. Type it, or tap “Skip”."),
            InlineKeyboardMarkup([[SKIP.button(_("⏭ Skip"))]]))


def declared_text(declared: Declared) -> str:
    text = _("📨 Leave declared: {span}.").format(span=span_text(declared.leave, False))
    if declared.cadre.evaluator_id is None:
        return text + " " + _("The Organization Board will confirm it.")
    return text + " " + _("Your evaluator will confirm it.")


def evaluator_notice(declared: Declared) -> Screen:
    return (_("🏖 {name} declared a leave: {span}. Please confirm it or refuse it.").format(
        name=esc(declared.cadre.full_name), span=span_text(declared.leave, False)),
        InlineKeyboardMarkup([[WAITING.button(_("🏖 Open the leave requests"), 0)]]))


# ---------------------------------------------------------------- the evaluator

def inbox_button(count: int) -> list[InlineKeyboardButton]:
    """The row of ✅ Phê duyệt that opens the leaves waiting for confirmation."""
    return [WAITING.button(ngettext("🏖 {count} leave request waiting for confirmation",
                                    "🏖 {count} leave requests waiting for confirmation",
                                    count).format(count=count), 0)]


def waiting_screen(waiting: Waiting, prefix: str = "",
                   back: list[InlineKeyboardButton] | None = None) -> Screen:
    rows = []
    if not waiting.items:
        lines = [_("No leave request is waiting for your confirmation. 👍")]
    else:
        lines = [_("🏖 <b>Leave requests waiting for confirmation</b>: {count}").format(
            count=waiting.total)]
        for leave, cadre in waiting.items:
            lines.append(_("• {name} ({code}): {span}").format(
                name=esc(cadre.full_name), code=esc(cadre.code), span=span_text(leave, False)))
            if leave.note:
                lines.append("   " + _("Note: {note}").format(note=esc(leave.note)))
            rows.append([CONFIRM.button(_("✅ Confirm: {name}").format(name=cadre.full_name),
                                        leave.id),
                         REFUSE.button(_("❌ Refuse"), leave.id)])
        rows += pager(WAITING, waiting.page, waiting.more)
    if back:
        rows.append(back)
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def reason_question(leave: Leave, name: str) -> Screen:
    return _("Why is the leave of {name} ({span}) refused? Type the reason:").format(
        name=esc(name), span=span_text(leave, False)), None


def decided_text(decided: Decided) -> str:
    if decided.confirmed:
        return _("✅ Confirmed: {name}, {span}.").format(name=esc(decided.cadre.full_name),
                                                        span=span_text(decided.leave, False))
    return _("❌ Refused: {name}, {span}.").format(name=esc(decided.cadre.full_name),
                                                  span=span_text(decided.leave, False))


def cadre_notice(decided: Decided) -> Screen:
    if decided.confirmed:
        text = _("✅ Your leave {span} has been confirmed: no reminders on those days.").format(
            span=span_text(decided.leave, False))
    else:
        text = _("❌ Your leave {span} was not confirmed.\nReason: {reason}").format(
            span=span_text(decided.leave, False), reason=esc(decided.leave.refusal_reason or ""))
    return text, InlineKeyboardMarkup([[MINE.button(_("🏖 My leave"))]])
