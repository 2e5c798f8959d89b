"""📚 Bồi dưỡng: my obligations with status and progress, declaring a completed course
(with a certificate photo or PDF), and verification by the evaluator or the board.

One update, one transaction: decode the tap (or read the typed answer), call the service
inside the update's transaction, render the screen, send after the commit; the person
told about a declaration or a decision is told after it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.services import flows
from bot.services import training as rules
from bot.services.answers import Answer, AnswerError
from bot.services.flows import Flow
from bot.services.review import ReviewError
from handlers import flowrouter
from handlers.callbacks import Decoded, decode
from handlers.common import (
    edit_or_send,
    final,
    one_transaction,
    refuse,
    run_tap,
    tap_answer,
)
from handlers.menu import ITEMS, register_item
from handlers.screens import training as screens
from handlers.screens import verification
from handlers.screens.common import Screen, stale

if TYPE_CHECKING:
    from models import TrainingRecord

log = logging.getLogger(__name__)
FLOW = "course"
REJECT_STEP = "reject"  # the verifier types why a course is rejected (same flow name)


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[dict, int], Screen]  # the question (the draft, the step's number)
    read: Callable[[Answer, date], dict] | None  # a typed answer → what it stores (None: buttons)
    skippable: bool = False  # ⏭ Skip goes on to the next step


# Declaring a course, in order. A step's position is its number on the ⏭ Skip button
# ("tr:s:2" skips "provider"): keep the order, add steps at the end only.
DECLARE = (
    Step("title", screens.ask_title, rules.read_title),
    Step("category", screens.ask_category, None),  # CATEGORY buttons
    Step("provider", screens.ask_provider, rules.read_provider, skippable=True),
    Step("dates", screens.ask_dates, rules.read_dates),
    Step("hours", screens.ask_hours, rules.read_hours),
    Step("cert_no", screens.ask_certificate_no, rules.read_certificate_no, skippable=True),
    Step("file", screens.ask_certificate_file, rules.read_certificate_file, skippable=True),
    Step("confirm", screens.ask_confirmation, None),  # CONFIRM, or NEW to start again
)
NUMBER = {step.name: number for number, step in enumerate(DECLARE)}


@dataclass(frozen=True)
class Reply:
    screen: Screen | None = None  # edits the tapped message (or is sent)
    notify: tuple[int, str] | None = None  # (chat, text): someone told after the commit
    certificate: TrainingRecord | None = None  # its file is sent


async def _ask(session, context: BotContext, chat_id: int, number: int, data: dict) -> Screen:
    step = DECLARE[number]
    await flows.set_flow(session, chat_id, Flow(FLOW, step.name, data), context.clock.now())
    return step.ask(data, number)


async def _draft_at(session, chat_id: int, step: str) -> dict:
    """The draft of the course this chat is declaring, when it is at `step`."""
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step != step:
        raise ReviewError("not_found")
    return dict(flow.data)


# ---------------------------------------------------------------- what each button does

async def _mine(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return Reply(screens.overview_screen(await rules.overview(session, context.actor,
                                                              context.today)))


async def _new(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return Reply(await _ask(session, context, chat_id, 0, {}))


async def _category(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    if tap.index >= len(screens.CATEGORIES):
        raise ReviewError("not_found")
    data = await _draft_at(session, chat_id, "category")
    data["category"] = screens.CATEGORIES[tap.index][0].value
    return Reply(await _ask(session, context, chat_id, NUMBER["category"] + 1, data))


async def _skip(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    if tap.step >= len(DECLARE) or not DECLARE[tap.step].skippable:
        raise ReviewError("not_found")
    data = await _draft_at(session, chat_id, DECLARE[tap.step].name)
    return Reply(await _ask(session, context, chat_id, tap.step + 1, data))


async def _confirm(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "confirm")
    declared = await rules.declare_course(session, context.actor, data, context.clock.now())
    await flows.clear_flow(session, chat_id)
    view = await rules.overview(session, context.actor, context.today)
    notify = ((declared.evaluator_chat, screens.evaluator_notice(declared))
              if declared.evaluator_chat else None)
    return Reply(screens.overview_screen(view, prefix=screens.declared_text(declared)), notify)


async def _leave_rejection(session, chat_id: int) -> None:
    """Back from typing a rejection's reason: the chat no longer waits for it."""
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW and flow.step == REJECT_STEP:
        await flows.clear_flow(session, chat_id)


async def _pending(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    """🗂 The verification list (PENDING: its first page; PENDING_PAGE: another)."""
    await _leave_rejection(session, chat_id)
    page = tap.page if tap.action is screens.PENDING_PAGE else 0
    return Reply(verification.list_screen(await rules.waiting_list(session, context.actor,
                                                                   page)))


async def _course(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _leave_rejection(session, chat_id)
    return Reply(verification.course_screen(*await rules.waiting_course(
        session, context.actor, tap.record_id)))


async def _requirements(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return Reply(screens.requirements_screen(await rules.active_requirements(session)))


async def _decided(session, context: BotContext, chat_id: int, record_id: int,
                   reason: str | None) -> Reply:
    decision = await rules.decide(session, context.actor, record_id, approve=reason is None,
                                  reason=reason, now=context.clock.now())
    await flows.clear_flow(session, chat_id)
    notify = ((decision.cadre_chat, screens.cadre_notice(decision))
              if decision.cadre_chat else None)
    return Reply(verification.decided_screen(decision), notify)


async def _verify(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return await _decided(session, context, chat_id, tap.record_id, None)


async def _reject(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await rules.waiting_course(session, context.actor, tap.record_id)
    await flows.set_flow(session, chat_id, Flow(FLOW, REJECT_STEP, {"record_id": tap.record_id}),
                         context.clock.now())
    return Reply(verification.reason_question(tap.record_id))


async def _certificate(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return Reply(certificate=await rules.verifiable(session, context.actor, tap.record_id))


EVERYONE = {screens.OPEN_MINE: _mine, screens.NEW: _new, screens.CATEGORY: _category,
            screens.SKIP: _skip, screens.CONFIRM: _confirm}
SUPERVISORS = {screens.PENDING: _pending, screens.PENDING_PAGE: _pending,
               screens.COURSE: _course, screens.VERIFY: _verify, screens.REJECT: _reject,
               screens.CERTIFICATE: _certificate}
BOARD = {screens.REQUIREMENTS: _requirements}


# ---------------------------------------------------------------- Telegram I/O

async def _tell(context: BotContext, notify: tuple[int, str] | None) -> None:
    if notify is None:
        return
    try:
        await context.bot.send_message(notify[0], notify[1], parse_mode="HTML")
    except Exception:  # noqa: BLE001 - 📚 Bồi dưỡng shows it anyway
        log.info("could not tell someone about a declared course")


@one_transaction  # joins the update's transaction once menu items share it
async def on_training(update: Update, context: BotContext) -> None:
    async with context.transaction() as session:
        view = await rules.overview(session, context.actor, context.today)
    await edit_or_send(update, context, *screens.overview_screen(view))


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    actor = context.actor
    answer = tap_answer(tap, actor, EVERYONE, SUPERVISORS, BOARD)
    reply = await run_tap(update, context, tap, answer, screens.refusal)
    if reply is None:
        return
    if reply.certificate is not None:
        record = reply.certificate
        send = (context.bot.send_photo if record.certificate_kind == "photo"
                else context.bot.send_document)
        try:
            await send(update.effective_chat.id, record.certificate_file_id)
        except BadRequest:  # the file is no longer on Telegram's side
            await refuse(update, screens.certificate_gone())
            return
    await query.answer()
    if reply.screen is not None:
        await edit_or_send(update, context, *reply.screen)
    await _tell(context, reply.notify)


def _answer_of(update: Update) -> Answer:
    message = update.effective_message
    document = message.document
    return Answer(text=(message.text or "").strip(),
                  photo_id=message.photo[-1].file_id if message.photo else None,
                  document_id=document.file_id if document else None,
                  mime_type=(document.mime_type or "") if document else "",
                  file_size=(document.file_size or 0) if document else 0)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    """A typed answer (or a certificate) at a step of declaring, or a rejection's reason."""
    message = update.effective_message
    answer, chat_id = _answer_of(update), update.effective_chat.id
    number = NUMBER.get(flow.step)
    try:
        if flow.step == REJECT_STEP:
            reason = rules.read_reason(answer, context.today)["reason"]
            async with context.transaction() as session:
                reply = await _decided(session, context, chat_id, flow.data["record_id"], reason)
        else:
            step = DECLARE[number] if number is not None else None
            if step is None or step.read is None:
                raise AnswerError("ask_again")
            data = {**flow.data, **step.read(answer, context.today)}
            async with context.transaction() as session:
                reply = Reply(await _ask(session, context, chat_id, number + 1, data))
    except AnswerError as error:
        await context.end_transaction()
        if error.code == "ask_again" and number is not None:
            question, markup = DECLARE[number].ask(flow.data, number)
            await message.reply_text(screens.answer_error(error.code, error.info, answer.text)
                                     + "\n\n" + question, parse_mode="HTML", reply_markup=markup)
        elif error.code == "not_a_number":
            await message.reply_text(screens.answer_error(error.code, error.info, answer.text),
                                     parse_mode="HTML")
        elif flow.step == REJECT_STEP:  # asked again, with the way back to the course
            _text, back = verification.reason_question(flow.data["record_id"])
            await message.reply_text(screens.answer_error(error.code, error.info, answer.text),
                                     reply_markup=back)
        else:
            await message.reply_text(screens.answer_error(error.code, error.info, answer.text))
        return
    except ReviewError:
        await context.end_transaction()
        await message.reply_text(stale())
        return
    await edit_or_send(update, context, *reply.screen)
    await _tell(context, reply.notify)


def register(app: Application) -> None:
    register_item(app, ITEMS["training"], on_training)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
