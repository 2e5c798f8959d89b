"""Reminder settings: "⏰ Nhắc lại sau" (snooze to the next working morning), turning optional
reminders off and on (/caidat). Deadline reminders of overdue reports always go out.
Texts and buttons: handlers/screens/reminder_settings.py; rules: bot.services.reminder_settings."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.services import reminder_settings as settings
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import reminder_settings as screens
from handlers.screens.common import stale


@one_transaction
async def on_settings(update: Update, context: BotContext) -> None:
    async with context.transaction() as session:
        enabled = await settings.reminders_on(session, context.actor.cadre_id)
    await edit_or_send(update, context, *screens.settings_screen(enabled))


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    if tap is None:
        await context.end_transaction()
        await refuse(update, stale())
        return
    services = context.services
    async with context.transaction() as session:
        if tap.action is screens.SNOOZE:
            until = await settings.snooze(session, context.actor.cadre_id,
                                          now=context.clock.now(), tz=services.settings.tz,
                                          calendar=services.calendar, policy=services.policy)
        else:
            enabled = await settings.set_reminders(
                session, context.actor.cadre_id, False if tap.action is screens.OFF else None)
    if tap.action is screens.SNOOZE:
        await query.answer(screens.snoozed(until, services.settings.tz), show_alert=True)
        return
    await query.answer()
    await edit_or_send(update, context, *screens.settings_screen(enabled))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("caidat", final(on_settings), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
