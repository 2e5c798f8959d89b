"""📣 The board records the people's feedback (phản ánh) about a cadre or a unit in the chat:
/phananh CODE shows the latest records and "✍️ Ghi phản ánh mới", then the content, the
source and the outcome are asked. Pure: data in, (text, keyboard) out."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date
from bot.services.feedback import FeedbackError, Subject
from handlers.callbacks import action
from handlers.screens.common import Screen, esc, shorten

PREFIX = "pa"
NEW_CADRE = action(PREFIX, "nc", "cadre_id:id")  # ✍️ a new record about a cadre
NEW_UNIT = action(PREFIX, "nu", "unit_id:id")  # ✍️ … about a unit
SOURCE = action(PREFIX, "s", "index:n")  # one of SOURCES
NO_OUTCOME = action(PREFIX, "k")  # ⏭ no outcome yet

SOURCES = [N_("Hotline"), N_("Public-service portal"), N_("Suggestion box"),
           N_("In person at the one-stop desk"), N_("Letter or petition")]
ASK_AGAIN = {"too_short", "too_long"}  # a typo: the same step is asked again


def subject_name(subject: Subject) -> str:
    if subject.cadre_id is not None:
        return _("{name} ({code})").format(name=esc(subject.name), code=esc(subject.code))
    return _("the unit {name} ({code})").format(name=esc(subject.name), code=esc(subject.code))


def subject_screen(subject: Subject) -> Screen:
    lines = [_("📣 <b>Feedback about {subject}</b>").format(subject=subject_name(subject))]
    if not subject.recent:
        lines.append(_("No feedback recorded yet."))
    else:
        lines.append(_("Latest records:"))
    for item in subject.recent:
        lines.append("• " + _("{date} · {source}: {content}").format(
            date=fmt_date(item.received_on), source=esc(item.source),
            content=esc(shorten(item.content, 120))))
    lines.append("")
    lines.append(_("Evaluators read these records on the report of the period they were "
                   "received in."))
    button = (NEW_CADRE.button(_("✍️ Record new feedback"), subject.cadre_id)
              if subject.cadre_id is not None
              else NEW_UNIT.button(_("✍️ Record new feedback"), subject.unit_id))
    return "\n".join(lines), InlineKeyboardMarkup([[button]])


def ask_content(subject: Subject) -> Screen:
    return (_("✍️ Type the feedback about {subject} in one message (what happened, where, "
              "when). /huy to stop.").format(subject=subject_name(subject)), None)


def ask_source() -> Screen:
    rows = [[SOURCE.button(_(label), index)] for index, label in enumerate(SOURCES)]
    return (_("Where did the feedback come from? Choose, or type the source."),
            InlineKeyboardMarkup(rows))


def ask_outcome() -> Screen:
    return (_("How was it handled? Type the outcome, or tap “⏭ Not handled yet”."),
            InlineKeyboardMarkup([[NO_OUTCOME.button(_("⏭ Not handled yet"))]]))


def recorded(code: str, subject: Subject, day) -> Screen:
    return (_("✅ Feedback {code} about {subject} recorded (received {date}). The evaluator "
              "sees it on the report of this period.").format(
        code=esc(code), subject=subject_name(subject), date=fmt_date(day)), None)


def refusal(error: FeedbackError) -> str:
    if error.code == "board_only":
        return _("Only the Organization Board records feedback.")
    if error.code == "usage":
        return _("Usage: /phananh CODE — a cadre's code (XTH004) or a unit's (XTH-VP).")
    if error.code == "no_code":
        return _("No cadre or unit with code {code}.").format(code=error.info["given"])
    if error.code == "too_short":
        return _("Please write it in words.")
    if error.code == "too_long":
        return _("Too long: at most {limit} characters.").format(limit=error.info["limit"])
    return _("This button is no longer valid. Please open the function again from the menu.")
