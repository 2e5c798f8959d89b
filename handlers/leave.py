"""🏖 Time away from work: the cadre declares a leave (from 📊 Kết quả của tôi) or withdraws
it while it waits; the evaluator confirms or refuses it (from ✅ Phê duyệt). The rules and
what a confirmed leave changes: bot/services/leave.py.

One update, one transaction: decode the tap (or read the typed answer), call the service
inside the update's transaction, render the screen, send after the commit; the person told
about a declaration or a decision is told after it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import _, fmt_date
from bot.services import flows
from bot.services import leave as rules
from bot.services.flows import Flow
from bot.services.review import ReviewError
from handlers import flowrouter
from handlers.callbacks import Decoded, decode
from handlers.common import (
    edit_or_send,
    final,
    one_transaction,
    run_tap,
    tap_answer,
    typed_date,
)
from handlers.screens import leave as screens
from handlers.screens import review as review_screens
from handlers.screens.common import Screen

log = logging.getLogger(__name__)
FLOW = "leave"
REFUSE_STEP = "refuse"  # the evaluator types why a leave is refused (same flow name)
# what a message without text (a sticker, a photo) is told at each step
EMPTY = {"start": "date_format", "end": "date_format", REFUSE_STEP: "reason_required"}


@dataclass(frozen=True)
class Reply:
    screen: Screen | None = None  # edits the tapped message (or is sent)
    notify: tuple[int, Screen] | None = None  # (chat, screen): someone told after the commit


def _back() -> list:
    return [review_screens.PAGE.button(_("⬅️ Approvals"), 0)]


async def _draft_at(session, chat_id: int, step: str) -> dict:
    """The draft of the leave this chat is declaring, when it is at `step`."""
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step != step:
        raise ReviewError("not_found")
    return dict(flow.data)


async def _mine_screen(session, context: BotContext, prefix: str = "") -> Screen:
    return screens.mine_screen(await rules.mine(session, context.actor.cadre_id, context.today),
                               prefix)


# ---------------------------------------------------------------- what each button does

async def _mine(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW:
        await flows.clear_flow(session, chat_id)
    return Reply(await _mine_screen(session, context))


async def _new(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await flows.set_flow(session, chat_id, Flow(FLOW, "kind", {}), context.clock.now())
    return Reply(screens.ask_kind())


async def _kind(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    if tap.index >= len(screens.KINDS):
        raise ReviewError("not_found")
    await _draft_at(session, chat_id, "kind")
    kind = screens.KINDS[tap.index].value
    await flows.set_flow(session, chat_id, Flow(FLOW, "start", {"kind": kind}),
                         context.clock.now())
    return Reply(screens.ask_start(kind, fmt_date(context.today)))


async def _declared(session, context: BotContext, chat_id: int, data: dict,
                    note: str | None) -> Reply:
    declared = await rules.declare(
        session, actor=context.actor, kind=data["kind"], start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]), note=note, now=context.clock.now(),
        today=context.today)
    await flows.clear_flow(session, chat_id)
    notify = ((declared.evaluator_chat, screens.evaluator_notice(declared))
              if declared.evaluator_chat else None)
    return Reply(await _mine_screen(session, context, screens.declared_text(declared)), notify)


async def _skip(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return await _declared(session, context, chat_id, await _draft_at(session, chat_id, "note"),
                           None)


async def _cancel(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    leave = await rules.cancel(session, actor=context.actor, leave_id=tap.leave_id,
                               now=context.clock.now())
    prefix = _("🗑 Withdrawn: {span}.").format(span=screens.span_text(leave, False))
    return Reply(await _mine_screen(session, context, prefix))


async def _waiting(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    waiting = await rules.waiting(session, context.actor, context.today, tap.page)
    return Reply(screens.waiting_screen(waiting, back=_back()))


async def _decided(session, context: BotContext, chat_id: int, leave_id: int,
                   reason: str | None) -> Reply:
    decided = await rules.decide(session, actor=context.actor, leave_id=leave_id,
                                 confirm=reason is None, reason=reason,
                                 now=context.clock.now(), today=context.today)
    await flows.clear_flow(session, chat_id)
    notify = ((decided.cadre_chat, screens.cadre_notice(decided))
              if decided.cadre_chat else None)
    return Reply(screens.waiting_screen(decided.next, screens.decided_text(decided), _back()),
                 notify)


async def _confirm(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return await _decided(session, context, chat_id, tap.leave_id, None)


async def _refuse(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    leave, cadre = await rules.decidable(session, context.actor, tap.leave_id, context.today)
    await flows.set_flow(session, chat_id, Flow(FLOW, REFUSE_STEP, {"leave_id": leave.id}),
                         context.clock.now())
    return Reply(screens.reason_question(leave, cadre.full_name))


EVERYONE: dict = {screens.MINE: _mine, screens.NEW: _new, screens.KIND: _kind,
                  screens.SKIP: _skip, screens.CANCEL: _cancel}
SUPERVISORS: dict = {screens.WAITING: _waiting, screens.CONFIRM: _confirm,
                     screens.REFUSE: _refuse}


# ---------------------------------------------------------------- Telegram I/O

async def _tell(context: BotContext, notify: tuple[int, Screen] | None) -> None:
    if notify is None:
        return
    chat_id, (text, markup) = notify
    try:
        await context.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
    except Exception:  # noqa: BLE001 - the list in 🏖 / ✅ Phê duyệt shows it anyway
        log.info("could not tell someone about a leave")


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    answer = tap_answer(tap, context.actor, EVERYONE, SUPERVISORS)
    reply = await run_tap(update, context, tap, answer, screens.refusal)
    if reply is None:
        return
    await query.answer()
    if reply.screen is not None:
        await edit_or_send(update, context, *reply.screen)
    await _tell(context, reply.notify)


async def _step(session, context: BotContext, chat_id: int, flow: Flow, text: str) -> Reply:
    """The typed answer at a step: the next question, or what was declared or decided."""
    data, now, today = dict(flow.data), context.clock.now(), context.today
    if flow.step == REFUSE_STEP:
        return await _decided(session, context, chat_id, data["leave_id"], text)
    if flow.step == "start":
        start = typed_date(text)
        rules.check_start(start, today)
        await flows.set_flow(session, chat_id, Flow(FLOW, "end", {
            **data, "start": start.isoformat()}), now)
        return Reply(screens.ask_end(fmt_date(start)))
    if flow.step == "end":
        end = typed_date(text)
        rules.check_span(data["kind"], date.fromisoformat(data["start"]), end, today)
        await flows.set_flow(session, chat_id, Flow(FLOW, "note", {
            **data, "end": end.isoformat()}), now)
        return Reply(screens.ask_note())
    if flow.step == "note":
        return await _declared(session, context, chat_id, data, text)
    raise ReviewError("choose")  # "kind": a button is expected


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    chat_id = update.effective_chat.id
    async with context.transaction() as session:
        try:
            if not text:
                raise ReviewError(EMPTY.get(flow.step, "choose"))
            reply = await _step(session, context, chat_id, flow, text)
        except ReviewError as error:
            # a typo is asked again at the same step; anything else ends the flow
            if error.code not in screens.ASK_AGAIN:
                await flows.clear_flow(session, chat_id)
            again = screens.ask_kind() if error.code == "choose" and flow.step == "kind" else None
            reply = Reply((screens.refusal(error.code) + ("\n\n" + again[0] if again else ""),
                           again[1] if again else None))
    await message.reply_text(reply.screen[0], parse_mode="HTML", reply_markup=reply.screen[1])
    await _tell(context, reply.notify)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
