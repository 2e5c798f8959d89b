"""Files in the chat: what the board reads when it sends a spreadsheet to import (the
check, the question of which list it is, the outcome), and the "📂 Excel files" offer of
📈 Tổng hợp. Pure: data in, (text, keyboard) or file bytes out."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import _, fmt_datetime, fmt_number
from bot.services import chat_exports
from bot.services.chat_imports import (
    Ambiguous,
    Applied,
    Cancelled,
    ChatImportError,
    Checked,
    Kind,
)
from bot.services.imports.apply import Report
from handlers.callbacks import action
from handlers.screens.common import Screen, esc, period_label, stale

PREFIX = "im"
APPLY = action(PREFIX, "ok", "import_id:id")  # "✅ Áp dụng"
APPLY_VALID = action(PREFIX, "ov", "import_id:id")  # the valid rows only (--skip-invalid)
CANCEL = action(PREFIX, "x", "import_id:id")  # "✖️ Hủy"
KIND = action(PREFIX, "k", "import_id:id", "kind:code")  # which list the file is

FILES_PREFIX = "fx"
FILES = action(FILES_PREFIX, "m", "period_id:id")  # the files one may get (of a period)
GET = action(FILES_PREFIX, "g", "file:code", "period_id:id")  # one file, sent as a document

INLINE_LINES = 10  # problems (or changes) listed in the message; all of them in the file


def kind_name(kind: Kind) -> str:
    return _(kind.label)


def not_spreadsheet(file_name: str | None) -> str:
    return _("This file is not a spreadsheet (.xlsx, .xls, .ods or .csv): to import a list, "
             "send it as one of those; to attach evidence, open “📝 KPI report” first.")


def too_large(limit_bytes: int) -> str:
    return _("The file is larger than {size} MB, the most the bot reads: split the list into "
             "several files, or ask the IT office to import it with “cadrebot import”.").format(
        size=fmt_number(limit_bytes / (1024 * 1024), 1 if limit_bytes % (1024 * 1024) else 0))


def too_many_rows(limit: int) -> str:
    return _("The file has more than {count} rows, the most the bot imports at once: split it, "
             "or ask the IT office to import it with “cadrebot import”.").format(
        count=fmt_number(limit))


def checking(file_name: str) -> str:
    return _("⏳ Checking the file {name}…").format(name=esc(file_name))


def unreadable(file_name: str, reason: str) -> str:
    """Plain text (an alert or a message without HTML)."""
    return _("The file {name} cannot be imported: {reason}.").format(
        name=file_name, reason=reason.rstrip("."))


def refusal(error: ChatImportError, tz) -> str:
    if error.code == "forbidden":
        return _("Only the Organization Board imports lists.")
    if error.code == "decided":
        at, by = error.details.get("at"), error.details.get("by")
        what = (_("applied") if error.details.get("status") == "applied" else _("cancelled"))
        if at and by:
            return _("This file has already been handled: {what} by {name} at {time}.").format(
                what=what, name=by, time=fmt_datetime(at, tz))
        return _("This file has already been handled: {what}.").format(what=what)
    if error.code == "too_large":
        return too_large(error.details["limit"])
    if error.code == "too_many_rows":
        return too_many_rows(error.details["limit"])
    if error.code == "unreadable":
        return _("The file cannot be read: {reason}.").format(reason=error.details["reason"])
    return stale()


def ambiguous_screen(found: Ambiguous) -> Screen:
    text = _("📥 <b>{name}</b>: which list is this file? Its header row does not say it "
             "clearly.").format(name=esc(found.file_name))
    rows = [[KIND.button(kind_name(kind).capitalize(), found.import_id, kind.code)]
            for kind in found.kinds]
    rows.append([CANCEL.button(_("✖️ Cancel"), found.import_id)])
    return text, InlineKeyboardMarkup(rows)


def _counts(report: Report) -> list[str]:
    lines = [_("• New: {count}").format(count=fmt_number(report.created)),
             _("• Updated: {count}").format(count=fmt_number(report.updated)),
             _("• Unchanged: {count}").format(count=fmt_number(report.unchanged))]
    if report.deactivated:
        lines.append(_("• No longer followed (missing from the file): {count}").format(
            count=fmt_number(report.deactivated)))
    if report.rejected:
        lines.append(_("• Rows with problems: {count}").format(
            count=fmt_number(report.rejected)))
    return lines


def _problems(report: Report) -> list[str]:
    lines = ["⚠️ " + esc(w) for w in report.warnings]
    lines += ["❌ " + esc(str(p)) for p in report.problems[:INLINE_LINES]]
    more = len(report.problems) - INLINE_LINES
    if more > 0:
        lines.append(_("… and {count} more problems: see the attached file.").format(
            count=fmt_number(more)))
    return lines


def checked_screen(found: Checked) -> Screen:
    report = found.report
    lines = [_("📥 <b>{name}</b> — {kind}").format(name=esc(found.file_name),
                                                   kind=kind_name(found.kind)),
             _("Checked; nothing is written yet. Applying the valid rows would give:")
             if report.problems else
             _("Checked; nothing is written yet. Applying it would give:")]
    lines += _counts(report)
    lines += _problems(report)
    changes = report.created + report.updated + report.deactivated
    rows = []
    if report.problems:
        lines.append(_("Nothing is imported while rows have problems: correct the file and "
                       "send it again, or apply the valid rows only."))
        if changes:
            rows.append([APPLY_VALID.button(_("✅ Apply the valid rows only"), found.import_id)])
    elif changes:
        lines.append(_("Tap “✅ Apply” to write these changes."))
        rows.append([APPLY.button(_("✅ Apply"), found.import_id)])
    else:
        lines.append(_("Everything is already up to date: nothing would change."))
    rows.append([CANCEL.button(_("✖️ Cancel"), found.import_id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def applied_screen(found: Applied) -> Screen:
    report = found.report
    if not report.written:
        lines = [_("📥 <b>{name}</b>: nothing was imported — rows have problems now (the data "
                   "changed since the check).").format(name=esc(found.file_name))]
        lines += _problems(report)
        return "\n".join(lines), InlineKeyboardMarkup([[
            CANCEL.button(_("✖️ Cancel"), found.import_id)]])
    lines = [_("✅ <b>{name}</b> applied ({kind}).").format(name=esc(found.file_name),
                                                            kind=kind_name(found.kind))]
    lines += _counts(report)
    if report.rejected:
        lines.append(_("The rows with problems were left out."))
    return "\n".join(lines), None


def toast(found) -> str | None:
    """The short answer to the tap itself (also when its message cannot change)."""
    if isinstance(found, Applied):
        return _("✅ Applied.") if found.report.written else _("Nothing was imported.")
    if isinstance(found, Cancelled):
        return _("✖️ Cancelled.")
    return None


def cancelled_text(file_name: str) -> str:
    return _("✖️ Cancelled: nothing from {name} was imported.").format(name=esc(file_name))


def needs_file(report: Report) -> bool:
    """Whether the details go in an attached file (too long for a message)."""
    return len(report.problems) > INLINE_LINES or len(report.changes) > INLINE_LINES


def details_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0][:60] or "tep"
    return f"kiem_tra_{stem}.txt"


def details_file(file_name: str, kind: Kind, report: Report) -> bytes:
    """Every problem with its row and column, and every change, as plain text."""
    lines = [_("Check of {name} ({kind})").format(name=file_name, kind=kind_name(kind)), ""]
    lines += [line.lstrip("• ") for line in _counts(report)]
    if report.warnings:
        lines += ["", *report.warnings]
    if report.problems:
        lines += ["", _("Problems:"), *(str(p) for p in report.problems)]
    if report.changes:
        lines += ["", _("Changes:"), *report.changes]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")  # BOM: Notepad reads it as UTF-8


# ------------------------------------------------------------------ 📂 Excel files

def files_button(period_id: int):
    return FILES.button(_("📂 Excel files"), period_id)


def files_screen(files: list[chat_exports.ExportFile], period, team_only: bool) -> Screen:
    if team_only:
        text = _("📂 Excel files you may download — the cadres you evaluate:")
    else:
        text = _("📂 Excel files you may download:")
    rows = [[GET.button(_(f.label).format(period=period_label(period)), f.code, period.id)]
            for f in files]
    return text, InlineKeyboardMarkup(rows)


def file_caption(built: chat_exports.BuiltFile) -> str:
    label = _(built.export.label).format(
        period=period_label(built.period) if built.period else "")
    if built.team_only:
        return _("{label} — the cadres you evaluate ({count})").format(
            label=label, count=fmt_number(built.rows))
    return label


def file_refusal(error: chat_exports.FileError) -> str:
    if error.code == "forbidden":
        return _("This file is only for evaluators and the Organization Board.")
    if error.code == "nobody":
        return _("You do not evaluate any cadre.")
    return stale()
