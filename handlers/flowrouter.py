"""Routes a typed message or a file to the step of the flow the chat is in (state in DB)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.context import BotContext
from bot.services.flows import Flow
from handlers.common import one_transaction, stop_on_error

StepHandler = Callable[[Update, BotContext, Flow], Awaitable[None]]
ROUTES: dict[str, StepHandler] = {}

FLOW_GROUP = 10  # after menu labels and commands (group 0), before the fallback


def route(flow_name: str, handler: StepHandler) -> None:
    ROUTES[flow_name] = handler


@one_transaction
async def on_message(update: Update, context: BotContext) -> None:
    flow = context.flow  # read by the gate; no feature handler took this update
    if flow is None or flow.name not in ROUTES:
        return  # not in a flow: the fallback answers
    await ROUTES[flow.name](update, context, flow)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    content = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & content,
                       stop_on_error(on_message)),
        FLOW_GROUP,
    )
