"""📨 Kiến nghị about an evaluation: the cadre sends one (from 📊 Kết quả của tôi), the one who
must answer reads it with the evaluation as decided and answers it (from ✅ Phê duyệt), and
what each person is told. Pure: data in → (text, keyboard) out. Rules: bot.services.appeals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_local_date, fmt_score, ngettext
from bot.policy import Policy
from bot.services.appeals import Answered, AppealView, Sent, Subject, Waiting, is_year
from bot.services.criteria import criterion_title
from handlers.callbacks import action
from handlers.screens.common import STALE, Screen, band_label, esc, figure, pager, period_label
from models.enums import AppealOutcome, AppealStatus, Band

if TYPE_CHECKING:
    from datetime import date

    from models import Appeal, Period

PREFIX = "kn"
MINE = action(PREFIX, "m")  # the caller's own kiến nghị
NEW = action(PREFIX, "new", "evaluation_id:id")  # send one about this evaluation: asks why
SKIP = action(PREFIX, "sk")  # no file
SEND = action(PREFIX, "ok")  # send the draft
DROP = action(PREFIX, "x")  # give the draft up
WAITING = action(PREFIX, "p", "page:n")  # those waiting for the caller's answer
VIEW = action(PREFIX, "v", "appeal_id:id")  # one of them, with the evaluation as decided
FILE = action(PREFIX, "f", "appeal_id:id")  # the file sent with it
KEEP = action(PREFIX, "k", "appeal_id:id")  # "Giữ nguyên": asks the reason
CHANGE = action(PREFIX, "c", "appeal_id:id")  # "Thay đổi": the band (year) or the points
BAND = action(PREFIX, "b", "appeal_id:id", "band:band")  # the year's new band: asks why

BANDS = [Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED]
ERRORS = {
    "forbidden": N_("This kiến nghị is not addressed to you."),
    "appeal_exists": N_("You have already sent a kiến nghị about this evaluation."),
    "appeal_window_closed": N_("The time for a kiến nghị about this evaluation has passed. "
                               "For further questions please contact your evaluator or the "
                               "Organization Board."),
    "appeal_answered": N_("This kiến nghị has already been answered."),
    "reason_required": N_("Please write the reason in a few words."),
    "reason_too_long": N_("The text is too long; please keep it shorter."),
    "criteria_range": N_("Please type one number per criterion, each between 0 and its maximum, "
                         "e.g. 9 8,5 9."),
    "same_band": N_("This is already the band of the evaluation: choose another band, or "
                    "answer “Keep”."),
    "over_cap": N_("This change would exceed the “Excellently completed duties” limit of the "
                   "agency's group: the agency's list must be reopened to change it."),
    "above_agency": N_("A leader may not be rated above the agency's own rating."),
    "disciplined": N_("A disciplinary measure was recorded this year: the band can only be "
                      "“Did not complete duties”."),
    "locked": N_("The period is locked: only the Organization Board can change it."),
    "not_ready": N_("Not every product of the period is approved: the period cannot be rated "
                    "again now."),
    "d_pending": N_("The results of the unit this leader manages are not all evaluated yet: "
                    "the period cannot be rated again now."),
    "already_decided": N_("The evaluation changed in the meantime. Please open the kiến nghị "
                          "again."),
    "file_kind": N_("Please send a photo or a document, or tap “Skip”."),
    "choose": N_("Please choose one of the buttons."),
    "file_gone": N_("The attached file is no longer available on Telegram."),
}
# typed again at the same step, nothing lost
ASK_AGAIN = {"reason_required", "reason_too_long", "criteria_range", "file_kind", "choose"}


def refusal(code: str) -> str:
    return _(ERRORS.get(code, STALE))


def _with(prefix: str, text: str) -> str:
    return prefix + "\n\n" + text if prefix else text


def subject_text(period: Period) -> str:
    """"the evaluation of Month 11/2026" or "the annual quality rating 2026"."""
    if is_year(period):
        return _("the annual quality rating {year}").format(year=period.year)
    return _("the evaluation of {period}").format(period=period_label(period))


def outcome_text(appeal: Appeal) -> str:
    if appeal.status == AppealStatus.OPEN.value:
        return _("⏳ waiting for an answer (due {date})").format(date=fmt_date(appeal.due_on))
    if appeal.outcome == AppealOutcome.CHANGED.value:
        return _("✏️ changed: {band}").format(band=band_label(appeal.band_after)
                                                if appeal.band_after else "")
    return _("✅ kept")


# ---------------------------------------------------------------- 📊 Kết quả của tôi

def result_buttons(subjects: list[Subject], has_appeals: bool) -> list[list[InlineKeyboardButton]]:
    """The rows of 📊 Kết quả của tôi: one "Gửi kiến nghị" per evaluation whose window is
    open, and the caller's kiến nghị when there are any."""
    rows = [[NEW.button(_("📨 Send a kiến nghị: {period}").format(
        period=period_label(s.period)), s.evaluation.id)] for s in subjects]
    if has_appeals:
        rows.append([MINE.button(_("📨 My kiến nghị"))])
    return rows


def mine_screen(appeals: list[tuple[Appeal, Period]], subjects: list[Subject],
                prefix: str = "") -> Screen:
    lines = [_("📨 <b>Kiến nghị about my evaluations</b>")]
    if not appeals:
        lines.append(_("You have not sent any kiến nghị."))
    for appeal, period in appeals:
        lines.append(_("• {subject}, sent {date}: {state}").format(
            subject=subject_text(period), date=fmt_local_date(appeal.sent_at),
            state=outcome_text(appeal)))
        if appeal.answer:
            lines.append("   " + _("Answer: {text}").format(text=esc(appeal.answer)))
    rows = [[NEW.button(_("📨 Send a kiến nghị: {period}").format(
        period=period_label(s.period)), s.evaluation.id)] for s in subjects]
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


def ask_reason(subject: Subject) -> Screen:
    evaluation = subject.evaluation
    return (_("📨 Kiến nghị about {subject} ({score} points — {band}).\nYou can send it until "
              "{date}. Please write why you disagree with the evaluation:").format(
        subject=subject_text(subject.period), score=fmt_score(evaluation.total_score or 0),
        band=band_label(evaluation.band), date=fmt_date(subject.closes_on)),
        InlineKeyboardMarkup([[DROP.button(_("✖️ Cancel"))]]))


def ask_file() -> Screen:
    return (_("📎 You may attach a photo or a document that supports it (optional). Send it, "
              "or tap “Skip”."),
            InlineKeyboardMarkup([[SKIP.button(_("⏭ Skip"))], [DROP.button(_("✖️ Cancel"))]]))


def confirm_screen(subject: Subject, reason: str, has_file: bool, handler: str | None) -> Screen:
    lines = [_("📨 <b>Your kiến nghị</b> about {subject}:").format(
        subject=subject_text(subject.period)), esc(reason)]
    if has_file:
        lines.append(_("📎 With an attached file."))
    lines.append(_("It goes to {name}, who must answer within the set time.").format(
        name=esc(handler)) if handler else _("It goes to the Organization Board, which must "
                                              "answer within the set time."))
    return "\n".join(lines), InlineKeyboardMarkup([[SEND.button(_("📨 Send the kiến nghị"))],
                                                  [DROP.button(_("✖️ Cancel"))]])


def sent_text(sent: Sent) -> str:
    who = esc(sent.handler.full_name) if sent.handler else _("the Organization Board")
    return _("📨 Kiến nghị sent to {who} about {subject}. The answer is due by {date}.").format(
        who=who, subject=subject_text(sent.period), date=fmt_date(sent.appeal.due_on))


def dropped_text() -> str:
    return _("The kiến nghị was not sent.")


def handler_notice(sent: Sent) -> Screen:
    return (_("📨 {name} sent a kiến nghị about {subject}. Please answer it by {date}.").format(
        name=esc(sent.cadre.full_name), subject=subject_text(sent.period),
        date=fmt_date(sent.appeal.due_on)),
        InlineKeyboardMarkup([[VIEW.button(_("📨 Open the kiến nghị"), sent.appeal.id)]]))


# ---------------------------------------------------------------- the one who answers

def inbox_button(count: int) -> list[InlineKeyboardButton]:
    """The row of ✅ Phê duyệt that opens the kiến nghị waiting for an answer."""
    return [WAITING.button(ngettext("📨 {count} kiến nghị waiting for your answer",
                                    "📨 {count} kiến nghị waiting for your answer",
                                    count).format(count=count), 0)]


def _due(appeal: Appeal, today: date) -> str:
    if appeal.due_on < today:
        return _("⚠️ overdue since {date}").format(date=fmt_date(appeal.due_on))
    return _("due {date}").format(date=fmt_date(appeal.due_on))


def waiting_screen(waiting: Waiting, prefix: str = "",
                   back: list[InlineKeyboardButton] | None = None) -> Screen:
    rows = []
    if not waiting.items:
        lines = [_("No kiến nghị is waiting for your answer. 👍")]
    else:
        lines = [_("📨 <b>Kiến nghị waiting for your answer</b>: {count}").format(
            count=waiting.total)]
        for appeal, cadre, period in waiting.items:
            lines.append(_("• {name} ({code}): {subject} — {due}").format(
                name=esc(cadre.full_name), code=esc(cadre.code), subject=subject_text(period),
                due=_due(appeal, waiting.today)))
            rows.append([VIEW.button(_("📨 {name}: {period}").format(
                name=cadre.full_name, period=period_label(period)), appeal.id)])
        rows += pager(WAITING, waiting.page, waiting.more)
    if back:
        rows.append(back)
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def view_screen(view: AppealView, policy: Policy, today: date) -> Screen:
    appeal, evaluation = view.appeal, view.evaluation
    lines = [_("📨 <b>Kiến nghị of {name} ({code})</b> about {subject}").format(
        name=esc(view.cadre.full_name), code=esc(view.cadre.code),
        subject=subject_text(view.period)),
        _("Sent {sent} · {due}").format(sent=fmt_local_date(appeal.sent_at),
                                        due=_due(appeal, today)), "",
        _("<b>The evaluation as decided</b>: {score} points — {band}").format(
            score=fmt_score(evaluation.total_score or 0), band=band_label(evaluation.band))]
    if view.yearly:
        if evaluation.months_worked is not None:
            lines.append(_("Average of the periods, {months} months worked").format(
                months=figure(evaluation.months_worked)))
        if evaluation.proposed_band:
            lines.append(_("Proposed by {name}: {band}").format(
                name=esc(view.proposer or "—"), band=band_label(evaluation.proposed_band)))
        if evaluation.computed_band and evaluation.computed_band != evaluation.band:
            lines.append(_("The points correspond to: {band}").format(
                band=band_label(evaluation.computed_band)))
    else:
        lines.append(_("Tasks {task} + general criteria {general}").format(
            task=fmt_score(evaluation.task_score or 0),
            general=fmt_score(evaluation.general_score or 0)))
        for criterion in policy.scoring.general_criteria:
            value = (evaluation.criteria or {}).get(criterion.key)
            if value is not None:
                lines.append("   " + _("{name}: {value}/{most}").format(
                    name=esc(criterion_title(criterion)), value=figure(value),
                    most=figure(criterion.max_points)))
    if view.evaluator:
        lines.append(_("Evaluated by {name} on {date}").format(
            name=esc(view.evaluator), date=fmt_local_date(evaluation.rated_at)))
    if evaluation.band_reason and evaluation.band_reason != "closing":
        lines.append(_("Evaluator's reason: {reason}").format(reason=esc(evaluation.band_reason)))
    elif evaluation.band_reason == "closing":
        lines.append(_("Lowered at the closing of the list by the “Excellently completed "
                       "duties” limit."))
    lines += ["", _("<b>The cadre's reason</b>: {reason}").format(reason=esc(appeal.reason))]
    rows = []
    if appeal.file_id:
        rows.append([FILE.button(_("📎 See the attached file"), appeal.id)])
    rows.append([KEEP.button(_("✅ Keep"), appeal.id), CHANGE.button(_("✏️ Change"), appeal.id)])
    rows.append([WAITING.button(_("⬅️ Back"), 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def keep_question(view: AppealView) -> Screen:
    return _("Why is {subject} of {name} kept? Type the reason (it is sent to the cadre):").format(
        subject=subject_text(view.period), name=esc(view.cadre.full_name)), None


def band_question(view: AppealView) -> Screen:
    rows = [[BAND.button(band_label(band), view.appeal.id, band)] for band in BANDS
            if band.value != view.evaluation.band]
    rows.append([VIEW.button(_("⬅️ Back"), view.appeal.id)])
    return (_("Which band should {name} have for {year}? Now: {band}. The “Excellently "
              "completed duties” limit of the agency still applies.").format(
        name=esc(view.cadre.full_name), year=view.period.year,
        band=band_label(view.evaluation.band)), InlineKeyboardMarkup(rows))


def points_question(view: AppealView, policy: Policy) -> Screen:
    criteria = policy.scoring.general_criteria
    lines = [_("Type the new points of the general criteria, one number per criterion in this "
               "order, separated by spaces (the period is then rated again by the usual "
               "rules):")]
    for index, criterion in enumerate(criteria, 1):
        now = (view.evaluation.criteria or {}).get(criterion.key)
        lines.append(_("{index}. {name} (0–{most}; now {value})").format(
            index=index, name=esc(criterion_title(criterion)),
            most=figure(criterion.max_points), value=figure(now) if now is not None else "—"))
    example = " ".join(figure(c.max_points) for c in criteria)
    lines.append(_("For example: {example}").format(example=example))
    return "\n".join(lines), None


def change_reason_question(view: AppealView, what: str) -> Screen:
    return _("{what}. Why is the evaluation of {name} changed? Type the reason (it is sent to "
             "the cadre):").format(what=what, name=esc(view.cadre.full_name)), None


def new_band_text(band: Band) -> str:
    return _("New band: {band}").format(band=band_label(band))


def new_points_text(values: list[float]) -> str:
    return _("New points of the general criteria: {points}").format(
        points=" · ".join(figure(v) for v in values))


def answered_text(answered: Answered) -> str:
    appeal = answered.appeal
    if appeal.outcome == AppealOutcome.CHANGED.value:
        return _("✏️ Answered, changed: {name}, {subject} → {score} points — {band}.").format(
            name=esc(answered.cadre.full_name), subject=subject_text(answered.period),
            score=fmt_score(appeal.total_after or 0), band=band_label(appeal.band_after))
    return _("✅ Answered, kept: {name}, {subject}.").format(
        name=esc(answered.cadre.full_name), subject=subject_text(answered.period))


def cadre_notice(answered: Answered) -> Screen:
    appeal = answered.appeal
    if appeal.outcome == AppealOutcome.CHANGED.value:
        text = _("📨 Your kiến nghị about {subject} was accepted: the evaluation is changed "
                 "from {old} to {score} points — {band}.\nReason: {reason}").format(
            subject=subject_text(answered.period), old=band_label(appeal.band_before),
            score=fmt_score(appeal.total_after or 0), band=band_label(appeal.band_after),
            reason=esc(appeal.answer))
    else:
        text = _("📨 Your kiến nghị about {subject} was answered: the evaluation is kept "
                 "({band}).\nReason: {reason}").format(
            subject=subject_text(answered.period), band=band_label(appeal.band_before),
            reason=esc(appeal.answer))
    return text, InlineKeyboardMarkup([[MINE.button(_("📨 My kiến nghị"))]])
