"""📨 Kiến nghị: the cadre disagrees with an evaluation (from 📊 Kết quả của tôi) and sends a
reason and, optionally, a file; the one who must answer (from ✅ Phê duyệt) keeps it or
changes it, with a reason. Rules: bot.services.appeals.

One update, one transaction: decode the tap (or read the typed answer or the file), call the
service inside the update's transaction, render the screen, send after the commit; the person
told about a kiến nghị or its answer is told after it too. A refused step rolls its
transaction back, so an answer refused half-way (the cap, a locked period) leaves nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import _
from bot.services import appeals as rules
from bot.services import flows
from bot.services.entry_rules import meaningful
from bot.services.flows import Flow
from bot.services.numbers import NotANumber, parse_number
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
from handlers.screens import appeals as screens
from handlers.screens import review as review_screens
from handlers.screens.common import Screen
from models.enums import Band

log = logging.getLogger(__name__)
FLOW = "appeal"
# the cadre: "reason" (typed) → "file" (a photo, a document, or ⏭) → "confirm" (buttons);
# the one who answers: "keep" (the reason), "points" (a period's new criteria points),
# "change" (the reason of a change; the band or the points in the draft)
CADRE_STEPS = {"reason", "file", "confirm"}
EMPTY = {"reason": "reason_required", "keep": "reason_required", "change": "reason_required",
         "points": "criteria_range", "file": "file_kind"}


@dataclass(frozen=True)
class Reply:
    screen: Screen | None = None  # edits the tapped message (or is sent)
    notify: tuple[tuple[int, ...], Screen] | None = None  # (chats, screen): told after commit
    file: tuple[str, str] | None = None  # (kind, file_id) sent to the caller


def _back() -> list:
    return [review_screens.PAGE.button(_("⬅️ Approvals"), 0)]


async def _draft_at(session, chat_id: int, *steps: str) -> dict:
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step not in steps:
        raise ReviewError("not_found")
    return dict(flow.data)


def _services(context: BotContext):
    return context.services.policy, context.services.calendar


async def _mine_screen(session, context: BotContext, prefix: str = "") -> Screen:
    policy, calendar = _services(context)
    cadre_id = context.actor.cadre_id
    return screens.mine_screen(
        await rules.mine(session, cadre_id),
        await rules.appealable(session, cadre_id, context.today, policy, calendar), prefix)


# ---------------------------------------------------------------- the cadre

async def _mine(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW:
        await flows.clear_flow(session, chat_id)
    return Reply(await _mine_screen(session, context))


async def _new(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    policy, calendar = _services(context)
    subject = await rules.subject_for(session, context.actor, tap.evaluation_id, context.today,
                                      policy, calendar)
    await flows.set_flow(session, chat_id, Flow(FLOW, "reason", {
        "evaluation_id": subject.evaluation.id}), context.clock.now())
    return Reply(screens.ask_reason(subject))


async def _confirm_screen(session, context: BotContext, data: dict) -> Screen:
    policy, calendar = _services(context)
    subject = await rules.subject_for(session, context.actor, data["evaluation_id"],
                                      context.today, policy, calendar)
    handler = await rules.handler_for(session, context.actor.cadre_id)
    return screens.confirm_screen(subject, data["reason"], bool(data.get("file_id")),
                                  handler.full_name if handler else None)


async def _skip(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "file")
    await flows.set_flow(session, chat_id, Flow(FLOW, "confirm", data), context.clock.now())
    return Reply(await _confirm_screen(session, context, data))


async def _send(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "confirm")
    policy, calendar = _services(context)
    sent = await rules.send(session, actor=context.actor, evaluation_id=data["evaluation_id"],
                            reason=data["reason"], file_id=data.get("file_id"),
                            file_kind=data.get("file_kind"), now=context.clock.now(),
                            today=context.today, policy=policy, calendar=calendar)
    await flows.clear_flow(session, chat_id)
    notify = (tuple(sent.tell), screens.handler_notice(sent)) if sent.tell else None
    return Reply(await _mine_screen(session, context, screens.sent_text(sent)), notify)


async def _drop(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _draft_at(session, chat_id, *CADRE_STEPS)
    await flows.clear_flow(session, chat_id)
    return Reply(await _mine_screen(session, context, screens.dropped_text()))


# ---------------------------------------------------------------- the one who answers

async def _waiting(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW:
        await flows.clear_flow(session, chat_id)
    waiting = await rules.waiting(session, context.actor, context.today, tap.page)
    return Reply(screens.waiting_screen(waiting, back=_back()))


async def _view(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    view = await rules.answerable(session, context.actor, tap.appeal_id, context.today)
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW:
        await flows.clear_flow(session, chat_id)
    return Reply(screens.view_screen(view, context.services.policy, context.today))


async def _file(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    view = await rules.answerable(session, context.actor, tap.appeal_id, context.today)
    if not view.appeal.file_id:
        raise ReviewError("not_found")
    # the file, then the kiến nghị again under it (its buttons at hand)
    return Reply(screens.view_screen(view, context.services.policy, context.today),
                 file=(view.appeal.file_kind or "document", view.appeal.file_id))


async def _keep(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    view = await rules.answerable(session, context.actor, tap.appeal_id, context.today)
    await flows.set_flow(session, chat_id, Flow(FLOW, "keep", {"appeal_id": view.appeal.id}),
                         context.clock.now())
    return Reply(screens.keep_question(view))


async def _change(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    view = await rules.answerable(session, context.actor, tap.appeal_id, context.today)
    if view.yearly:
        return Reply(screens.band_question(view))
    await flows.set_flow(session, chat_id, Flow(FLOW, "points", {"appeal_id": view.appeal.id}),
                         context.clock.now())
    return Reply(screens.points_question(view, context.services.policy))


async def _band(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    view = await rules.answerable(session, context.actor, tap.appeal_id, context.today)
    band = Band(tap.band)
    if not view.yearly or band.value == view.evaluation.band:
        raise ReviewError("not_found")
    await flows.set_flow(session, chat_id, Flow(FLOW, "change", {
        "appeal_id": view.appeal.id, "band": band.value}), context.clock.now())
    return Reply(screens.change_reason_question(view, screens.new_band_text(band)))


async def _answered(session, context: BotContext, chat_id: int, data: dict,
                    reason: str) -> Reply:
    services = context.services
    answered = await rules.answer(
        session, actor=context.actor, appeal_id=data["appeal_id"], reason=reason,
        now=context.clock.now(), today=context.today, rating=services.rating,
        annual=services.annual, band=Band(data["band"]) if data.get("band") else None,
        criteria=data.get("criteria"))
    await flows.clear_flow(session, chat_id)
    notify = (((answered.cadre_chat,), screens.cadre_notice(answered))
              if answered.cadre_chat else None)
    return Reply(screens.waiting_screen(answered.next, screens.answered_text(answered),
                                        _back()), notify)


EVERYONE: dict = {screens.MINE: _mine, screens.NEW: _new, screens.SKIP: _skip,
                  screens.SEND: _send, screens.DROP: _drop}
SUPERVISORS: dict = {screens.WAITING: _waiting, screens.VIEW: _view, screens.FILE: _file,
                     screens.KEEP: _keep, screens.CHANGE: _change, screens.BAND: _band}


# ---------------------------------------------------------------- Telegram I/O

async def _tell(context: BotContext, notify) -> None:
    if notify is None:
        return
    chats, (text, markup) = notify
    for chat_id in chats:
        try:
            await context.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
        except Exception:  # noqa: BLE001 - ✅ Phê duyệt and 📨 list it anyway
            log.info("could not tell someone about a kiến nghị")


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    answer = tap_answer(tap, context.actor, EVERYONE, SUPERVISORS)
    reply = await run_tap(update, context, tap, answer, screens.refusal)
    if reply is None:
        return
    if reply.file is not None:
        kind, file_id = reply.file
        send = context.bot.send_photo if kind == "photo" else context.bot.send_document
        try:
            await send(update.effective_chat.id, file_id)
        except BadRequest:  # the file is no longer on Telegram's side
            await refuse(update, screens.refusal("file_gone"))
            return
        await query.answer()
        text, markup = reply.screen
        await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML",
                                       reply_markup=markup)
        return
    await query.answer()
    if reply.screen is not None:
        await edit_or_send(update, context, *reply.screen)
    await _tell(context, reply.notify)


def _points(text: str, count: int) -> list[float]:
    parts = text.replace(";", " ").split()
    if len(parts) != count:
        raise ReviewError("criteria_range")
    try:
        return [parse_number(part) for part in parts]
    except NotANumber:
        raise ReviewError("criteria_range") from None


async def _step(session, context: BotContext, chat_id: int, flow: Flow, update: Update) -> Reply:
    """The typed answer (or the file) at a step: the next question, or what was sent or
    answered."""
    message = update.effective_message
    text = (message.text or "").strip()
    data, now = dict(flow.data), context.clock.now()
    if flow.step == "file":
        document = message.document
        if message.photo:
            data.update(file_id=message.photo[-1].file_id, file_kind="photo")
        elif document is not None:
            data.update(file_id=document.file_id, file_kind="document")
        else:
            raise ReviewError("file_kind")
        await flows.set_flow(session, chat_id, Flow(FLOW, "confirm", data), now)
        return Reply(await _confirm_screen(session, context, data))
    if not text:
        raise ReviewError(EMPTY.get(flow.step, "choose"))
    if flow.step == "reason":
        if not meaningful(text):
            raise ReviewError("reason_required")
        if len(text) > rules.REASON_MAX:
            raise ReviewError("reason_too_long")
        await flows.set_flow(session, chat_id, Flow(FLOW, "file", {**data, "reason": text}), now)
        return Reply(screens.ask_file())
    if flow.step == "keep":
        return await _answered(session, context, chat_id, data, text)
    if flow.step == "points":
        criteria = context.services.policy.scoring.general_criteria
        values = _points(text, len(criteria))
        chosen = rules.check_criteria({c.key: v for c, v in zip(criteria, values, strict=True)},
                                      context.services.policy)
        view = await rules.answerable(session, context.actor, data["appeal_id"], context.today)
        await flows.set_flow(session, chat_id, Flow(FLOW, "change", {**data,
                                                                     "criteria": chosen}), now)
        return Reply(screens.change_reason_question(view, screens.new_points_text(values)))
    if flow.step == "change":
        return await _answered(session, context, chat_id, data, text)
    raise ReviewError("choose")  # "confirm": a button is expected


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    chat_id = update.effective_chat.id
    async with context.transaction() as session:
        try:
            # a refused step is rolled back to here, whatever it wrote (an answer refused
            # half-way leaves nothing), in the update's one transaction
            async with session.begin_nested():
                reply = await _step(session, context, chat_id, flow, update)
        except ReviewError as error:
            # a typo is asked again at the same step; anything else ends the flow
            if error.code not in screens.ASK_AGAIN:
                await flows.clear_flow(session, chat_id)
            reply = Reply((screens.refusal(error.code), None))
    await message.reply_text(reply.screen[0], parse_mode="HTML", reply_markup=reply.screen[1])
    await _tell(context, reply.notify)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
