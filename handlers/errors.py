"""Global error handler: log with context (masked), tell the user, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.db_health import is_outage
from bot.i18n import _
from bot.services import identity

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    outage = is_outage(error)  # logged once by the database's health, not per update
    if isinstance(update, Update):
        chat_id = update.effective_chat.id if update.effective_chat else None
        kind = "callback" if update.callback_query else "message" if update.message else "other"
        if not outage:
            log.error("error handling update %s (%s, chat %s)", update.update_id, kind,
                      chat_id, exc_info=error)
        if isinstance(error, Forbidden) and chat_id is not None:
            async with context.transaction() as session:  # committed before anything is sent
                await identity.mark_unreachable(session, chat_id)
            return
        if chat_id is not None and update.effective_chat.type == "private":
            if update.callback_query is not None:
                try:
                    await update.callback_query.answer()
                except TelegramError:
                    pass  # already answered, or too old
            text = (_("The system is briefly unavailable. Please try again in a few minutes; "
                      "what you had saved is kept.") if outage
                    else _("An error occurred, please try again."))
            try:
                await context.bot.send_message(chat_id, text)
            except TelegramError:
                log.warning("could not tell chat %s about the error", chat_id)
    elif not outage:
        log.error("error outside an update", exc_info=error)


def register(app: Application) -> None:
    app.add_error_handler(on_error)
