"""✅ Phê duyệt: what the evaluator reads and taps (the inbox, a cadre's report for a period,
one product, approving, returning with a reason, adjusting, exemptions), what a refusal says,
and what the cadre is told. Pure: data in → (text, keyboard) out."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_datetime, fmt_score, ngettext
from bot.services.entry_rules import Problem
from bot.services.kpi import Line
from bot.services.review import (
    ADJUST_STEPS,
    RATE_QUESTION,
    Adjusting,
    AdjustStep,
    CadreNotice,
    EntryView,
    Inbox,
    Outcome,
    Report,
    ReviewError,
    resubmission,
)
from handlers.callbacks import action
from handlers.screens import annual as annual_screens
from handlers.screens import appeals as appeal_screens
from handlers.screens import delegation
from handlers.screens import leave as leave_screens
from handlers.screens import rating as rating_screens
from handlers.screens import tasks as task_screens
from handlers.screens import training as training_screens
from handlers.screens.common import (
    STALE,
    Screen,
    band_label,
    esc,
    figure,
    groups_line,
    pager,
    period_label,
    shorten,
)
from handlers.screens.entries import adjustment_text, change_text, figures_text
from handlers.screens.report import problem_text
from models.enums import EntryStatus, ExemptionStatus, PeriodStatus, ProductKind

if TYPE_CHECKING:
    from models import Entry

PREFIX = "rv"
PAGE = action(PREFIX, "p", "page:n")  # the inbox, also in reminders and digests
REPORT = action(PREFIX, "g", "cadre_id:id", "period_id:id")
ENTRY = action(PREFIX, "e", "entry_id:id")
APPROVE = action(PREFIX, "ok", "entry_id:id", "version:id")
RETURN = action(PREFIX, "rt", "entry_id:id", "version:id")
ADJUST = action(PREFIX, "adj", "entry_id:id", "version:id")  # start adjusting a product
# … in the adjust flow: one figure to change (index in ADJUST_STEPS), the figures again,
# and "confirm and approve"
ADJUST_FIGURE = action(PREFIX, "af", "entry_id:id", "version:id", "index:n")
ADJUST_MENU = action(PREFIX, "am", "entry_id:id", "version:id")
ADJUST_OK = action(PREFIX, "ao", "entry_id:id", "version:id")
APPROVE_ALL = action(PREFIX, "A", "cadre_id:id", "period_id:id", "sig:sig")
APPROVE_ALL_OK = action(PREFIX, "AA", "cadre_id:id", "period_id:id", "sig:sig")
RETURN_ALL = action(PREFIX, "R", "cadre_id:id", "period_id:id", "sig:sig")
RETURN_ALL_OK = action(PREFIX, "RA", "cadre_id:id", "period_id:id")  # confirm, in the flow
REASON = action(PREFIX, "rr", "index:n")  # one of COMMON_REASONS, in the return step
EVIDENCE = action(PREFIX, "v", "cadre_id:id", "period_id:id")
EXEMPTION = action(PREFIX, "ex", "entry_id:id", "version:id", "accept:n")  # accept: 1 or 0

COMMON_REASONS = [
    N_("Evidence is missing"),
    N_("The figures do not match the records"),
    N_("The quality requirements are not met"),
]
ERRORS = {
    "forbidden": N_("You do not evaluate this cadre."),
    "locked": N_("This period is locked: nothing can be changed any more."),
    "reason_required": N_("Please give a reason for returning the report."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
    "changed": N_("This report has changed since the screen was shown. Please open it again."),
    "no_evidence": N_("This report has no evidence attached."),
    "exemption_pending": N_("First accept or refuse the request for an objective-cause "
                            "exemption (⚖️), then approve."),
    "adjust_reason_required": N_("Please type the reason for this adjustment in words: the "
                                 "cadre will read it."),
    "nothing_adjusted": N_("No figure has been changed yet: choose a figure to adjust."),
}
# The figures of the adjust screen's buttons ({value}: the figure as it stands).
FIGURE_BUTTONS = {
    "done": N_("Done: {value}"),
    "passed": N_("Met the quality requirements: {value}"),
    "on_time": N_("On time: {value}"),
    "failed": N_("Major content errors: {value}"),
    "delays": N_("Delays: {value}"),
}
RATE_BUTTON = N_("Percentage achieved: {value}%")
STATES = {
    EntryStatus.SUBMITTED: N_("⏳ waiting"),
    EntryStatus.APPROVED: N_("✅ approved"),
    EntryStatus.RETURNED: N_("↩️ returned"),
    EntryStatus.DRAFT: N_("✏️ not sent"),
}


def error_text(error: ReviewError, tz: tzinfo) -> str:
    if error.code == "already_decided":
        at = error.info.get("at")
        return (_("This report has already been handled at {time}.").format(
            time=fmt_datetime(at, tz)) if at else _("This report has already been handled."))
    return _(ERRORS.get(error.code, STALE))


def _with(prefix: str, text: str) -> str:
    return prefix + "\n\n" + text if prefix else text


# ---------------------------------------------------------------- inbox

def inbox_screen(inbox: Inbox, tz: tzinfo, prefix: str = "", courses: int = 0) -> Screen:
    """The evaluator's decisions: reports to review, periods to rate, `courses` declared
    courses to verify (counted up to training.WAITING_COUNTED)."""
    lines = [_("✅ <b>Approvals</b>")]
    rows = []
    if courses:
        lines.append(_("🗂 Courses waiting for your verification: {count}").format(
            count=training_screens.waiting_count_text(courses)))
        rows.append([training_screens.verify_button(courses)])
    if inbox.to_rate:
        lines.append(_("⭐ Waiting for your evaluation: {count}").format(count=len(inbox.to_rate)))
        for cadre, period in inbox.to_rate:
            rows.append([rating_screens.START.button(_("⭐ Evaluate {name} · {period}").format(
                name=cadre.full_name, period=period_label(period)), cadre.id, period.id)])
    if inbox.leaves:
        rows.append(leave_screens.inbox_button(inbox.leaves))
    if inbox.appeals:
        rows.append(appeal_screens.inbox_button(inbox.appeals))
    if inbox.assigns or inbox.tasks_waiting:
        rows.append(task_screens.inbox_button(inbox.tasks_waiting))
    tools = []
    if inbox.rates_people:
        tools.append(annual_screens.YEAR.button(_("📅 Annual rating {year}").format(
            year=inbox.year), inbox.year, 0))
    elif inbox.board:  # the board rates nobody itself: it closes the agencies' lists
        tools.append(annual_screens.YEAR.button(_("🏛 Annual lists {year}").format(
            year=inbox.year), inbox.year, 0))
    if inbox.may_delegate:
        tools.append(delegation.MENU.button(_("🔁 Delegate")))
    if tools:
        rows.append(tools)
    if not inbox.groups:
        lines.append(_("No reports are waiting for your approval. 👍"))
        return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)
    lines.append(_("{entries} products in {groups} reports are waiting, oldest first.").format(
        entries=inbox.entries, groups=inbox.groups))
    for item in inbox.items:
        mark = (" ⚠️" if item.late else "") + (" 🔒" if item.period.status == PeriodStatus.LOCKED else "")
        lines.append(_("• {name} — {period}: {count} products, sent {time}{late}").format(
            name=esc(item.cadre.full_name), period=period_label(item.period), count=item.count,
            time=fmt_datetime(item.oldest, tz), late=(" · " + _("late")) if item.late else ""))
        rows.append([REPORT.button(f"{item.cadre.full_name} · {period_label(item.period)}{mark}",
                                   item.cadre.id, item.period.id)])
    rows += pager(PAGE, inbox.page, inbox.more)
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- one cadre's period

def target_text(line: Line) -> str:
    target = figure(line.target)
    return target + "%" if line.product.kind == ProductKind.RATE else target


def _figures(line: Line, reading: str, adjusted: bool = False) -> str:
    text = figures_text(line.entry, line.product.kind, reading)
    if adjusted and line.entry.adjusted:
        text += "\n    " + _("adjusted: {figures}").format(
            figures=figures_text(line.entry, line.product.kind, reading, adjusted=True))
    return text


def _exemption(line: Line, index: int) -> tuple[list[str], list[InlineKeyboardButton]]:
    """A pending objective-cause exemption: the cadre's cause, and the two buttons."""
    e = line.entry
    if e.exemption_status != ExemptionStatus.CLAIMED or not (e.failed_reviews or e.delays):
        return [], []
    text = ["    " + _("⚖️ Exemption requested: {cause}").format(cause=esc(e.exemption_note or ""))]
    buttons = [EXEMPTION.button(_("⚖️ {index}: accept the exemption").format(index=index),
                                e.id, e.version, 1),
               EXEMPTION.button(_("{index}: refuse it").format(index=index), e.id, e.version, 0)]
    return text, buttons


def _state(entry: Entry, tz: tzinfo) -> str:
    state = _(STATES[EntryStatus(entry.status)])
    if entry.status == EntryStatus.SUBMITTED and entry.submitted_at:
        state += " · " + _("sent {time}").format(time=fmt_datetime(entry.submitted_at, tz))
        if entry.is_late:
            state += " · " + _("late")
    return state


def evidence_text(items: int, links: int) -> str:
    """"Minh chứng: 2 tệp · 1 đường dẫn": files and links counted apart."""
    parts = []
    if items - links:
        parts.append(ngettext("{count} file", "{count} files", items - links).format(
            count=items - links))
    if links:
        parts.append(ngettext("{count} link", "{count} links", links).format(count=links))
    return _("Evidence: {items}").format(items=" · ".join(parts))


def report_screen(report: Report, tz: tzinfo, reading: str, prefix: str = "") -> Screen:
    cadre, period, sheet = report.cadre, report.period, report.sheet
    exemption_rows = []
    lines = [_("📋 <b>Report of {period} — {name}</b>").format(
        period=period_label(period), name=esc(cadre.full_name))]
    if cadre.title:
        lines.append(esc(cadre.title))
    for index, line in enumerate(sheet.lines, 1):
        e = line.entry
        lines.append(f"{index}. <b>{esc(line.product.name)}</b> — "
                     + _("target {target}").format(target=target_text(line)))
        lines.append("    " + _figures(line, reading, adjusted=True))
        claim, claim_buttons = _exemption(line, index)
        lines += claim
        if claim_buttons and e.status == EntryStatus.SUBMITTED:
            exemption_rows.append(claim_buttons)
        lines.append("    " + _state(e, tz))
        lines += ["    " + text for text in resubmission_lines(line, reading, tz)]
        if e.note:
            lines.append("    " + _("Note: {note}").format(note=esc(e.note)))
        if report.evidence.get(e.id):
            lines.append("    " + evidence_text(report.evidence[e.id], report.links.get(e.id, 0)))
    lines += feedback_lines(report.feedback)
    lines.append(_("Projected score: <b>{score}</b> — {band}").format(
        score=fmt_score(sheet.score.total), band=band_label(sheet.score.band)))
    if len(sheet.score.task.groups) > 1:
        lines.append(_("By indicator group: {groups}").format(
            groups=groups_line(sheet.score.task.groups)))
    if report.authority.on_behalf_of:
        lines.append(_("You are reviewing on behalf of the evaluator (delegation)."))
    if report.read_only:
        lines.append(_("🔒 This period is locked: only the Organization Board can approve or "
                       "return these products now."))
    rows = [] if report.read_only else list(exemption_rows)
    for index, line in enumerate(sheet.lines, 1):
        if line.entry.status == EntryStatus.SUBMITTED and not report.read_only:
            rows.append([ENTRY.button(f"🔍 {index}. {shorten(line.product.name, 30)}", line.entry.id)])
    if report.submitted and not report.read_only:
        rows.append([APPROVE_ALL.button(_("✅ Approve all"), cadre.id, period.id, report.sig),
                     RETURN_ALL.button(_("↩️ Return all"), cadre.id, period.id, report.sig)])
    if report.submitted and any(report.evidence.values()):
        rows.append([EVIDENCE.button(_("📎 Show evidence"), cadre.id, period.id)])
    rows.append([PAGE.button(_("⬅️ Inbox"), 0)])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


FEEDBACK_SHOWN = 5  # the message must stay under Telegram's 4,096 characters


def feedback_lines(items) -> list[str]:
    """📣 The people's feedback received in the period about the person or their unit."""
    if not items:
        return []
    lines = [_("📣 <b>Feedback from the people in this period</b> ({count}):").format(
        count=len(items))]
    for item in items[:FEEDBACK_SHOWN]:
        about = (" " + _("(about the unit {unit})").format(unit=esc(item.unit_name))
                 if item.unit_name else "")
        lines.append("• " + _("{date} · {source}{about}: {content}").format(
            date=fmt_date(item.received_on), source=esc(item.source), about=about,
            content=esc(shorten(item.content, 200))))
        lines.append("    " + (_("→ Outcome: {outcome}").format(
            outcome=esc(shorten(item.outcome, 200))) if item.outcome
            else _("→ not handled yet")))
    if len(items) > FEEDBACK_SHOWN:
        more = len(items) - FEEDBACK_SHOWN
        lines.append(ngettext("… and {count} more record", "… and {count} more records",
                              more).format(count=more))
    return lines


def resubmission_lines(line: Line, reading: str, tz: tzinfo) -> list[str]:
    """A product sent again after a return: why it was returned, and what the cadre changed
    since (the figures as returned → as sent now)."""
    again = resubmission(line.entry, reading, line.product.kind == ProductKind.RATE)
    if again is None:
        return []
    when = fmt_datetime(again.at, tz) if again.at else ""
    lines = [_("↩️ Returned {time}, reason: {reason}").format(
        time=when, reason=esc(again.reason)).replace("  ", " ")]
    if again.changes:
        lines.append(_("Changed since: {changes}").format(changes="; ".join(
            change_text(c.figure, c.old, c.new, line.product.kind) for c in again.changes)))
    else:
        lines.append(_("The figures are the same as when it was returned."))
    return lines


def entry_screen(view: EntryView, reading: str, tz: tzinfo) -> Screen:
    line, entry = view.line, view.line.entry
    claim, claim_buttons = _exemption(line, 1)
    text = "\n".join([
        _("🔍 <b>{product}</b> — {name}, {period}").format(
            product=esc(line.product.name), name=esc(view.cadre.full_name),
            period=period_label(view.period)),
        _("target {target}").format(target=target_text(line)),
        _figures(line, reading),
    ] + resubmission_lines(line, reading, tz)
      + ([_("Note: {note}").format(note=esc(entry.note))] if entry.note else []) + claim)
    rows = ([claim_buttons] if claim_buttons else []) + [
        [APPROVE.button(_("✅ Approve"), entry.id, entry.version),
         RETURN.button(_("↩️ Return"), entry.id, entry.version)],
        [ADJUST.button(_("✏️ Adjust and approve"), entry.id, entry.version)],
        [REPORT.button(_("⬅️ Back"), view.cadre.id, entry.period_id)]]
    return text, InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- decisions

def confirm_all_screen(cadre_id: int, period_id: int, sig: str, count: int) -> Screen:
    markup = InlineKeyboardMarkup([[
        APPROVE_ALL_OK.button(_("✅ Confirm approval"), cadre_id, period_id, sig),
        REPORT.button(_("⬅️ Back"), cadre_id, period_id)]])
    return _("Approve all {count} products of this report?").format(count=count), markup


def reason_screen(cadre_id: int, period_id: int) -> Screen:
    rows = [[REASON.button(_(reason), index)] for index, reason in enumerate(COMMON_REASONS)]
    rows.append([REPORT.button(_("⬅️ Back"), cadre_id, period_id)])
    return _("Why is it returned? Type the reason, or choose one:"), InlineKeyboardMarkup(rows)


def reason_again() -> str:
    return _("Please type the reason, or choose one of the buttons.")


def adjust_screen(view: Adjusting) -> Screen:
    """The adjust screen of one product: the cadre's figures, the changes typed so far with
    their reasons (the confirmation), a button per figure, and "confirm and approve"."""
    line, entry = view.line, view.line.entry
    kind = line.product.kind
    lines = [_("✏️ <b>Adjusting {product}</b> — {name}, {period}").format(
        product=esc(line.product.name), name=esc(view.cadre.full_name),
        period=period_label(view.period)),
        _("target {target}").format(target=target_text(line)),
        _("Reported by the cadre: {figures}").format(
            figures=figures_text(entry, kind, view.reading))]
    if view.changes:
        lines += ["", _("<b>Please confirm the adjustment:</b>")]
        lines += ["• " + adjustment_text(change, kind) for change in view.changes]
        lines += ["", _("On confirming, the product is approved with these figures; the "
                        "cadre's own figures are kept, and the cadre is told the reasons. "
                        "You may first adjust another figure.")]
    else:
        lines.append(_("Choose the figure to adjust:"))
    buttons = []
    for step in view.steps:
        label = RATE_BUTTON if view.rate else FIGURE_BUTTONS[step.name]
        buttons.append(ADJUST_FIGURE.button(
            "✏️ " + _(label).format(value=figure(view.values[step.name])),
            entry.id, entry.version, ADJUST_STEPS.index(step)))
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if view.changes:
        rows.append([ADJUST_OK.button(_("✅ Confirm the adjustment and approve"), entry.id,
                                      entry.version)])
    rows.append([ENTRY.button(_("⬅️ Cancel the adjustment"), entry.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def adjust_question(view: Adjusting, step: AdjustStep) -> Screen:
    """The question of one figure, with the figure as it stands."""
    question = RATE_QUESTION if view.rate else step.question
    text = (f"<b>{esc(view.line.product.name)}</b>\n"
            + _(question).format(value=figure(view.values[step.name])))
    entry = view.line.entry
    return text, InlineKeyboardMarkup([[ADJUST_MENU.button(_("⬅️ Back"), entry.id,
                                                           entry.version)]])


def adjust_reason_question(view: Adjusting, step: AdjustStep, value: float) -> Screen:
    change = change_text(step.name, view.values[step.name], value, view.line.product.kind)
    entry = view.line.entry
    return (_("Why {change}? Type the reason: the cadre will read it.").format(change=change),
            InlineKeyboardMarkup([[ADJUST_MENU.button(_("⬅️ Back"), entry.id, entry.version)]]))


def adjust_problem(problem: Problem) -> str:
    """Why a typed adjusted figure was not taken (the cadre's rules, and "unchanged")."""
    if problem.code == "unchanged":
        return _("The figure is already {value}. Type a different number, or tap “⬅️ Back”."
                 ).format(value=figure(problem.info["value"]))
    return problem_text(problem)


def choose_button() -> str:
    return _("Please choose one of the buttons.")


def return_all_screen(cadre_id: int, period_id: int, name: str, period, count: int,
                      reason: str) -> Screen:
    """"Return all" asks before it acts, as "approve all" does: how many products, to whom,
    and the reason the cadre will read."""
    text = _("Return all {count} products of {period} to {name}?\nReason: {reason}").format(
        count=count, period=period_label(period), name=esc(name), reason=esc(reason))
    text += "\n" + _("You may also type another reason.")
    markup = InlineKeyboardMarkup([[
        RETURN_ALL_OK.button(_("↩️ Confirm the return"), cadre_id, period_id),
        REPORT.button(_("⬅️ Back"), cadre_id, period_id)]])
    return text, markup


def impossible_number() -> str:
    return _("This number is not possible here. Please type it again.")


def exemption_text(accepted: bool) -> str:
    return (_("⚖️ Exemption accepted: the errors and delays of this product are not deducted.")
            if accepted else _("⚖️ Exemption refused: the deductions apply."))


def decided_text(outcome: Outcome) -> str:
    if outcome.approved:
        return _("✅ Approved {count} products.").format(count=outcome.count)
    return _("↩️ Returned {count} products to {name}.").format(
        count=outcome.count, name=esc(outcome.cadre.full_name))


def after_decision(outcome: Outcome, tz: tzinfo, reading: str) -> Screen:
    """What the evaluator sees next: the report if part of it still waits, else the inbox."""
    if isinstance(outcome.next, Report):
        return report_screen(outcome.next, tz, reading, prefix=decided_text(outcome))
    return inbox_screen(outcome.next, tz, prefix=decided_text(outcome))


def cadre_notice(notice: CadreNotice) -> str:
    """The message to the cadre whose products were approved or returned."""
    who = esc(notice.by) + (" " + _("(on behalf of {name})").format(
        name=esc(notice.on_behalf_of)) if notice.on_behalf_of else "")
    products = ", ".join(f"«{esc(p.product)}»" for p in notice.products)
    if not notice.approved:
        return _("↩️ {who} returned {products} of {period}.\nReason: {reason}\nOpen “📝 KPI "
                 "report” to correct and send again.").format(
            who=who, products=products, period=period_label(notice.period),
            reason=esc(notice.reason or ""))
    text = _("✅ {who} approved {products} of {period}.").format(
        who=who, products=products, period=period_label(notice.period))
    for product in notice.products:
        if product.changes:
            changes = "; ".join(adjustment_text(c, product.kind) for c in product.changes)
            text += "\n" + _("✏️ “{product}” adjusted: {changes}.").format(
                product=esc(product.product), changes=changes)
    text += "\n" + _("Projected score: <b>{score}</b> — {band}").format(
        score=fmt_score(notice.score.total), band=band_label(notice.score.band))
    return text
