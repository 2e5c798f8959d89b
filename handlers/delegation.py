"""🔁 Ủy quyền: an evaluator lets another cadre review on their behalf for a while.
Texts and buttons: handlers/screens/delegation.py; rules: bot.services.delegation.

One update, one transaction: the tap or typed step is decoded, the service call and the flow's
state change share the update's transaction, the screen is sent after the commit, then the
delegate is told."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.services import delegation as rules
from bot.services import flows
from bot.services.flows import Flow
from bot.services.review import ReviewError
from handlers import flowrouter
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import delegation as screens

log = logging.getLogger(__name__)
FLOW = "delegate"


@dataclass(frozen=True)
class Answer:
    """What a step shows the evaluator, and (after the commit) what the delegate is told."""

    screen: tuple
    tell: tuple[int, str] | None = None  # (chat, text)
    refused: bool = False  # a step refused: one plain line in the chat


def _refused(error: ReviewError) -> Answer:
    return Answer((screens.error_text(error), None), refused=True)


@dataclass(frozen=True)
class Step:
    """One step of ➕ New delegation: how the typed text is read, and what it then does
    (inside the update's transaction)."""

    read: Callable[[str], object]  # raises ReviewError when the text cannot be used
    act: Callable[..., Awaitable[Answer]]  # (session, context, chat_id, flow, value) → Answer


async def _delegate_chosen(session, context: BotContext, chat_id: int, flow: Flow,
                           text: str) -> Answer:
    """A typed code (the person), or a name (the people it matches, to pick from)."""
    chosen = await rules.choose(session, context.actor.cadre_id, text)
    if isinstance(chosen, rules.Candidates):
        return Answer(screens.matches(chosen))
    return await _ask_duration(session, context, chat_id, chosen)


async def _ask_duration(session, context: BotContext, chat_id: int,
                        delegate: rules.Person) -> Answer:
    await flows.set_flow(session, chat_id, Flow(FLOW, "range", {"code": delegate.code}),
                         context.clock.now())
    return Answer(screens.ask_duration(delegate))


async def _dates_chosen(session, context: BotContext, chat_id: int, flow: Flow,
                        dates) -> Answer:
    change = await rules.create(session, delegator_id=context.actor.cadre_id,
                                delegate_code=flow.data["code"], starts_on=dates[0],
                                ends_on=dates[1], now=context.clock.now(), today=context.today)
    await flows.clear_flow(session, chat_id)
    tell = change.item.delegate.chat_id
    return Answer(screens.made(change), tell=(tell, screens.told_made(change)) if tell else None)


# ➕ New delegation (flow "delegate"), started by the NEW button, which shows the people of
# the evaluator's unit (PICK buttons, PEOPLE pages) and asks who:
#   step     typed text read as                       then
#   code   → a code (or a PICK tap)                  → asks how long (DAYS buttons) → "range"
#          → a name                                  → the people it matches (PICK); stays
#   range  → "01/12/2026 - 15/12/2026" (or a DAYS tap) → the delegation is made, flow ends
STEPS: dict[str, Step] = {
    "code": Step(read=str.strip, act=_delegate_chosen),
    "range": Step(read=rules.parse_range, act=_dates_chosen),
}


async def _send(update: Update, context: BotContext, answer: Answer) -> None:
    """After the commit: the evaluator's screen (a refused step: a line in the chat, as
    typed), then the delegate's message."""
    text, markup = answer.screen
    if update.callback_query is not None:
        await update.callback_query.answer()
    if answer.refused:
        await update.effective_message.reply_text(text)
    else:
        await edit_or_send(update, context, text, markup)
    if answer.tell is not None:
        try:
            await context.bot.send_message(answer.tell[0], answer.tell[1], parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the delegation stands even if the notice fails
            log.info("could not tell the delegate")


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    actor = context.actor
    chat_id = update.effective_chat.id
    today = context.today
    try:
        if tap is None or not actor.is_supervisor:
            raise ReviewError("not_found")
        async with context.transaction() as session:
            if tap.action is screens.MENU:
                items = await rules.overview(session, actor.cadre_id, today)
                flow = await flows.get_flow(session, chat_id)
                if flow is not None and flow.name == FLOW:  # ⬅️ from a new delegation
                    await flows.clear_flow(session, chat_id)
                answer = Answer(screens.overview(items))
            elif tap.action in (screens.NEW, screens.PEOPLE):
                page = tap.page if tap.action is screens.PEOPLE else 0
                found = await rules.candidates(session, actor.cadre_id, page)
                await flows.set_flow(session, chat_id, Flow(FLOW, "code", {}), context.clock.now())
                answer = Answer(screens.ask_who(found))
            elif tap.action is screens.PICK:
                flow = await flows.get_flow(session, chat_id)
                if flow is None or flow.name != FLOW or flow.step != "code":
                    raise ReviewError("not_found")
                delegate = await rules.pick(session, actor.cadre_id, tap.cadre_id)
                answer = await _ask_duration(session, context, chat_id, delegate)
            elif tap.action is screens.CANCEL:
                item = await rules.one_of_mine(session, actor.cadre_id, tap.delegation_id, today)
                answer = Answer(screens.confirm_cancel(item))
            elif tap.action is screens.CANCEL_OK:
                change = await rules.revoke(session, delegator_id=actor.cadre_id,
                                            delegation_id=tap.delegation_id,
                                            now=context.clock.now(), today=today)
                tell = change.item.delegate.chat_id
                answer = Answer(screens.cancelled(change),
                                tell=(tell, screens.told_cancelled(change)) if tell else None)
            else:  # DAYS: the "range" step answered with a button
                flow = await flows.get_flow(session, chat_id)
                if flow is None or flow.name != FLOW or flow.step != "range":
                    raise ReviewError("not_found")
                answer = await _step(session, context, chat_id, flow, "range",
                                     rules.days_from(today, tap.days))
    except ReviewError as error:
        await context.end_transaction()
        await refuse(update, screens.tap_refusal(error))
        return
    await _send(update, context, answer)


async def _step(session, context: BotContext, chat_id: int, flow: Flow, name: str,
                value) -> Answer:
    """A step's service call; a refusal is an answer in the chat (the flow stays where it is)."""
    try:  # the rules refuse before anything is written
        return await STEPS[name].act(session, context, chat_id, flow, value)
    except ReviewError as error:
        return _refused(error)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    text = (update.effective_message.text or "").strip()
    try:
        value = STEPS[flow.step].read(text)
    except ReviewError as error:
        answer = _refused(error)
    else:
        async with context.transaction() as session:
            answer = await _step(session, context, update.effective_chat.id, flow, flow.step,
                                 value)
    await context.end_transaction()
    await _send(update, context, answer)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
