"""/chitieu — an evaluator (or board) adjusts the targets of a cadre they evaluate,
before the entry is submitted; every change is audited and the cadre is told.
Texts and buttons: handlers/screens/targets.py; rules: bot.services.targets.

One update, one transaction: decode, one service call (with the flow's state), commit, then
the screen and the cadre's message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.services import flows
from bot.services import targets as rules
from bot.services.flows import Flow
from bot.services.kpi import KpiError
from bot.services.numbers import NotANumber, parse_number
from handlers import flowrouter
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import targets as screens
from handlers.screens.common import stale

log = logging.getLogger(__name__)
FLOW = "target"


@dataclass(frozen=True)
class Step:
    """One step of a target change: how the typed text is read, and the service call it feeds
    (inside the update's transaction), returning the screen and whom to tell."""

    read: Callable[[str], float]  # raises NotANumber
    act: Callable[..., Awaitable[rules.Changed]]  # (session, context, flow, value)


async def _target_typed(session, context: BotContext, flow: Flow, value: float) -> rules.Changed:
    return await rules.change(
        session, context.services.kpi, context.actor, cadre_id=flow.data["cadre_id"],
        product_id=flow.data["product_id"], period_id=flow.data["period_id"], quantity=value,
        now=context.clock.now(), today=context.today)


# ✏️ a target (flow "target"), started by the CHANGE button, which asks for the number:
#   step    typed text read as                        then
#   value → the new target (> 0; at most 100 for a %) → set and audited, the cadre told, flow ends
STEPS: dict[str, Step] = {
    "value": Step(read=parse_number, act=_target_typed),
}


@one_transaction
async def on_targets(update: Update, context: BotContext) -> None:
    actor = context.actor
    message = update.effective_message
    if not actor.is_supervisor:
        await context.end_transaction()
        await message.reply_text(screens.only_supervisors())
        return
    kpi = context.services.kpi
    try:
        async with context.transaction() as session:
            if context.args:  # /chitieu CODE: one cadre directly (the board's way in)
                cadre_id = await rules.cadre_id_of(session, actor, context.args[0])
                screen = screens.targets(await rules.targets_of(session, kpi, actor, cadre_id,
                                                                context.today))
            else:
                screen = screens.cadres(await rules.my_cadres(session, actor, 0), actor.is_board)
    except KpiError:
        await message.reply_text(screens.not_adjustable(context.args[0]), parse_mode="HTML")
        return
    await edit_or_send(update, context, *screen)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    actor = context.actor
    kpi = context.services.kpi
    try:
        if tap is None or not actor.is_supervisor:
            raise KpiError("forbidden")
        async with context.transaction() as session:
            if tap.action is screens.LIST:
                screen = screens.cadres(await rules.my_cadres(session, actor, tap.page),
                                        actor.is_board)
            elif tap.action is screens.CADRE:
                screen = screens.targets(await rules.targets_of(session, kpi, actor,
                                                                tap.cadre_id, context.today))
            else:  # CHANGE
                asked = await rules.ask(session, kpi, actor, tap.cadre_id, tap.product_id,
                                        context.today)
                await flows.set_flow(session, update.effective_chat.id, Flow(FLOW, "value", {
                    "cadre_id": asked.cadre_id, "product_id": asked.line.product_id,
                    "period_id": asked.period_id}), context.clock.now())
                screen = (screens.ask_value(asked), None)
    except KpiError:
        await context.end_transaction()
        await refuse(update, stale())
        return
    await query.answer()
    await edit_or_send(update, context, *screen)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = message.text or ""
    step = STEPS[flow.step]
    try:
        value = step.read(text)
    except NotANumber as error:
        await context.end_transaction()
        await message.reply_text(screens.value_not_a_number(text, error), parse_mode="HTML")
        return
    chat_id = update.effective_chat.id
    async with context.transaction() as session:
        try:
            change = await step.act(session, context, flow, value)
        except KpiError as error:  # refused before anything is written
            change, refusal = None, error
            if error.code not in screens.REFUSED:  # no longer changeable: the step ends
                await flows.clear_flow(session, chat_id)
        else:
            await flows.clear_flow(session, chat_id)
    if change is None:
        await message.reply_text(screens.refused(refusal))
        return
    await edit_or_send(update, context, *screens.changed(change))
    if change.cadre_chat_id is not None:
        try:
            await context.bot.send_message(change.cadre_chat_id, screens.told(change),
                                           parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the sheet shows the new target anyway
            log.info("could not tell the cadre about their target")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("chitieu", final(on_targets), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
