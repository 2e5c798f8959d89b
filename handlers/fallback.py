"""Last resort for anything no feature handled: a helpful answer, never silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.common import stop_on_error
from handlers.screens import menu as screens
from handlers.screens.common import stale

FALLBACK_GROUP = 100


async def on_stale_button(update: Update, context: BotContext) -> None:
    await update.callback_query.answer(stale(), show_alert=True)


async def on_unknown_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    text, keyboard = screens.unknown_message(context.actor, message.text,
                                             bool(message.document or message.photo))
    await message.reply_text(text, reply_markup=keyboard)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(stop_on_error(on_stale_button)), FALLBACK_GROUP)
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
                       stop_on_error(on_unknown_message)),
        FALLBACK_GROUP,
    )
