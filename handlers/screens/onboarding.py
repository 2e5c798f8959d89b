"""Linking a Telegram account to a roster record (SPEC §2): the greeting, why a link failed,
the welcome, and the question before an account moves to another record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import N_, _
from bot.services.identity import Actor, InviteStatus, LinkStatus
from handlers.callbacks import action
from handlers.screens import menu
from handlers.screens.common import esc

if TYPE_CHECKING:
    from models import Cadre

PREFIX = "ob"
MOVE = action(PREFIX, "mv", "code:invite")  # move this account to the invite's record
KEEP = action(PREFIX, "keep")

GREETING = N_(
    "Hello! This is Trợ lý Cán bộ, where you report your work results against your KPIs, "
    "follow your training obligations and receive notices from the Organization Board.\n\n"
    "To begin, tap “📱 Share phone number” below so we can find you in the roster."
)
ASK_AGAIN = N_(
    "Your account is not linked yet. Tap “📱 Share phone number” below, "
    "or send the activation code given to you by the Organization Board."
)

FAILURE_TEXT = {
    LinkStatus.NOT_FOUND: N_(
        "This phone number is not in the roster. Please ask the Organization Board "
        "(or your agency's personnel office) for an activation code and send it here."
    ),
    LinkStatus.AMBIGUOUS: N_(
        "This phone number belongs to several records in the roster, so we cannot verify you "
        "automatically. Please ask the Organization Board for an activation code and send it here."
    ),
    LinkStatus.TAKEN: N_(
        "This record is already linked to another Telegram account. To move it to this account, "
        "please ask the Organization Board for a new activation code and send it here."
    ),
    LinkStatus.INVALID_PHONE: N_(
        "This phone number is not valid. Please tap “📱 Share phone number” below "
        "or send your activation code."
    ),
    InviteStatus.UNKNOWN: N_(
        "This activation code is not correct. Please check the code (10 characters) "
        "or ask the Organization Board."
    ),
    InviteStatus.EXPIRED: N_(
        "This activation code has expired. Please ask the Organization Board for a new one."
    ),
    InviteStatus.USED: N_(
        "This activation code has already been used. Each code works only once; "
        "please ask the Organization Board for a new one."
    ),
    InviteStatus.INACTIVE: N_(
        "The record for this code is no longer active. Please contact the Organization Board."
    ),
}

Reply = tuple[str, ReplyKeyboardMarkup]


def contact_keyboard() -> ReplyKeyboardMarkup:
    share = KeyboardButton(_("📱 Share phone number"), request_contact=True)
    return ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=False)


def greeting() -> Reply:
    return _(GREETING), contact_keyboard()


def ask_again() -> Reply:
    return _(ASK_AGAIN), contact_keyboard()


def not_own_contact() -> Reply:
    return _("Please share your own phone number with the “📱 Share phone number” button "
             "below, not someone else's contact."), contact_keyboard()


def welcome(actor: Actor, cadre: Cadre) -> Reply:
    return menu.menu(actor, _(
        "Welcome, {name}! Your Telegram account is now linked to record {code}. "
        "Choose a function from the menu below.").format(name=cadre.full_name, code=cadre.code))


def not_linked(status: LinkStatus | InviteStatus, actor: Actor | None) -> Reply:
    """Why the link failed; a person linked already keeps their record and their menu."""
    if actor is not None:  # a linked person opened a wrong or used link
        return menu.menu(actor, _(FAILURE_TEXT[status]) + "\n" + _(
            "Your account stays linked to record {code}.").format(code=actor.code))
    return _(FAILURE_TEXT[status]), contact_keyboard()


def move_question(actor: Actor, target: Cadre, code: str) -> tuple[str, InlineKeyboardMarkup]:
    """HTML: a linked person opened the invite link of another record."""
    markup = InlineKeyboardMarkup([
        [MOVE.button(_("✅ Move to {code}").format(code=target.code), code)],
        [KEEP.button(_("✖️ Keep {code}").format(code=actor.code))]])
    return _(
        "This Telegram account is linked to record {current} ({current_name}). The code you "
        "opened is for record {code} ({name}). Move your account to {code}? This account will "
        "then no longer use record {current}.").format(
        current=esc(actor.code), current_name=esc(actor.full_name), code=esc(target.code),
        name=esc(target.full_name)), markup


def kept(actor: Actor) -> str:
    """HTML"""
    return _("Your account stays linked to record {code}.").format(code=esc(actor.code))
