"""📝 Báo cáo KPI: what the cadre (and the board correcting a report) reads and taps — the
period sheet, each question of a product, the self-assessment, sending for approval."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_percent, fmt_score
from bot.policy import ScoringPolicy
from bot.services.criteria import criterion_description, criterion_title
from bot.services.entry_rules import ABSURD_FACTOR, Problem
from bot.services.kpi import EDITABLE, KpiError, Line
from bot.services.report import (
    Ask,
    AskCriterion,
    ConfirmFigure,
    EvidenceReply,
    ProductSaved,
    Retry,
    SelfAssessed,
    SelfAssessmentMissing,
    Sent,
    SheetView,
    SubmitPreview,
    Submitted,
)
from handlers.callbacks import Action, action
from handlers.screens import tasks as task_screens
from handlers.screens.common import (
    STALE,
    Screen,
    band_label,
    esc,
    figure,
    not_a_number,
    period_label,
    shorten,
    status_label,
)
from handlers.screens.entries import adjustment_text, figures_text
from handlers.screens.rating import criterion_choices
from handlers.screens.results import score_lines
from models.enums import ProductKind

PREFIX = "kp"  # the cadre's own report
BOARD_PREFIX = "kb"  # the Organization Board correcting someone's report

# The wire format of every button is kept as it was: buttons already in chats keep working.
OPEN = action(PREFIX, "o", "period_id:id")  # also in the reminders of a report
SELF = action(PREFIX, "g", "period_id:id")
POINTS = action(PREFIX, "gc", "period_id:id", "index:n", "tenths:n")
SUBMIT = action(PREFIX, "sub", "period_id:id")
SEND = action(PREFIX, "ok", "period_id:id")
SELF_MISSING = action(PREFIX, "gm", "period_id:id", "index:n")  # a criterion still unscored


def _both(name: str, *fields: str) -> tuple[Action, Action]:
    """A step of a product's questions: the cadre's button and the board's."""
    return action(PREFIX, name, *fields), action(BOARD_PREFIX, name, *fields)


EDIT, BOARD_EDIT = _both("e", "entry_id:id")
ALL, BOARD_ALL = _both("a", "entry_id:id", "step:step")  # "✅ All (n)"
PICK, BOARD_PICK = _both("n", "entry_id:id", "step:step", "count:n")  # 0 1 2 3
SKIP, BOARD_SKIP = _both("s", "entry_id:id", "step:step")  # "⏭ Skip", "✅ Done"
KEEP, BOARD_KEEP = _both("y", "entry_id:id")  # an absurd figure: "✅ Yes, keep it"
RETYPE, BOARD_RETYPE = _both("r", "entry_id:id")  # … "✏️ Type again"
EXEMPT, BOARD_EXEMPT = _both("x", "entry_id:id", "yes:n")  # objective cause? 0 no, 1 yes
STEP_BUTTONS = {False: {"e": EDIT, "a": ALL, "n": PICK, "s": SKIP, "y": KEEP, "r": RETYPE,
                        "x": EXEMPT},
                True: {"e": BOARD_EDIT, "a": BOARD_ALL, "n": BOARD_PICK, "s": BOARD_SKIP,
                       "y": BOARD_KEEP, "r": BOARD_RETYPE, "x": BOARD_EXEMPT}}

ERRORS = {
    "not_found": STALE,
    "locked": N_("This period is locked: nothing can be changed any more."),
    "not_editable": N_("This entry has already been sent for approval and cannot be changed now."),
    "imported": N_("This figure was imported by the Organization Board from its source "
                   "(e.g. the public-service portal): it cannot be changed in the report."),
    "nothing_to_submit": N_("There is nothing new to send in this period."),
    "no_self_assessment": N_("Please do the self-assessment of the general criteria (⭐) before sending."),
    "already_rated": N_("Your evaluator has already rated this period."),
    "self_sent": N_("This period's report has already been sent for approval, so the "
                    "self-assessment cannot be changed now."),
    "board_only": N_("Only the Organization Board can correct other people's reports."),
    "usage": N_("Usage: /suabaocao CADRE_CODE [PERIOD], e.g. /suabaocao XTH004 2026-10"),
}


def error_text(error: KpiError) -> str:
    """A refusal, sent as plain text (an alert, or a reply)."""
    info = error.info
    if error.code == "missing":
        return _("These products are not fully entered yet: {names}. Enter them first "
                 "(type 0 if nothing was done).").format(names=", ".join(info["products"]))
    if error.code == "no_cadre":
        return _("No cadre with code {code}.").format(code=info["given"])
    if error.code == "bad_period":
        return _("Unknown period “{code}”: write 2026-11 (month), 2026-Q4 (quarter) or 2026 "
                 "(year).").format(code=info["given"])
    if error.code == "no_report":
        return _("{name} has no report in {period}.").format(
            name=info["name"], period=period_label(info["period"]))
    return _(ERRORS.get(error.code, STALE))


# ---------------------------------------------------------------- the sheet

def _target_text(line: Line) -> str:
    if line.product.kind == ProductKind.RATE:
        return f"{figure(line.target)}%"
    unit = line.product.unit_of_measure or ""
    return f"{figure(line.target)} {esc(unit)}".strip()


def _short(name: str) -> str:
    return shorten(name, 28)


def sheet_screen(view: SheetView, scoring: ScoringPolicy) -> Screen:
    sheet, period, board = view.sheet, view.sheet.period, view.board
    lines = [_("📝 <b>KPI report — {period}</b>").format(period=period_label(period))]
    if board:
        lines.append(_("🛠 Organization Board correcting the report of {name} ({code}); every "
                       "change is recorded in the audit log.").format(
            name=esc(sheet.cadre.full_name), code=esc(sheet.cadre.code)))
    lines.append(_("Submission deadline: {date}").format(date=fmt_date(period.submission_deadline)))
    if period.status == "locked":
        lines.append(_("🔒 This period is locked: nothing can be changed."))
    elif view.today > period.submission_deadline and sheet.editable:
        lines.append(_("⚠️ The deadline has passed: a report sent now is recorded as late."))
    lines.append("")
    if not sheet.lines:
        lines.append(_("No work products are assigned to your job position yet. "
                       "Please contact the Organization Board."))
    for index, line in enumerate(sheet.lines, 1):
        lines.append(f"{index}. <b>{esc(line.product.name)}</b> — "
                     + _("target {target}").format(target=_target_text(line)))
        status = status_label(line.entry.status)
        if line.entry.is_late and line.entry.status != "draft":
            status += " · " + _("late")
        summary = figures_text(line.entry, line.product.kind, scoring.deduction_reading)
        lines.append(f"    {summary} — {status}")
        if line.entry.status == "returned" and line.entry.return_reason:
            lines.append("    " + _("↩️ Reason: {reason}").format(reason=esc(line.entry.return_reason)))
        changes = view.verdict.adjustments.get(line.entry.id, ()) if view.verdict else ()
        lines += ["    ✏️ " + adjustment_text(c, line.product.kind) for c in changes]
    lines.append("")
    evaluation = sheet.evaluation
    if evaluation is not None and evaluation.self_criteria:
        points = sum(evaluation.self_criteria.values())
        lines.append(_("Self-assessment of general criteria: {points}/{max} points").format(
            points=fmt_score(points), max=figure(scoring.general_points)))
    else:
        lines.append(_("Self-assessment of general criteria: not done yet"))
    if sheet.lines and view.verdict is not None:
        lines += score_lines(view.verdict, approved=sheet.status == "approved")
    elif sheet.lines:
        lines.append(_("Projected score: <b>{score}</b> — {band}").format(
            score=fmt_score(sheet.score.total), band=band_label(sheet.score.band)))

    rows = []
    open_period = period.status != "locked"
    edit = STEP_BUTTONS[board]["e"]
    for index, line in enumerate(sheet.lines, 1):
        if board or (open_period and line.entry.status in EDITABLE):
            rows.append([edit.button(f"✏️ {index}. {_short(line.product.name)}", line.entry.id)])
    if not board:
        if open_period and sheet.editable:
            rows.append([SELF.button(_("⭐ Self-assessment"), period.id),
                         SUBMIT.button(_("📤 Send for approval"), period.id)])
        if view.tasks:
            rows.append([task_screens.MINE.button(_("📋 My assigned tasks ({count})").format(
                count=view.tasks))])
        for other in view.others:
            if other.id != period.id:
                rows.append([OPEN.button(_("📅 Open {period}").format(period=period_label(other)),
                                         other.id)])
    return _above(_note_text(view, scoring), "\n".join(lines)), InlineKeyboardMarkup(rows)


def _note_text(view: SheetView, scoring: ScoringPolicy) -> str:
    note = view.note
    if isinstance(note, ProductSaved):
        line = note.line
        return _("✅ Saved “{product}”: {summary}.").format(
            product=esc(line.product.name),
            summary=figures_text(line.entry, line.product.kind, scoring.deduction_reading))
    if isinstance(note, SelfAssessed):
        return _("✅ Self-assessment saved.")
    if isinstance(note, Sent):
        text = _("📤 Sent {count} products of {period} for approval.").format(
            count=note.count, period=period_label(note.period))
        if note.late:
            text += "\n" + _("⚠️ Sent after the deadline ({date}): recorded as late.").format(
                date=fmt_date(note.period.submission_deadline))
        return text
    return ""


def _above(prefix: str, text: str) -> str:
    return prefix + "\n\n" + text if prefix else text


# ---------------------------------------------------------------- one product's questions

def question_screen(line: Line, step: str, board: bool, scoring: ScoringPolicy) -> Screen:
    e, p = line.entry, line.product
    buttons = STEP_BUTTONS[board]
    unit = esc(p.unit_of_measure or "")
    head = f"<b>{esc(p.name)}</b> — " + _("target {target}").format(target=_target_text(line))
    eid = e.id
    if step == "done":
        if p.kind == ProductKind.RATE:
            return head + "\n" + _("What percentage did you achieve? Type a number, e.g. 92,5."), None
        text = head + "\n" + _("How many {unit} did you complete? Type a number, e.g. 125.").format(unit=unit)
        return text, None
    done = figure(e.quantity_done)
    if step in ("passed", "on_time"):
        if step == "passed":
            text = _("Of the {done} completed, how many passed the quality review?").format(done=done)
        else:
            text = _("How many were completed on time?")
        return text, InlineKeyboardMarkup([[buttons["a"].button(
            _("✅ All ({done})").format(done=done), eid, step)]])
    if step in ("failed", "delays"):
        if step == "failed":
            text = _("How many times was a product assessed as not meeting the requirements "
                     "because of a major content error this period? Each time removes {share} "
                     "of the quality point of that product.").format(
                share=fmt_percent(scoring.quality_deduction_per_failure))
        elif scoring.deduction_reading == "per_item":
            text = _("How many times was a product finished late this period? Each delay "
                     "removes {share} of the progress point of that product.").format(
                share=fmt_percent(scoring.timeliness_deduction_per_delay))
        else:
            text = _("How many times was work delayed this period?")
        text += "\n" + _("Tap a number, or type it.")
        return text, InlineKeyboardMarkup([[buttons["n"].button(str(n), eid, step, n)
                                            for n in range(4)]])
    if step == "exempt":
        text = _("Were these errors or delays due to an objective cause certified by a competent "
                 "authority? If so, you may ask your evaluator not to deduct them.")
        return text, InlineKeyboardMarkup([[buttons["x"].button(_("No"), eid, 0),
                                            buttons["x"].button(_("⚖️ Yes, ask for an exemption"),
                                                                eid, 1)]])
    if step == "exempt_reason":
        text = _("Type the objective cause and the document that certifies it (e.g. “Power cut "
                 "on 12/11, Official letter No. … of the commune People's Committee”).")
        return text, None
    if step == "note":
        text = _("A note for your evaluator (optional). Type it, or tap “Skip”.")
        return text, InlineKeyboardMarkup([[buttons["s"].button(_("⏭ Skip"), eid, step)]])
    text = _("Send photos or files as evidence (optional). When finished, tap “Done”.")
    return text, _done_markup(line, board)


def _done_markup(line: Line, board: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[STEP_BUTTONS[board]["s"].button(_("✅ Done"), line.entry.id,
                                                                   "evidence")]])


ASK_NOTES = {
    "exemption_requested": N_("⚖️ Your request for an exemption will be shown to your evaluator."),
    "note_saved": N_("Note saved."),
    "from_tasks": N_("📋 The figures of this product come from your assigned tasks (accepted, "
                     "returned, late), as your evaluator decided them: you do not type them."),
}


def ask_screen(ask: Ask, scoring: ScoringPolicy) -> Screen:
    text, markup = question_screen(ask.line, ask.step, ask.board, scoring)
    return _above(_(ASK_NOTES[ask.note]) if ask.note else "", text), markup


def confirm_screen(line: Line, value: float, board: bool) -> Screen:
    text = _("{value} is more than {factor} times the target ({target}). Is this number "
             "correct?").format(value=figure(value), factor=ABSURD_FACTOR,
                                target=figure(line.target))
    buttons = STEP_BUTTONS[board]
    markup = InlineKeyboardMarkup([[buttons["y"].button(_("✅ Yes, keep it"), line.entry.id),
                                    buttons["r"].button(_("✏️ Type again"), line.entry.id)]])
    return text, markup


def problem_text(problem: Problem) -> str:
    """Why a typed answer was not taken (person's text escaped: sent as HTML)."""
    code, info = problem.code, problem.info
    if code == "not_a_number":
        return not_a_number(info["text"], info["error"])
    if code == "points_not_a_number":
        return not_a_number(info["text"], info["error"], _(
            "Please tap your points, or type a number such as 7 or 6,5."))
    if code == "over_done":
        what = (_("passed the quality review") if info["step"] == "passed"
                else _("completed on time"))
        return _("The number that {what} ({value}) cannot be larger than the number completed "
                 "({done}). Please type it again.").format(
            what=what, value=figure(info["value"]), done=figure(info["done"]))
    if code == "cause_words":
        return _("Please type the cause in words (at most {max} characters).").format(
            max=info["max"])
    if code == "note_too_long":
        return _("The note is too long ({length} characters); at most {max}. Please shorten "
                 "it.").format(length=figure(info["length"]), max=figure(info["max"]))
    if code == "points_range":
        return _("Please give between 0 and {max} points.").format(max=figure(info["max"]))
    if code == "not_evidence":
        return _("The file “{name}” cannot be used as evidence. Accepted: photos, PDF, Word, "
                 "Excel (up to 20 MB).").format(name=esc(info["name"]))
    return _(PROBLEMS[code])


PROBLEMS = {
    "negative": N_("The number cannot be negative. Please type it again."),
    "negative_percent": N_("The percentage cannot be negative. Please type it again."),
    "count_range": N_("Please type a whole number from 0 to 99."),
    "percent_range": N_("A percentage must be between 0 and 100."),
    "too_large": N_("This number is too large. Please type it again."),
    "choose_button": N_("Please choose one of the buttons."),
    "type_or_tap": N_("Please answer by typing or with the buttons."),
    "file_too_large": N_("The file is larger than 20 MB. Please send a smaller file."),
    "no_evidence": N_("Please send a photo, a file or a link as evidence, or tap “Done”."),
}


def retry_screen(retry: Retry, scoring: ScoringPolicy) -> Screen:
    """The problem, then the question (or the confirmation) again."""
    text = problem_text(retry.problem)
    if retry.line is None:
        return text, None
    if retry.step == "confirm":
        question, markup = confirm_screen(retry.line, retry.value, retry.board)
    else:
        question, markup = question_screen(retry.line, retry.step, retry.board, scoring)
    return text + "\n\n" + question, markup


def evidence_screen(reply: EvidenceReply) -> Screen:
    if reply.problem is not None:
        text = problem_text(reply.problem)
    else:
        text = _("Evidence received ({count}). Send more, or tap “Done”.").format(
            count=reply.count)
    return text, _done_markup(reply.line, reply.board)


# ---------------------------------------------------------------- self-assessment

def criterion_screen(ask: AskCriterion, scoring: ScoringPolicy) -> Screen:
    criteria = scoring.general_criteria
    criterion = criteria[ask.index]
    title, description = criterion_title(criterion), criterion_description(criterion)
    text = _("⭐ <b>Self-assessment {index}/{count}: {title}</b> (at most {max} points)").format(
        index=ask.index + 1, count=len(criteria), title=esc(title),
        max=figure(criterion.max_points))
    if description:
        text += "\n" + esc(description)
    text += "\n" + _("Tap your points, or type a number.")
    row = [POINTS.button(figure(v), ask.period_id, ask.index, int(round(v * 10)))
           for v in criterion_choices(criterion.max_points)]
    return text, InlineKeyboardMarkup([row[:4], row[4:]])


# ---------------------------------------------------------------- sending for approval

def preview_screen(preview: SubmitPreview) -> Screen:
    period = preview.period
    who = (esc(preview.evaluator_name) if preview.evaluator_name is not None
           else _("the Organization Board"))
    warning = ""
    if preview.early:  # sending before the period ends stays possible, once confirmed
        warning = _("⚠️ The period {period} has not ended yet (it runs until the end of "
                    "{date}). Send it for approval anyway?").format(
            period=period_label(period), date=fmt_date(period.ends_on)) + "\n\n"
    text = warning + _("Send {count} products of {period} to {who} for approval? After sending you "
             "cannot change them unless they are returned.\nProjected score: {score} — {band}").format(
        count=preview.count, period=period_label(period), who=who,
        score=fmt_score(preview.score.total), band=band_label(preview.score.band))
    markup = InlineKeyboardMarkup([[SEND.button(_("📤 Confirm and send"), period.id),
                                    OPEN.button(_("⬅️ Back"), period.id)]])
    return text, markup


def self_missing_screen(result: SelfAssessmentMissing, scoring: ScoringPolicy) -> Screen:
    """Sending refused: which criteria of the self-assessment still have no points, and a
    button to the first of them."""
    criteria = scoring.general_criteria
    lines = [_("⭐ Your self-assessment of the general criteria is not finished "
               "({points}/{max} points). Before sending, please give points for:").format(
        points=fmt_score(result.points), max=figure(scoring.general_points))]
    lines += [f"• {esc(criterion_title(criteria[index]))}" for index in result.missing]
    first = result.missing[0]
    period_id = result.period.id
    markup = InlineKeyboardMarkup([
        [SELF_MISSING.button(_("⭐ Give points: {name}").format(
            name=shorten(criterion_title(criteria[first]), 60)), period_id, first)],
        [OPEN.button(_("⬅️ Back"), period_id)]])
    return "\n".join(lines), markup


def evaluator_notice(submitted: Submitted) -> str:
    return _("📥 {name} has sent the KPI report of {period} ({count} products) for your "
             "approval. Open “✅ Approvals” to review it.").format(
        name=esc(submitted.cadre_name), period=period_label(submitted.period),
        count=submitted.count)


def screen_for(result, scoring: ScoringPolicy) -> Screen:
    """The screen of any result of bot/services/report.py."""
    if isinstance(result, SheetView):
        return sheet_screen(result, scoring)
    if isinstance(result, Submitted):
        return sheet_screen(result.view, scoring)
    if isinstance(result, Ask):
        return ask_screen(result, scoring)
    if isinstance(result, ConfirmFigure):
        return confirm_screen(result.line, result.value, result.board)
    if isinstance(result, Retry):
        return retry_screen(result, scoring)
    if isinstance(result, EvidenceReply):
        return evidence_screen(result)
    if isinstance(result, AskCriterion):
        return criterion_screen(result, scoring)
    if isinstance(result, SubmitPreview):
        return preview_screen(result)
    if isinstance(result, SelfAssessmentMissing):
        return self_missing_screen(result, scoring)
    raise TypeError(type(result))
