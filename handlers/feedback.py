"""📣 /phananh CODE: the Organization Board records one feedback record (phản ánh) about a
cadre or a unit in the chat — the content, the source, the outcome — received today. Files
of many records: `cadrebot import feedback` or the same file sent in the chat. The rules:
bot/services/feedback.py; the texts: handlers/screens/feedback.py."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import _
from bot.services import feedback, flows
from bot.services.feedback import FLOW, FeedbackError
from bot.services.flows import Flow
from handlers import flowrouter
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import feedback as screens


@one_transaction
async def on_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    try:
        async with context.transaction() as session:
            subject = await feedback.subject_by_code(session, context.actor,
                                                     args[0] if args else None)
    except FeedbackError as error:
        await update.effective_message.reply_text(screens.refusal(error))
        return
    text, markup = screens.subject_screen(subject)
    await update.effective_message.reply_text(text, parse_mode="HTML", reply_markup=markup)


async def _draft_at(session, chat_id: int, step: str) -> dict:
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step != step:
        raise FeedbackError("not_found")
    return dict(flow.data)


async def _save(session, context: BotContext, chat_id: int, draft: dict, outcome):
    entry, subject = await feedback.record(session, context.actor, draft, outcome,
                                           now=context.clock.now(), today=context.today)
    await flows.clear_flow(session, chat_id)
    return screens.recorded(entry.code, subject, entry.received_on)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    chat_id, now = update.effective_chat.id, context.clock.now()
    try:
        if tap is None:
            raise FeedbackError("not_found")
        async with context.transaction() as session:
            if tap.action in (screens.NEW_CADRE, screens.NEW_UNIT):
                subject, draft = await feedback.start(
                    session, context.actor,
                    cadre_id=tap.cadre_id if tap.action is screens.NEW_CADRE else None,
                    unit_id=tap.unit_id if tap.action is screens.NEW_UNIT else None)
                await flows.set_flow(session, chat_id, Flow(FLOW, "content", draft), now)
                screen = screens.ask_content(subject)
            elif tap.action is screens.SOURCE:
                if context.actor is None or not context.actor.is_board:
                    raise FeedbackError("board_only")
                draft = await _draft_at(session, chat_id, "source")
                if tap.index >= len(screens.SOURCES):
                    raise FeedbackError("not_found")
                draft["source"] = _(screens.SOURCES[tap.index])
                await flows.set_flow(session, chat_id, Flow(FLOW, "outcome", draft), now)
                screen = screens.ask_outcome()
            else:  # ⏭ not handled yet
                if context.actor is None or not context.actor.is_board:
                    raise FeedbackError("board_only")
                screen = await _save(session, context, chat_id,
                                     await _draft_at(session, chat_id, "outcome"), None)
    except FeedbackError as error:
        await context.end_transaction()
        await refuse(update, screens.refusal(error))
        return
    await query.answer()
    await edit_or_send(update, context, *screen)


async def _step(session, context: BotContext, chat_id: int, flow: Flow, text: str):
    draft, now = dict(flow.data), context.clock.now()
    if context.actor is None or not context.actor.is_board:
        raise FeedbackError("board_only")
    if flow.step == "content":
        draft["content"] = feedback.checked_text(text, feedback.CONTENT_LIMIT)
        await flows.set_flow(session, chat_id, Flow(FLOW, "source", draft), now)
        return screens.ask_source()
    if flow.step == "source":
        draft["source"] = feedback.checked_text(text, feedback.SOURCE_LIMIT)
        await flows.set_flow(session, chat_id, Flow(FLOW, "outcome", draft), now)
        return screens.ask_outcome()
    return await _save(session, context, chat_id, draft,
                       feedback.checked_text(text, feedback.CONTENT_LIMIT))


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    chat_id = update.effective_chat.id
    async with context.transaction() as session:
        try:
            screen = await _step(session, context, chat_id, flow, text)
        except FeedbackError as error:
            # a typo is asked again at the same step; anything else ends the flow
            if error.code not in screens.ASK_AGAIN:
                await flows.clear_flow(session, chat_id)
            screen = (screens.refusal(error), None)
    await message.reply_text(screen[0], parse_mode="HTML", reply_markup=screen[1])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("phananh", final(on_command), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
