"""Reminder settings: "⏰ Nhắc lại sau" (snooze to the next working morning), turning optional
reminders off and on (/caidat). Deadline reminders of overdue reports always go out."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import _, fmt_datetime
from bot.services.reminders import next_working_morning
from handlers.common import button, edit_or_send, final
from models import Cadre

ACTIONS = {"rm": ("z", "off", "t")}  # every button action this module answers


async def show(update: Update, context: BotContext, prefix: str = "") -> None:
    async with context.db.session() as session:
        me = await session.get(Cadre, context.actor.cadre_id)
    state = _("on") if me.reminders_enabled else _("off")
    text = _("⚙️ <b>Reminders</b>: {state}.\nReminders about overdue reports are always sent."
             ).format(state=state)
    label = _("🔕 Turn reminders off") if me.reminders_enabled else _("🔔 Turn reminders on")
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + text,
                       InlineKeyboardMarkup([[button(label, "rm", "t")]]))


async def on_settings(update: Update, context: BotContext) -> None:
    await show(update, context)


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    action = (query.data or "").split(":")[1] if ":" in (query.data or "") else ""
    now = context.clock.now()
    async with context.db.session() as session:
        me = await session.get(Cadre, context.actor.cadre_id)
        if action == "z":
            local = now.astimezone(context.services.settings.tz)
            me.snoozed_until = next_working_morning(local, context.services.calendar,
                                                    context.services.policy)
            text = _("⏰ I will remind you again at {time}.").format(
                time=fmt_datetime(me.snoozed_until, context.services.settings.tz))
        elif action in ("off", "t"):
            me.reminders_enabled = not me.reminders_enabled if action == "t" else False
            text = None
        else:
            await query.answer(_("This button is no longer valid. Please open the function again "
                                 "from the menu."), show_alert=True)
            return
    if text:
        await query.answer(text, show_alert=True)
        return
    await query.answer()
    await show(update, context)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("caidat", final(on_settings), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=r"^rm:"))
