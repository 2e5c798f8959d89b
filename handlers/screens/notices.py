"""🔔 Thông báo: what a cadre reads (their notices, the acknowledgement button) and what the
board reads while composing a broadcast and following it. Pure: data in, (text, keyboard)
out.

The outbox (sending) and the reminders build two of these buttons too: ACK under a notice as
it is delivered (`ack_markup`), OPEN in the reminder of an unread notice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_datetime, fmt_number, ngettext
from bot.services.notices import MAX_TEXT
from handlers.callbacks import ID_LIMIT, action
from handlers.screens.common import STALE, Screen, esc, pager, shorten
from models.enums import AckKind

if TYPE_CHECKING:
    from bot.services.notices import (
        Acknowledged,
        Draft,
        Inbox,
        NoticeStats,
        Queued,
        Stats,
    )
    from models import Notice, TrainingRequirement

PREFIX = "nt"
# a cadre's notices
LIST = action(PREFIX, "l", "page:n")
OPEN = action(PREFIX, "o", "delivery_id:id")  # also in the reminder of an unread notice
ACK = action(PREFIX, "a", "delivery_id:id")  # under the notice as delivered (the outbox)
# composing (the board)
NEW = action(PREFIX, "new")
NO_ATTACHMENT = action(PREFIX, "noatt")
FILTER = action(PREFIX, "f", "what:code", "value:code?")  # see FILTERS
CONTINUE = action(PREFIX, "next")  # the recipients are chosen: what to confirm
RECIPIENTS = action(PREFIX, "next0")  # from the preview back to the recipients
ACK_KIND = action(PREFIX, "k", "choice:n")  # index in ACK_CHOICES
NOW = action(PREFIX, "now")
SEND = action(PREFIX, "go")
CANCEL = action(PREFIX, "cancel")
# following a notice (the board)
RECENT = action(PREFIX, "sl")
STATS = action(PREFIX, "st", "notice_id:id")
FOLLOW_UP = action(PREFIX, "fu", "notice_id:id")

LEVEL_CODES = {"t": "tinh", "x": "xa"}
STAFF_CODES = {"b": "can_bo", "c": "cong_chuc", "v": "vien_chuc"}
ACK_CHOICES = (AckKind.NONE, AckKind.ACK, AckKind.REGISTER)  # the wire's "0", "1", "2"
LABELS = {"tinh": N_("provincial level"), "xa": N_("commune level"), "can_bo": N_("cán bộ"),
          "cong_chuc": N_("công chức"), "vien_chuc": N_("viên chức")}
SNIPPET = 70  # characters of a notice in the list

# What a filter button of the recipients screen does: (what, value) on the wire → a change.
# ("toggle", audience key, value) · ("flag", audience key) · ("reset",) · ("ask", step)
# · ("requirements",) · ("missing", requirement id)
FILTERS = {
    "r": ("reset",),
    "y": ("flag", "young"),
    "p": ("flag", "in_planning"),
    "u": ("ask", "units"),
    "o": ("ask", "positions"),
    "m": ("requirements",),
}


def filter_change(what: str, value: str | None) -> tuple | None:
    """The change a filter tap asks for, or None for data no button carries."""
    if what in FILTERS:
        return FILTERS[what] if value is None else None
    if what == "l" and value in LEVEL_CODES:
        return ("toggle", "levels", LEVEL_CODES[value])
    if what == "s" and value in STAFF_CODES:
        return ("toggle", "staff_types", STAFF_CODES[value])
    if what == "q" and value is not None and value.isdigit() and int(value) < ID_LIMIT:
        return ("missing", int(value))
    return None


# ---------------------------------------------------------------- as delivered

def notice_text(text: str) -> str:
    """The notice as its recipients read it (stored as typed; escaped once, here)."""
    return _("📢 <b>Notice from the Organization Board</b>") + "\n\n" + esc(text)


def ack_markup(ack_kind: str, delivery_id: int) -> InlineKeyboardMarkup | None:
    """The button under a delivered notice: "Received" or "Register to attend", or none."""
    if ack_kind == AckKind.ACK.value:
        label = _("✅ Received")
    elif ack_kind == AckKind.REGISTER.value:
        label = _("📝 Register to attend")
    else:
        return None
    return InlineKeyboardMarkup([[ACK.button(label, delivery_id)]])


def acknowledged_text(done: Acknowledged, tz: ZoneInfo) -> str:
    if not done.first:
        return _("You already confirmed this at {time}.").format(time=fmt_datetime(done.at, tz))
    if done.ack_kind == AckKind.REGISTER.value:
        return _("📝 Registered. Thank you!")
    return _("✅ Recorded: you have received this notice.")


def _finished_head(notice: Notice, stats: Stats) -> str:
    """What a finished broadcast achieved: "sent" only when it reached everyone."""
    missed = stats.failed + stats.blocked
    if not missed:
        return _("✅ Notice #{id} sent to everyone.").format(id=notice.id)
    if not stats.sent:
        return _("❌ Notice #{id} reached nobody: it could not be delivered to any of the "
                 "{count} recipients.").format(id=notice.id, count=fmt_number(stats.total))
    return ngettext("⚠️ Notice #{id} sent, but {count} person did not receive it.",
                    "⚠️ Notice #{id} sent, but {count} people did not receive it.",
                    missed).format(id=notice.id, count=fmt_number(missed))


def progress_text(notice: Notice, stats: Stats, done: bool) -> str:
    head = _finished_head(notice, stats) if done else _("📣 Sending notice #{id}…").format(
        id=notice.id)
    return head + "\n" + _("Sent {sent}/{total} · failed {failed} · blocked the bot {blocked} · "
                           "acknowledged {ack}").format(
        sent=fmt_number(stats.sent), total=fmt_number(stats.total),
        failed=fmt_number(stats.failed), blocked=fmt_number(stats.blocked),
        ack=fmt_number(stats.acknowledged))


# ---------------------------------------------------------------- a cadre's notices

def inbox_screen(inbox: Inbox, tz: ZoneInfo, is_board: bool) -> Screen:
    lines = [_("🔔 <b>Notices</b>")]
    rows = []
    if not inbox.items:
        lines.append(_("You have not received any notice yet."))
    for item in inbox.items:
        state = ""
        if item.ack_kind != AckKind.NONE.value:
            state = " — " + (_("✅ acknowledged") if item.acknowledged_at else
                             _("⏳ not acknowledged yet"))
        snippet = shorten(item.text, SNIPPET)
        lines.append(f"• {fmt_datetime(item.at, tz)}: {esc(snippet)}{state}")
        rows.append([OPEN.button(_("Open: {text}").format(text=shorten(item.text, 30)), item.delivery_id)])
    rows += pager(LIST, inbox.page, inbox.more)
    if is_board:
        rows.append([NEW.button(_("📣 Compose a notice"))])
        rows.append([RECENT.button(_("📊 Statistics of notices"))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- composing (the board)

def text_question() -> Screen:
    return _("📣 <b>New notice</b>\nType the text of the notice (at most {max} characters):"
             ).format(max=fmt_number(MAX_TEXT)), None


def attachment_question() -> Screen:
    return _("Attach a photo or a document (PDF, Word, Excel), or tap “No attachment”."), \
        InlineKeyboardMarkup([[NO_ATTACHMENT.button(_("No attachment"))]])


def audience_text(audience: dict) -> str:
    parts = []
    if audience.get("units"):
        parts.append(_("units {codes}").format(codes=", ".join(audience["units"])))
    if audience.get("levels"):
        parts.append(", ".join(_(LABELS[v]) for v in audience["levels"]))
    if audience.get("positions"):
        parts.append(_("positions {codes}").format(codes=", ".join(audience["positions"])))
    if audience.get("staff_types"):
        parts.append(", ".join(_(LABELS[v]) for v in audience["staff_types"]))
    if audience.get("missing"):
        parts.append(_("not yet meeting requirement {code}").format(code=audience["missing"]))
    if audience.get("young"):
        parts.append(_("young cadres (under 42)"))
    if audience.get("in_planning"):
        parts.append(_("in the planning list"))
    return "; ".join(parts) if parts else _("everyone")


def audience_screen(audience: dict, count: int) -> Screen:
    def toggle(label: str, on: bool, *values: str):
        return FILTER.button(("☑️ " if on else "▫️ ") + label, *values)

    levels, staff = audience.get("levels", []), audience.get("staff_types", [])
    rows = [[FILTER.button(_("👥 Everyone"), "r")],
            [toggle(_("Provincial level"), "tinh" in levels, "l", "t"),
             toggle(_("Commune level"), "xa" in levels, "l", "x")],
            [toggle("Cán bộ", "can_bo" in staff, "s", "b"),
             toggle("Công chức", "cong_chuc" in staff, "s", "c"),
             toggle("Viên chức", "vien_chuc" in staff, "s", "v")],
            [toggle(_("Young (< 42)"), bool(audience.get("young")), "y"),
             toggle(_("In planning"), bool(audience.get("in_planning")), "p")],
            [FILTER.button(_("🏢 Units…"), "u"), FILTER.button(_("💼 Positions…"), "o")],
            [FILTER.button(_("📚 Missing a requirement…"), "m")],
            [CONTINUE.button(_("➡️ Continue ({count} recipients)").format(
                count=fmt_number(count)))]]
    text = _("📣 <b>Who receives it?</b>\nNow: {audience} — {count} people.\nFilters combine "
             "(all must hold).").format(audience=esc(audience_text(audience)),
                                        count=fmt_number(count))
    return text, InlineKeyboardMarkup(rows)


def codes_question() -> Screen:
    return _("Type the codes separated by commas, e.g. XTH, SNV (units include the units below "
             "them):"), None


def requirements_choice(requirements: list[TrainingRequirement]) -> Screen:
    rows = [[FILTER.button(f"{r.code} — {shorten(r.title, 35)}", "q", str(r.id))] for r in requirements]
    return _("Cadres who have not yet met which requirement?"), InlineKeyboardMarkup(rows)


def ack_question() -> Screen:
    rows = [[ACK_KIND.button(_("✅ “Received” button"), ACK_CHOICES.index(AckKind.ACK))],
            [ACK_KIND.button(_("📝 “Register to attend” button"),
                             ACK_CHOICES.index(AckKind.REGISTER))],
            [ACK_KIND.button(_("No button"), ACK_CHOICES.index(AckKind.NONE))]]
    return _("Should recipients confirm?"), InlineKeyboardMarkup(rows)


def example(at: datetime) -> str:
    """"04/12/2026 08:00": the form a schedule is typed in."""
    return f"{fmt_date(at.date())} {at:%H:%M}"


def when_question(at: datetime) -> Screen:
    """`at`: the example (the next working day, 08:00), never a day already past."""
    return _("When to send? Tap “Now”, or type a date and time, e.g. {example}.").format(
        example=example(at)), InlineKeyboardMarkup([[NOW.button(_("🚀 Now"))]])


def preview_heading() -> str:
    return _("Preview — this is how it will look:")


def confirm_screen(draft: Draft, count: int, tz: ZoneInfo) -> Screen:
    when = fmt_datetime(draft.at, tz) if draft.at else _("now")
    text = _("📣 Send to <b>{count}</b> people ({audience}), {when}?").format(
        count=fmt_number(count), audience=esc(audience_text(draft.audience)), when=when)
    rows = [[SEND.button(_("📤 Confirm and send"))],
            [RECIPIENTS.button(_("✏️ Change the recipients")), CANCEL.button(_("❌ Cancel"))]]
    return text, InlineKeyboardMarkup(rows)


def preparing_text() -> str:
    return _("📣 Preparing to send…")


def queued_text(queued: Queued, scheduled_at: datetime | None, tz: ZoneInfo) -> str:
    if scheduled_at is None:
        return progress_text(queued.notice, queued.stats, False)
    return _("🗓 Notice #{id} will be sent to {count} people at {when}.").format(
        id=queued.notice.id, count=fmt_number(queued.count),
        when=fmt_datetime(scheduled_at, tz))


def cancelled_text() -> str:
    return _("The notice was cancelled; nothing was sent.")


# ---------------------------------------------------------------- following a notice

def recent_screen(notices: list[Notice]) -> Screen:
    rows = [[STATS.button(f"#{n.id} {shorten(n.text, 40)}", n.id)] for n in notices]
    text = _("📊 <b>Recent notices</b>") if notices else _("No notice has been sent yet.")
    return text, InlineKeyboardMarkup(rows)


def stats_screen(found: NoticeStats) -> Screen:
    notice = found.notice
    lines = [_("📊 <b>Notice #{id}</b>").format(id=notice.id), esc(shorten(notice.text, 200)),
             progress_text(notice, found.stats, notice.status == "done")]
    rows = []
    if found.may_follow_up:
        rows.append([FOLLOW_UP.button(_("🔁 Remind those who have not confirmed"), notice.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def follow_up_heading() -> str:
    return _("🔁 Reminder: please confirm.")


def reminded_text(count: int | None) -> str:
    if count is None:
        return _("Everyone has confirmed already, or the reminder was sent before.")
    return _("🔁 The reminder goes to {count} people.").format(count=fmt_number(count))


# ---------------------------------------------------------------- refusals

ANSWER_ERRORS = {
    "text_missing": N_("Please type the text of the notice."),
    "attachment_missing": N_("Please send a photo or a document, or tap “No attachment”."),
    "codes_missing": N_("Please type at least one code."),
    "when_past": N_("This time has already passed."),
    "buttons": N_("Please choose one of the buttons."),
}


def answer_error(code: str, info: dict) -> str:
    """Why a typed answer was not taken (the step is asked again)."""
    if code == "when_format":
        return _("Please type the date and time like {example}, or tap “Now”.").format(
            example=example(info["example"]))
    if code == "too_long":
        return _("Too long: at most {limit} characters.").format(limit=fmt_number(info["limit"]))
    if code in ("unknown_units", "unknown_positions"):
        what = (_("No unit has the code {codes}.") if code == "unknown_units"
                else _("No job position has the code {codes}."))
        return what.format(codes=", ".join(info["codes"])) + " " + _(
            "Please check and type the codes again.")
    return _(ANSWER_ERRORS.get(code, STALE))
