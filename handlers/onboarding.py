"""Linking a Telegram account to a roster record (SPEC §2): contact or invite code, and a
linked person moving their account to another record with an invite link (asked first).
The texts are in handlers/screens/onboarding.py; the rules in bot.services.identity.

One update, one transaction: the gate's read (who is this) stays open for the linking, which
is committed before anything is sent."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler

from bot.context import BotContext
from bot.phones import mask_phone
from bot.services import identity
from bot.services.identity import Linked
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import onboarding as screens
from handlers.screens.common import stale

log = logging.getLogger(__name__)


async def _reply(update: Update, screen, html: bool = False) -> None:
    text, markup = screen
    await update.effective_message.reply_text(text, parse_mode="HTML" if html else None,
                                              reply_markup=markup)


async def _link(update: Update, context: BotContext, *, phone: str | None = None,
                code: str | None = None) -> None:
    async with context.transaction() as session:
        linked = await identity.link_account(
            session, telegram_user_id=update.effective_user.id, chat_id=update.effective_chat.id,
            now=context.clock.now(), phone=phone, code=code)
    await _after_link(update, context, linked)


async def _after_link(update: Update, context: BotContext, linked: Linked) -> None:
    """Sent after the commit: the welcome with the menu, or why not."""
    result = linked.result
    if linked.linked:
        context.actor = linked.actor
        log.info("linked telegram user to cadre %s via %s", result.cadre.code, result.status)
        await _reply(update, screens.welcome(linked.actor, result.cadre))
        return
    await _reply(update, screens.not_linked(result.status, context.actor))


async def open_invite_link(update: Update, context: BotContext, code: str) -> None:
    """A linked person opened an invite link (/start CODE): one for another record moves their
    account there (SPEC §2.4) only once they confirm; they would lose their menu and roles.
    Called inside the update's transaction (the /start handler shares it)."""
    actor = context.actor
    async with context.transaction() as session:
        opened = await identity.open_invite(
            session, actor=actor, code=code, telegram_user_id=update.effective_user.id,
            chat_id=update.effective_chat.id, now=context.clock.now())
    if opened.linked is not None:
        await _after_link(update, context, opened.linked)
        return
    await _reply(update, screens.move_question(actor, opened.move_to,
                                               identity.normalize_invite(code)), html=True)


@one_transaction
async def on_relink_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    if tap is not None and tap.action is screens.MOVE:
        async with context.transaction() as session:
            linked = await identity.link_account(
                session, telegram_user_id=update.effective_user.id,
                chat_id=update.effective_chat.id, now=context.clock.now(), code=tap.code)
        await query.answer()
        await _after_link(update, context, linked)
        return
    await context.end_transaction()
    if tap is not None and tap.action is screens.KEEP:
        await query.answer()
        await edit_or_send(update, context, screens.kept(context.actor))
    else:
        await refuse(update, stale())


async def handle_unlinked(update: Update, context: BotContext) -> None:
    """Everything an unlinked user sends ends here (from the gate, whose transaction is still
    open for the linking); only onboarding is offered."""
    if update.callback_query is not None:
        await context.end_transaction()
        await update.callback_query.answer(screens.ask_again()[0], show_alert=True)
        raise ApplicationHandlerStop
    message = update.effective_message
    if message is None or update.edited_message is not None:
        raise ApplicationHandlerStop
    text = (message.text or "").strip()
    contact = message.contact
    if contact is not None and contact.user_id == update.effective_user.id:
        log.info("contact shared: %s", mask_phone(contact.phone_number))
        await _link(update, context, phone=contact.phone_number)
    elif contact is not None:
        await context.end_transaction()
        await _reply(update, screens.not_own_contact())
    elif text.startswith("/start") and text.partition(" ")[2].strip():
        await _link(update, context, code=text.partition(" ")[2].strip())
    elif text and not text.startswith("/start") and identity.looks_like_invite(text):
        await _link(update, context, code=text)
    else:
        await context.end_transaction()
        await _reply(update, screens.greeting() if text.startswith("/start")
                     else screens.ask_again())
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    """Linked people confirming a move to another record (unlinked ones never get here: the
    gate sends them to `handle_unlinked`)."""
    app.add_handler(CallbackQueryHandler(final(on_relink_callback), pattern=rf"^{screens.PREFIX}:"))
