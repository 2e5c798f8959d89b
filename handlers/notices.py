"""🔔 Thông báo: a cadre's received notices with the acknowledgement button; for the board,
composing a broadcast (audience, schedule, acknowledgement, preview with the exact count)
and its statistics. Sending is done by the outbox worker.

One update, one transaction: decode the tap (or read the typed answer), call the service
inside the update's transaction, render the screen, send after the commit. Sending a notice
takes two: the status message the outbox keeps up to date is sent before the notice is
written, so the notice can name it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.jobs.outbox import deliver
from bot.services import flows
from bot.services import notices as rules
from bot.services.answers import Answer, AnswerError
from bot.services.flows import Flow
from bot.services.notices import Draft, NoticeError
from bot.services.training import active_requirements
from handlers import flowrouter
from handlers.callbacks import Decoded, decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.menu import ITEMS, register_item
from handlers.screens import notices as screens
from handlers.screens.common import Screen, stale

FLOW = "notice"


@dataclass(frozen=True)
class NoticeShown:
    """A notice to send as its recipients see it (the attachment, then the text)."""

    notice: object  # a Notice or a Draft: text, attachment_kind, attachment_file_id
    markup: object = None


@dataclass(frozen=True)
class Preview:
    draft: Draft
    count: int


@dataclass(frozen=True)
class Alert:
    """The answer to a tap is a small alert only."""

    text: str
    show_alert: bool


Shown = Screen | NoticeShown | Preview | Alert


# ---------------------------------------------------------------- the composing flow

async def _take_text(session, context: BotContext, answer: Answer, data: dict) -> dict:
    return {**data, **rules.read_text(answer)}


async def _take_attachment(session, context: BotContext, answer: Answer, data: dict) -> dict:
    return {**data, **rules.read_attachment(answer)}


def _take_codes(key: str):
    async def take(session, context: BotContext, answer: Answer, data: dict) -> dict:
        audience = await rules.with_codes(session, data.get("audience", {}), key,
                                          rules.read_codes(answer))
        return {**data, "audience": audience}

    return take


async def _take_when(session, context: BotContext, answer: Answer, data: dict) -> dict:
    try:
        return {**data, **rules.read_when(answer, context.services.settings.tz,
                                          context.clock.now())}
    except AnswerError as error:
        if error.code == "when_format":
            error.info["example"] = _example_time(context)
        raise


def _example_time(context: BotContext):
    return rules.example_time(context.clock.now(), context.services.settings.tz,
                              context.services.calendar)


async def _ask_when(session, context: BotContext, data: dict) -> Screen:
    return screens.when_question(_example_time(context))


def _asks(screen: Callable[[], Screen]):
    async def show(session, context: BotContext, data: dict) -> Screen:
        return screen()

    return show


async def _show_audience(session, context: BotContext, data: dict) -> Screen:
    audience = data.get("audience", {})
    return screens.audience_screen(audience, await rules.recipient_count(session, audience,
                                                                         context.today))


async def _show_preview(session, context: BotContext, data: dict) -> Preview:
    draft = Draft.of(data)
    return Preview(draft, await rules.recipient_count(session, draft.audience, context.today))


@dataclass(frozen=True)
class Step:
    name: str
    show: Callable[..., Awaitable[Shown]]  # what entering the step shows
    take: Callable[..., Awaitable[dict]] | None  # a typed answer → the new draft (None: buttons)
    next: str | None  # where a typed answer leads


# The steps of composing a notice, in order. Buttons move between them too: NO_ATTACHMENT
# (attachment → audience), FILTER (audience ⇄ units, positions), CONTINUE (audience → ack),
# ACK_KIND (ack → when), NOW (when → preview), RECIPIENTS (preview → audience), SEND, CANCEL.
COMPOSE = {step.name: step for step in (
    Step("text", _asks(screens.text_question), _take_text, "attachment"),
    Step("attachment", _asks(screens.attachment_question), _take_attachment, "audience"),
    Step("audience", _show_audience, None, None),
    Step("units", _asks(screens.codes_question), _take_codes("units"), "audience"),
    Step("positions", _asks(screens.codes_question), _take_codes("positions"), "audience"),
    Step("ack", _asks(screens.ack_question), None, None),
    Step("when", _ask_when, _take_when, "preview"),
    Step("preview", _show_preview, None, None),
)}


async def _enter(session, context: BotContext, chat_id: int, name: str, data: dict) -> Shown:
    await flows.set_flow(session, chat_id, Flow(FLOW, name, data), context.clock.now())
    return await COMPOSE[name].show(session, context, data)


async def _draft(session, chat_id: int, needs: tuple[str, ...] = ("text",),
                 step: str | None = None) -> dict:
    """The draft of the notice this chat is composing, when it has come as far as the button
    tapped needs (an old button of another draft is refused)."""
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or (step is not None and flow.step != step) \
            or any(key not in flow.data for key in needs):
        raise NoticeError("not_found")
    return dict(flow.data)


# ---------------------------------------------------------------- what each button does

async def _list(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    inbox = await rules.received_by(session, context.actor.cadre_id, tap.page)
    return screens.inbox_screen(inbox, context.services.settings.tz, context.actor.is_board)


async def _open(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    opened = await rules.open_delivery(session, tap.delivery_id, context.actor.cadre_id)
    markup = (None if opened.acknowledged
              else screens.ack_markup(opened.notice.ack_kind, opened.delivery_id))
    return NoticeShown(opened.notice, markup)


async def _acknowledge(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    done = await rules.acknowledge(session, tap.delivery_id, context.actor.cadre_id,
                                   context.clock.now())
    return Alert(screens.acknowledged_text(done, context.services.settings.tz),
                 show_alert=not done.first)


async def _new(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    return await _enter(session, context, chat_id, "text", {})


async def _no_attachment(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    data = await _draft(session, chat_id, step="attachment")
    return await _enter(session, context, chat_id, "audience", data)


async def _filter(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    change = screens.filter_change(tap.what, tap.value)
    if change is None:
        raise NoticeError("not_found")
    data = await _draft(session, chat_id)
    audience = dict(data.get("audience", {}))
    kind = change[0]
    if kind == "reset":
        audience = {}
    elif kind == "toggle":
        audience = rules.toggled(audience, change[1], change[2])
    elif kind == "flag":
        audience[change[1]] = not audience.get(change[1])
    elif kind == "ask":  # the unit or position codes, typed
        return await _enter(session, context, chat_id, change[1], {**data, "audience": audience})
    elif kind == "requirements":
        return screens.requirements_choice(await active_requirements(session))
    elif kind == "missing":
        audience["missing"] = await rules.requirement_code(session, change[1])
    return await _enter(session, context, chat_id, "audience", {**data, "audience": audience})


async def _continue(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    return await _enter(session, context, chat_id, "ack", await _draft(session, chat_id))


async def _recipients(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    return await _enter(session, context, chat_id, "audience", await _draft(session, chat_id))


async def _ack_kind(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    if tap.choice >= len(screens.ACK_CHOICES):
        raise NoticeError("not_found")
    data = await _draft(session, chat_id)
    return await _enter(session, context, chat_id, "when",
                        {**data, "ack": screens.ACK_CHOICES[tap.choice].value})


async def _now(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    data = await _draft(session, chat_id, needs=("text", "ack"))
    return await _enter(session, context, chat_id, "preview", {**data, "at": None})


async def _cancel(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    await flows.clear_flow(session, chat_id)
    return screens.cancelled_text(), None


async def _recent(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    return screens.recent_screen(await rules.recent(session))


async def _stats(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    return screens.stats_screen(await rules.notice_stats(session, tap.notice_id))


async def _follow_up(session, context: BotContext, chat_id: int, tap: Decoded) -> Shown:
    count = await rules.remind(session, tap.notice_id, context.clock.now(), context.today,
                               screens.follow_up_heading())
    return screens.reminded_text(count), None


EVERYONE = {screens.LIST: _list, screens.OPEN: _open, screens.ACK: _acknowledge}
BOARD = {screens.NEW: _new, screens.NO_ATTACHMENT: _no_attachment, screens.FILTER: _filter,
         screens.CONTINUE: _continue, screens.RECIPIENTS: _recipients,
         screens.ACK_KIND: _ack_kind, screens.NOW: _now, screens.CANCEL: _cancel,
         screens.RECENT: _recent, screens.STATS: _stats, screens.FOLLOW_UP: _follow_up}
# screens.SEND: _send below (two transactions)


# ---------------------------------------------------------------- Telegram I/O

async def send_notice(bot, chat_id: int, notice, markup) -> int:
    """Send a notice (or the draft of one) as its recipients see it; the message id."""
    return await deliver(bot, notice, chat_id, screens.notice_text(notice.text), markup)


async def _show(update: Update, context: BotContext, shown: Shown) -> None:
    chat_id = update.effective_chat.id
    if isinstance(shown, NoticeShown):
        await send_notice(context.bot, chat_id, shown.notice, shown.markup)
    elif isinstance(shown, Preview):
        await context.bot.send_message(chat_id, screens.preview_heading())
        await send_notice(context.bot, chat_id, shown.draft,
                          screens.ack_markup(shown.draft.ack_kind, 0))
        text, markup = screens.confirm_screen(shown.draft, shown.count,
                                              context.services.settings.tz)
        await context.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
    else:
        await edit_or_send(update, context, *shown)


@one_transaction  # joins the update's transaction once menu items share it
async def on_notices(update: Update, context: BotContext) -> None:
    async with context.transaction() as session:
        inbox = await rules.received_by(session, context.actor.cadre_id, 0)
    await edit_or_send(update, context, *screens.inbox_screen(
        inbox, context.services.settings.tz, context.actor.is_board))


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    if tap is not None and tap.action is screens.SEND and context.actor.is_board:
        await _send(update, context)
        return
    answer = EVERYONE.get(tap.action) if tap is not None else None
    if answer is None and tap is not None and context.actor.is_board:
        answer = BOARD.get(tap.action)
    try:
        if answer is None:
            raise NoticeError("not_found")
        async with context.transaction() as session:
            shown = await answer(session, context, update.effective_chat.id, tap)
    except NoticeError:
        await context.end_transaction()
        await refuse(update, stale())
        return
    if isinstance(shown, Alert):
        await query.answer(shown.text, show_alert=shown.show_alert)
        return
    await query.answer()
    await _show(update, context, shown)


async def _send(update: Update, context: BotContext) -> None:
    """📤 Confirm and send: the status message first (the outbox keeps it up to date), then
    the notice and its deliveries; a second tap finds no draft."""
    query, chat_id = update.callback_query, update.effective_chat.id
    try:
        async with context.transaction() as session:
            await _draft(session, chat_id, needs=("text", "ack"), step="preview")
    except NoticeError:
        await refuse(update, stale())
        return
    status = await context.bot.send_message(chat_id, screens.preparing_text())
    try:
        async with context.transaction() as session:
            draft = Draft.of(await _draft(session, chat_id, needs=("text", "ack"),
                                          step="preview"))
            if not await flows.clear_flow(session, chat_id):
                raise NoticeError("not_found")
            queued = await rules.send_draft(session, draft, author_id=context.actor.cadre_id,
                                            now=context.clock.now(), today=context.today,
                                            status_chat=(chat_id, status.message_id))
    except NoticeError:
        await status.edit_text(stale())
        await query.answer()
        return
    await status.edit_text(screens.queued_text(queued, draft.at, context.services.settings.tz))
    await query.answer()


def _answer_of(update: Update) -> Answer:
    message = update.effective_message
    return Answer(text=(message.text or "").strip(),
                  photo_id=message.photo[-1].file_id if message.photo else None,
                  document_id=message.document.file_id if message.document else None)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    """A typed answer (or a file) at a step of composing."""
    step = COMPOSE.get(flow.step)
    chat_id = update.effective_chat.id
    try:
        if step is None or step.take is None:
            raise AnswerError("buttons")
        async with context.transaction() as session:
            data = await step.take(session, context, _answer_of(update), dict(flow.data))
            shown = await _enter(session, context, chat_id, step.next, data)
    except (AnswerError, NoticeError) as error:
        await context.end_transaction()
        await update.effective_message.reply_text(screens.answer_error(error.code, error.info))
        return
    await _show(update, context, shown)


def register(app: Application) -> None:
    register_item(app, ITEMS["notices"], on_notices)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
