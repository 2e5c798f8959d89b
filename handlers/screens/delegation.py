"""🔁 Ủy quyền: an evaluator's delegations of their reviews, the steps of a new one, the
messages to the delegate."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date
from bot.services.delegation import DAY_CHOICES, Candidates, Change, Item, Person
from bot.services.review import ReviewError
from handlers.callbacks import action
from handlers.screens.common import esc, pager, stale

PREFIX = "dl"
MENU = action(PREFIX, "m")  # the 🔁 screen (its button is on ✅ Phê duyệt: handlers/review.py)
NEW = action(PREFIX, "n")
DAYS = action(PREFIX, "d", "days:n")  # a duration of the new delegation (DAY_CHOICES)
CANCEL = action(PREFIX, "x", "delegation_id:id")  # asks to confirm
CANCEL_OK = action(PREFIX, "X", "delegation_id:id")
PEOPLE = action(PREFIX, "pg", "page:n")  # a page of the people of the evaluator's unit
PICK = action(PREFIX, "pk", "cadre_id:id")  # the deputy picked from the list

ERRORS = {
    "unknown_delegate": N_("There is no active cadre with this code. Please check and type it again."),
    "self_delegate": N_("You cannot delegate to yourself."),
    "bad_range": N_("The period must end after it starts, and last at most 180 days."),
    "past_range": N_("This period has already ended. Please give dates from today on."),
    "not_evaluator": N_("Only an evaluator can delegate reviews, and reviews delegated to you "
                        "cannot be passed on."),
}
NOT_EVALUATOR, BAD_RANGE = ERRORS["not_evaluator"], ERRORS["bad_range"]


def error_text(error: ReviewError) -> str:
    """Why a step of a new delegation was refused."""
    if error.code == "overlap":
        return _("You have already delegated to this person from {start} to {end}. Cancel "
                 "that delegation first, or give dates outside it.").format(
            start=fmt_date(error.info["starts_on"]), end=fmt_date(error.info["ends_on"]))
    if error.code == "not_a_range":
        return not_a_range()
    if error.code == "no_match":
        return _("Nobody in your unit has a name matching “{text}”. Type the name again, or "
                 "the cadre's code (Mã cán bộ), or pick from the list.").format(
            text=error.info["query"])
    return _(ERRORS.get(error.code) or BAD_RANGE)


def tap_refusal(error: ReviewError) -> str:
    """The alert for a refused tap."""
    return _(NOT_EVALUATOR) if error.code == "not_evaluator" else stale()


def overview(items: tuple[Item, ...], prefix: str = "") -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("🔁 <b>Delegation of reviews</b>")]
    rows = []
    if not items:
        lines.append(_("You have not delegated your reviews to anyone."))
    for item in items:
        lines.append(_("• {name} ({code}) from {start} to {end}").format(
            name=esc(item.delegate.name), code=esc(item.delegate.code),
            start=fmt_date(item.starts_on), end=fmt_date(item.ends_on)))
        rows.append([CANCEL.button(_("❌ Cancel delegation to {name}").format(
            name=item.delegate.name), item.id)])
    rows.append([NEW.button(_("➕ New delegation"))])
    return (prefix + "\n\n" if prefix else "") + "\n".join(lines), InlineKeyboardMarkup(rows)


def _people_rows(found: Candidates) -> list:
    return [[PICK.button(f"{person.name} ({person.code})", person.id)]
            for person in found.people]


def ask_who(found: Candidates) -> tuple[str, InlineKeyboardMarkup]:
    """➕ New delegation: pick the deputy from the people of one's unit, or type a name or a
    code."""
    text = _("Who will review on your behalf? Pick a person of your unit, or type their "
             "name or code (Mã cán bộ), e.g. XTH001.")
    if not found.people:
        text = _("Who will review on your behalf? Type their name or code (Mã cán bộ), "
                 "e.g. XTH001.")
    rows = _people_rows(found) + pager(PEOPLE, found.page, found.more)
    rows.append([MENU.button(_("⬅️ Back"))])
    return text, InlineKeyboardMarkup(rows)


def matches(found: Candidates) -> tuple[str, InlineKeyboardMarkup]:
    """The people whose name matches what was typed."""
    text = _("People whose name matches “{text}”: pick one, or type again.").format(
        text=esc(found.query or ""))
    if found.more:
        text += "\n" + _("Only the first {count} are shown: type more of the name.").format(
            count=len(found.people))
    rows = _people_rows(found) + [[PEOPLE.button(_("👥 Everyone in my unit"), 0)]]
    return text, InlineKeyboardMarkup(rows)


def ask_duration(delegate: Person) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[DAYS.button(_("{days} days").format(days=d), d) for d in DAY_CHOICES]]
    return _("Delegate to {name} for how long? Choose, or type a range like 01/12/2026 - "
             "15/12/2026.").format(name=esc(delegate.name)), InlineKeyboardMarkup(rows)


def not_a_range() -> str:
    return _("Please choose a duration, or type a range like 01/12/2026 - 15/12/2026.")


def confirm_cancel(item: Item) -> tuple[str, InlineKeyboardMarkup]:
    text = _("Cancel the delegation to {name} ({code}) from {start} to {end}? From then on "
             "they can no longer review on your behalf.").format(
        name=esc(item.delegate.name), code=esc(item.delegate.code),
        start=fmt_date(item.starts_on), end=fmt_date(item.ends_on))
    return text, InlineKeyboardMarkup([[CANCEL_OK.button(_("✅ Yes, cancel it"), item.id),
                                        MENU.button(_("⬅️ Back"))]])


def made(change: Change) -> tuple[str, InlineKeyboardMarkup]:
    item = change.item
    return overview(change.current, prefix=_(
        "✅ {name} will review on your behalf from {start} to {end}.").format(
        name=esc(item.delegate.name), start=fmt_date(item.starts_on), end=fmt_date(item.ends_on)))


def cancelled(change: Change) -> tuple[str, InlineKeyboardMarkup]:
    return overview(change.current, prefix=_("Delegation cancelled."))


def told_made(change: Change) -> str:
    """To the delegate."""
    item = change.item
    return _("🔁 {name} has delegated their reviews to you from {start} to {end}. Open "
             "“✅ Approvals” to review on their behalf.").format(
        name=esc(change.delegator.name), start=fmt_date(item.starts_on),
        end=fmt_date(item.ends_on))


def told_cancelled(change: Change) -> str:
    """To the delegate."""
    item = change.item
    return _("🔁 {name} has cancelled the delegation of their reviews to you ({start} – "
             "{end}).").format(name=esc(change.delegator.name), start=fmt_date(item.starts_on),
                              end=fmt_date(item.ends_on))
