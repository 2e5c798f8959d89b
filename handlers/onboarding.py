"""Linking a Telegram account to a roster record (SPEC §2): contact or invite code."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _
from bot.phones import mask_phone
from bot.services import identity
from bot.services.identity import InviteStatus, LinkResult, LinkStatus
from handlers.common import button, edit_or_send, esc, final, refuse

log = logging.getLogger(__name__)
PREFIX = "ob"
ACTIONS = {PREFIX: ("mv", "keep")}  # every button action this module answers


def contact_keyboard() -> ReplyKeyboardMarkup:
    button = KeyboardButton(_("📱 Share phone number"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=False)


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


async def _after_link(update: Update, context: BotContext, result: LinkResult) -> None:
    from handlers.menu import show_menu  # the menu module imports nothing from here

    if result.status in (LinkStatus.LINKED, LinkStatus.ALREADY, InviteStatus.LINKED):
        cadre = result.cadre
        assert cadre is not None
        async with context.db.session() as session:
            context.actor = await identity.actor_for(
                session, update.effective_user.id, context.clock.now()
            )
        log.info("linked telegram user to cadre %s via %s", cadre.code, result.status)
        await show_menu(
            update,
            context,
            _(
                "Welcome, {name}! Your Telegram account is now linked to record {code}. "
                "Choose a function from the menu below."
            ).format(name=cadre.full_name, code=cadre.code),
        )
        return
    if context.actor is not None:  # a linked person opened a wrong or used link: keep the menu
        await show_menu(update, context, _(FAILURE_TEXT[result.status]) + "\n" + _(
            "Your account stays linked to record {code}.").format(code=context.actor.code))
        return
    await update.effective_message.reply_text(
        _(FAILURE_TEXT[result.status]), reply_markup=contact_keyboard()
    )


async def redeem(update: Update, context: BotContext, code: str) -> None:
    async with context.db.session() as session:
        result = await identity.redeem_invite(
            session,
            code=code,
            telegram_user_id=update.effective_user.id,
            chat_id=update.effective_chat.id,
            now=context.clock.now(),
        )
    await _after_link(update, context, result)


async def confirm_relink(update: Update, context: BotContext, code: str) -> None:
    """A linked person opened an invite link: one for another record moves their account
    there (SPEC §2.4) only once they confirm; they would lose their menu and roles."""
    actor = context.actor
    async with context.db.session() as session:
        target = await identity.invite_target(session, code, context.clock.now())
    if target is None or target.id == actor.cadre_id or not identity.looks_like_invite(code):
        await redeem(update, context, code)
        return
    markup = InlineKeyboardMarkup([
        [button(_("✅ Move to {code}").format(code=target.code), PREFIX, "mv",
                identity.normalize_invite(code))],
        [button(_("✖️ Keep {code}").format(code=actor.code), PREFIX, "keep")]])
    await update.effective_message.reply_text(_(
        "This Telegram account is linked to record {current} ({current_name}). The code you "
        "opened is for record {code} ({name}). Move your account to {code}? This account will "
        "then no longer use record {current}.").format(
        current=esc(actor.code), current_name=esc(actor.full_name), code=esc(target.code),
        name=esc(target.full_name)), parse_mode="HTML", reply_markup=markup)


async def on_relink_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    code = data.removeprefix(f"{PREFIX}:mv:")
    if data.startswith(f"{PREFIX}:mv:") and identity.looks_like_invite(code):
        await query.answer()
        await redeem(update, context, code)
    elif data == f"{PREFIX}:keep":
        await query.answer()
        await edit_or_send(update, context, _("Your account stays linked to record {code}.")
                           .format(code=esc(context.actor.code)))
    else:
        await refuse(update, _("This button is no longer valid. Please open the function "
                               "again from the menu."))


async def on_contact(update: Update, context: BotContext) -> None:
    message = update.effective_message
    contact = message.contact
    if contact.user_id != update.effective_user.id:
        await message.reply_text(
            _(
                "Please share your own phone number with the “📱 Share phone number” button "
                "below, not someone else's contact."
            ),
            reply_markup=contact_keyboard(),
        )
        return
    log.info("contact shared: %s", mask_phone(contact.phone_number))
    async with context.db.session() as session:
        result = await identity.link_by_phone(
            session,
            telegram_user_id=update.effective_user.id,
            chat_id=update.effective_chat.id,
            phone=contact.phone_number,
            now=context.clock.now(),
        )
    await _after_link(update, context, result)


async def handle_unlinked(update: Update, context: BotContext) -> None:
    """Everything an unlinked user sends ends here; only onboarding is offered."""
    if update.callback_query is not None:
        await update.callback_query.answer(_(ASK_AGAIN), show_alert=True)
        raise ApplicationHandlerStop
    message = update.effective_message
    if message is None or update.edited_message is not None:
        raise ApplicationHandlerStop
    text = (message.text or "").strip()
    if message.contact is not None:
        await on_contact(update, context)
    elif text.startswith("/start"):
        code = text.partition(" ")[2].strip()
        if code:
            await redeem(update, context, code)
        else:
            await message.reply_text(_(GREETING), reply_markup=contact_keyboard())
    elif text and identity.looks_like_invite(text):
        await redeem(update, context, text)
    else:
        await message.reply_text(_(ASK_AGAIN), reply_markup=contact_keyboard())
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    """Linked people confirming a move to another record (unlinked ones never get here: the
    gate sends them to `handle_unlinked`)."""
    app.add_handler(CallbackQueryHandler(final(on_relink_callback), pattern=rf"^{PREFIX}:"))
