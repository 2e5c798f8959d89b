"""📚 Bồi dưỡng: a person's obligations and declared courses, the questions of declaring a
course, and the buttons of the evaluator's verification (its screens, reached from ✅ Phê
duyệt too: handlers/screens/verification.py). Pure: data in, (text, keyboard) out.

The reminders build the OPEN_MINE button ("📚 Open training") too."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_figure
from bot.services.training import WAITING_COUNTED, Status
from handlers.callbacks import action
from handlers.screens.common import STALE, Screen, esc, not_a_number
from models.enums import TrainingCategory

if TYPE_CHECKING:
    from bot.services.training import Decision, Declared, Overview
    from models import TrainingRequirement

PREFIX = "tr"
OPEN_MINE = action(PREFIX, "m")  # also in the reminders of an obligation
NEW = action(PREFIX, "new")
CATEGORY = action(PREFIX, "c", "index:n")  # index in CATEGORIES
SKIP = action(PREFIX, "s", "step:n")  # index of the step skipped (handlers.training.DECLARE)
CONFIRM = action(PREFIX, "ok")
PENDING = action(PREFIX, "v")  # the verification list (also on ✅ Phê duyệt)
PENDING_PAGE = action(PREFIX, "vp", "page:n")  # … a page of it
COURSE = action(PREFIX, "vc", "record_id:id")  # one course of it
REQUIREMENTS = action(PREFIX, "req")
VERIFY = action(PREFIX, "a", "record_id:id")
REJECT = action(PREFIX, "x", "record_id:id")
CERTIFICATE = action(PREFIX, "f", "record_id:id")

CATEGORIES = [
    (TrainingCategory.POLITICAL_THEORY, N_("Political theory")),
    (TrainingCategory.DEFENCE_SECURITY, N_("Defence and security")),
    (TrainingCategory.STATE_MANAGEMENT, N_("State management")),
    (TrainingCategory.JOB_SKILLS, N_("Knowledge and skills for the job position")),
    (TrainingCategory.DIGITAL, N_("Science, technology, innovation and digital skills")),
]
CATEGORY_NAMES = dict(CATEGORIES)
STATUS = {
    Status.DONE: N_("✅ done"),
    Status.IN_PROGRESS: N_("⏳ in progress"),
    Status.DUE_SOON: N_("⚠️ due soon"),
    Status.OVERDUE: N_("❌ overdue"),
}
RECORD_STATUS = {"claimed": N_("waiting for verification"), "verified": N_("verified"),
                 "rejected": N_("rejected")}
LEVELS = {"so_cap": N_("elementary"), "trung_cap": N_("intermediate"), "cao_cap": N_("advanced"),
          "cu_nhan": N_("bachelor"), "none": N_("none")}
RECORDS_SHOWN = 5


def category_name(value: str) -> str:
    try:
        return _(CATEGORY_NAMES[TrainingCategory(value)])
    except ValueError:
        return value


def _with(prefix: str, text: str) -> str:
    return (prefix + "\n\n" if prefix else "") + text


def waiting_count_text(count: int) -> str:
    """How many courses wait, as counted (up to WAITING_COUNTED: "50+")."""
    return f"{count}+" if count >= WAITING_COUNTED else str(count)


def verify_button(count: int):
    """🗂 To the verification list (📚 Bồi dưỡng and ✅ Phê duyệt)."""
    return PENDING.button(_("🗂 Verify courses ({count})").format(
        count=waiting_count_text(count)))


# ---------------------------------------------------------------- my obligations

def overview_screen(view: Overview, prefix: str = "") -> Screen:
    lines = [_("📚 <b>Training obligations {year}</b>").format(year=view.year)]
    if not view.obligations:
        lines.append(_("No training obligation applies to you yet."))
    for item in view.obligations:
        req = item.requirement
        detail = [category_name(req.category)]
        if req.hours_required:
            progress = _("{done}/{required} hours").format(done=fmt_figure(item.hours_done),
                                                          required=fmt_figure(req.hours_required))
            if item.hours_pending:
                progress += " " + _("(+{hours} waiting for verification)").format(
                    hours=fmt_figure(item.hours_pending))
            detail.append(progress)
        if req.level_required:
            detail.append(_("political theory at least: {level}").format(
                level=_(LEVELS.get(req.level_required, req.level_required))))
        if req.due_date:
            detail.append(_("due {date}").format(date=fmt_date(req.due_date)))
        lines += [f"{_(STATUS[item.status])} — <b>{esc(req.title)}</b>", "    " + " · ".join(detail)]
    if view.records:
        lines += ["", _("<b>Courses you declared</b>")]
        for record in view.records[:RECORDS_SHOWN]:
            lines.append(_("• {title}: {hours} hours — {status}").format(
                title=esc(record.title), hours=fmt_figure(record.hours),
                status=_(RECORD_STATUS[record.status])))
            if record.status == "rejected" and record.reject_reason:
                lines.append("   " + _("Reason: {reason}").format(reason=esc(record.reject_reason)))
    rows = [[NEW.button(_("➕ Declare a course"))]]
    if view.waiting:
        rows.append([verify_button(view.waiting)])
    if view.is_board:
        rows.append([REQUIREMENTS.button(_("📋 All requirements"))])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def requirements_screen(requirements: list[TrainingRequirement]) -> Screen:
    lines = [_("📋 <b>Training requirements</b> ({count})").format(count=len(requirements))]
    for req in requirements:
        need = (_("{hours} hours").format(hours=fmt_figure(req.hours_required))
                if req.hours_required
                else _("level {level}").format(level=_(LEVELS.get(req.level_required or "none"))))
        lines.append(f"• <b>{esc(req.code)}</b> {esc(req.title)} — {category_name(req.category)}"
                     f" · {need}" + (" · " + fmt_date(req.due_date) if req.due_date else ""))
        if req.legal_basis:
            lines.append("   " + _("Basis: {text}").format(text=esc(req.legal_basis)))
    lines.append(_("To change the list, import a new file: cadrebot import training FILE"))
    return "\n".join(lines), None


# ---------------------------------------------------------------- declaring a course

def _skip(step: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[SKIP.button(_("⏭ Skip"), step)]])


def ask_title(data: dict, step: int) -> Screen:
    return _("➕ <b>Declare a completed course</b>\nWhat is the course called?"), None


def ask_category(data: dict, step: int) -> Screen:
    rows = [[CATEGORY.button(_(name), i)] for i, (_value, name) in enumerate(CATEGORIES)]
    return _("Which group of training does it belong to?"), InlineKeyboardMarkup(rows)


def ask_provider(data: dict, step: int) -> Screen:
    return _("Which school or institution held it? (or tap “Skip”)"), _skip(step)


def ask_dates(data: dict, step: int) -> Screen:
    return _("When did it take place? Type the dates, e.g. 03/11/2026 - 07/11/2026, or one "
             "date."), None


def ask_hours(data: dict, step: int) -> Screen:
    return _("How many hours in all? Type a number, e.g. 16."), None


def ask_certificate_no(data: dict, step: int) -> Screen:
    return _("Certificate number (or tap “Skip”):"), _skip(step)


def ask_certificate_file(data: dict, step: int) -> Screen:
    return _("Send a photo or PDF of the certificate (or tap “Skip”)."), _skip(step)


def course_lines(title: str, category: str, provider: str | None, start: date, end: date,
                  hours: float, number: str | None, has_file: bool) -> list[str]:
    return [_("Course: {title}").format(title=esc(title)),
            _("Group: {name}").format(name=category_name(category)),
            _("Held by: {name}").format(name=esc(provider or "—")),
            _("Dates: {start} – {end}").format(start=fmt_date(start), end=fmt_date(end)),
            _("Hours: {hours}").format(hours=fmt_figure(hours)),
            _("Certificate: {number}{file}").format(number=esc(number or "—"),
                                                    file=" 📎" if has_file else "")]


def ask_confirmation(data: dict, step: int) -> Screen:
    lines = [_("Please check:"), *course_lines(
        data["title"], data["category"], data.get("provider"), date.fromisoformat(data["start"]),
        date.fromisoformat(data["end"]), data["hours"], data.get("certificate_no"),
        bool(data.get("file_id")))]
    markup = InlineKeyboardMarkup([[CONFIRM.button(_("📤 Send for verification"))],
                                   [NEW.button(_("✏️ Start again"))]])
    return "\n".join(lines), markup


def declared_text(declared: Declared) -> str:
    return _("📤 Sent “{title}” for verification.").format(title=esc(declared.record.title))


def evaluator_notice(declared: Declared) -> str:
    return _("🗂 {name} declared the course “{title}” ({hours} hours). Open “✅ Approvals” "
             "to verify it.").format(name=esc(declared.cadre_name),
                                  title=esc(declared.record.title),
                                  hours=fmt_figure(declared.record.hours))


# ---------------------------------------------------------------- verification

def cadre_notice(decision: Decision) -> str:
    record = decision.record
    if decision.approved:
        return _("✅ Your course “{title}” ({hours} hours) has been verified.").format(
            title=esc(record.title), hours=fmt_figure(record.hours))
    return _("❌ Your course “{title}” was not accepted.\nReason: {reason}").format(
        title=esc(record.title), reason=esc(record.reject_reason or ""))


# ---------------------------------------------------------------- refusals

ANSWER_ERRORS = {
    "ask_again": N_("Please answer by typing or with the buttons."),
    "dates_format": N_("Please type the dates as dd/mm/yyyy, e.g. 03/11/2026 - 07/11/2026."),
    "dates_impossible": N_("The dates are not possible: the course must have ended, and end "
                           "after it starts."),
    "hours_range": N_("The number of hours must be between 0 and 2.000."),
    "file_too_large": N_("The file is larger than 20 MB. Please send a smaller file."),
    "file_kind": N_("Please send a photo or a PDF of the certificate, or tap “Skip”."),
    "reason_required": N_("Please type the reason."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
}


def answer_error(code: str, info: dict, text: str) -> str:
    """Why a typed answer was not taken (HTML: `text`, the answer, is escaped)."""
    if code == "too_long":
        return _("Too long: at most {limit} characters.").format(limit=info["limit"])
    if code == "not_a_number":
        return not_a_number(text, info["error"])
    return _(ANSWER_ERRORS[code])


def refusal(code: str) -> str:
    if code == "already_decided":
        return _("This course has already been handled.")
    return _(STALE)


def certificate_gone() -> str:
    return _("The certificate file can no longer be opened; ask the cadre to send it again.")
