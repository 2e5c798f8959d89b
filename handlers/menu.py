"""Main menu (reply keyboard), /start, ❓ Trợ giúp, /huy, and the menu items still being built.
The items, labels and texts are in handlers/screens/menu.py."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import _
from bot.services import flows
from handlers import onboarding
from handlers.common import final, one_transaction
from handlers.screens import menu as screens
from handlers.screens.menu import ITEMS, MenuItem
from handlers.screens.menu import bot_commands as bot_commands  # bot.app sets the command list


async def send_menu(update: Update, screen: screens.MenuScreen, html: bool = False) -> None:
    text, keyboard = screen
    await update.effective_message.reply_text(
        text, parse_mode="HTML" if html else None, reply_markup=keyboard)


@one_transaction
async def on_start_linked(update: Update, context: BotContext) -> None:
    if context.args:  # a deep link with an invite code moves the link (SPEC §2.4), if confirmed
        await onboarding.open_invite_link(update, context, context.args[0])
        return
    await context.end_transaction()
    await send_menu(update, screens.greeting(context.actor))


async def on_help(update: Update, context: BotContext) -> None:
    assert context.actor is not None
    await send_menu(update, screens.help_screen(context.actor), html=True)


@one_transaction
async def on_cancel(update: Update, context: BotContext) -> None:
    async with context.transaction() as session:
        had_flow = await flows.clear_flow(session, update.effective_chat.id)
    await send_menu(update, screens.cancelled(context.actor, had_flow))


def coming_soon(item: MenuItem):
    async def handler(update: Update, context: BotContext) -> None:
        actor = context.actor
        assert actor is not None
        if item.supervisors_only and not actor.is_supervisor:
            await send_menu(update, screens.supervisors_only(actor, item))
            return
        await send_menu(update, screens.coming_soon(actor))

    return handler


def label_filter(item: MenuItem) -> filters.BaseFilter:
    return filters.ChatType.PRIVATE & filters.Text([_(item.label)])


def opens_menu_item(callback):
    """Opening a menu item leaves any flow in progress (what was saved stays saved). The flow
    is cleared in the update's transaction, which stays open for the item's own service call
    when its handler shares it (`one_transaction`); otherwise it is committed first."""
    shares = getattr(callback, "shares_update_transaction", False)

    @one_transaction
    async def wrapper(update: Update, context: BotContext) -> None:
        if context.flow is not None:
            session = await context.begin_update()  # the gate's transaction, still open
            await flows.clear_flow(session, update.effective_chat.id)
            context.flow = None
        if not shares:
            await context.end_transaction()
        await callback(update, context)

    return final(wrapper)


def register_item(app: Application, item: MenuItem, callback, group: int = 0) -> None:
    """Route an item's menu label and its /command to `callback`."""
    handler = opens_menu_item(callback)
    app.add_handler(CommandHandler(item.command, handler, filters.ChatType.PRIVATE), group)
    app.add_handler(MessageHandler(label_filter(item), handler), group)


# Items whose feature module has not registered a real handler yet.
PENDING: list[str] = []


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", final(on_start_linked), filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("huy", final(on_cancel), filters.ChatType.PRIVATE))
    register_item(app, ITEMS["help"], on_help)
    for key in PENDING:
        register_item(app, ITEMS[key], coming_soon(ITEMS[key]))
