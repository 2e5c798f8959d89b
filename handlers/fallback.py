"""Last resort for anything no feature handled: a helpful answer, never silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import _
from handlers.common import stop_on_error
from handlers.menu import show_menu

FALLBACK_GROUP = 100


async def on_stale_button(update: Update, context: BotContext) -> None:
    await update.callback_query.answer(
        _("This button is no longer valid. Please open the function again from the menu."),
        show_alert=True,
    )


async def on_unknown_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message.text and message.text.startswith("/"):
        text = _("Unknown command. Type /trogiup to see what the bot can do.")
    elif message.text:
        text = _(
            "Sorry, I did not understand. Please choose a function from the menu below "
            "or type /trogiup for help."
        )
    elif message.document or message.photo:
        text = _(
            "This file does not belong to anything you are doing now. To attach evidence, "
            "open “📝 KPI report” and choose the product first."
        )
    else:
        text = _("I can only read text messages and button taps. Please use the menu below.")
    await show_menu(update, context, text)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(stop_on_error(on_stale_button)), FALLBACK_GROUP)
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
                       stop_on_error(on_unknown_message)),
        FALLBACK_GROUP,
    )
