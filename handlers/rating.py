"""⭐ Rating a month or quarter, reached from ✅ Phê duyệt: the evaluator confirms the general
criteria (and đ, e for a leader) and the points; the band is the one they correspond to.

One update, one transaction: decode the tap, re-authorise it, call the service, render the
screen; messages to the cadre go out after the commit.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_figure
from bot.services import flows
from bot.services.flows import Flow
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import ReviewError, reviewable
from handlers import flowrouter, review
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import rating as screens
from handlers.screens.common import STALE, not_a_number

log = logging.getLogger(__name__)
FLOW = "rating"
RATING_ERRORS = {
    "disciplined": N_("A disciplinary measure (or another ground of the decree) recorded this "
                      "year forces “Did not complete duties”."),
    "forbidden": N_("You do not evaluate this cadre."),
    "not_ready": N_("Every product of this period must be approved before the evaluation."),
    "locked": N_("This period is locked: nothing can be changed any more."),
    "d_pending": N_("The evaluation of a leader waits until everyone under their management "
                    "has been evaluated for this period."),
    "already_decided": N_("This evaluation has already been confirmed."),
}


def error_text(error: ReviewError) -> str:
    return _(RATING_ERRORS.get(error.code, STALE))


async def _draft(session, context: BotContext, cadre_id: int, period_id: int,
                 data: dict | None = None):
    return await context.services.rating.open_draft(session, context.actor, cadre_id,
                                                    period_id, context.today, data)


async def _flow_data(session, chat_id: int, cadre_id: int, period_id: int) -> dict:
    flow = await flows.get_flow(session, chat_id)
    if flow and flow.name == FLOW and flow.data.get("cadre_id") == cadre_id \
            and flow.data.get("period_id") == period_id:
        return dict(flow.data)
    return {"cadre_id": cadre_id, "period_id": period_id}


async def _next_screen(session, context: BotContext, chat_id: int, data: dict):
    """After the criteria: đ and e for a leader, then the summary."""
    cadre_id, period_id = data["cadre_id"], data["period_id"]
    draft, _authority = await _draft(session, context, cadre_id, period_id, data)
    scoring = context.services.policy.scoring
    await flows.set_flow(session, chat_id, Flow(FLOW, "choose", data), context.clock.now())
    if draft.cadre.is_leader and "organising" not in data:
        return screens.ability_screen(cadre_id, period_id, "o", scoring.organising_levels)
    if draft.cadre.is_leader and "rallying" not in data:
        return screens.ability_screen(cadre_id, period_id, "l", scoring.rallying_levels)
    return screens.summary_screen(draft, can_rate=not draft.waiting_for_d)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    chat_id = update.effective_chat.id
    scoring = context.services.policy.scoring
    notify = None
    try:
        if tap is None or not context.actor.is_supervisor:
            raise ReviewError("not_found")
        cadre_id, period_id = tap[0], tap[1]
        async with context.transaction() as session:
            if tap.action is screens.START:
                draft, _a = await _draft(session, context, cadre_id, period_id)
                await flows.set_flow(session, chat_id, Flow(FLOW, "choose", {
                    "cadre_id": cadre_id, "period_id": period_id}), context.clock.now())
                screen = screens.start_screen(draft, scoring)
            elif tap.action is screens.AGREE:
                data = await _flow_data(session, chat_id, cadre_id, period_id)
                data.pop("criteria", None)
                screen = await _next_screen(session, context, chat_id, data)
            elif tap.action is screens.CRITERION:
                screen = await _ask_criterion(session, context, chat_id, cadre_id, period_id,
                                              tap[2])
            elif tap.action is screens.POINTS:
                screen = await _set_criterion(session, context, chat_id, cadre_id, period_id,
                                              tap[2], tap[3] / 10)
            elif tap.action in (screens.ORGANISING, screens.RALLYING):
                organising = tap.action is screens.ORGANISING
                levels = scoring.organising_levels if organising else scoring.rallying_levels
                cadre, _a = await reviewable(session, context.actor, cadre_id, context.today)
                if tap[2] >= len(levels) or not cadre.is_leader:  # đ and e are leaders' only
                    raise ReviewError("not_found")
                data = await _flow_data(session, chat_id, cadre_id, period_id)
                data["organising" if organising else "rallying"] = levels[tap[2]].value
                screen = await _next_screen(session, context, chat_id, data)
            elif tap.action is screens.CONFIRM:
                data = await _flow_data(session, chat_id, cadre_id, period_id)
                draft, authority = await _draft(session, context, cadre_id, period_id, data)
                if draft.cadre.is_leader and ("organising" not in data or "rallying" not in data):
                    raise ReviewError("not_found")  # đ and e are chosen on this device first
                await context.services.rating.rate(
                    session, draft, actor_id=context.actor.cadre_id, authority=authority,
                    now=context.clock.now(), expected_version=tap[2])
                await flows.clear_flow(session, chat_id)
                cadre = draft.cadre
                if cadre.telegram_chat_id and cadre.reachable:
                    notify = (cadre.telegram_chat_id, screens.cadre_notice(draft))
                screen = await review.inbox_screen(session, context, 0,
                                                   prefix=screens.rated_text(draft))
            else:
                raise ReviewError("not_found")
    except ReviewError as error:
        await refuse(update, error_text(error))
        return
    await query.answer()
    await edit_or_send(update, context, *screen)
    if notify is not None:
        try:
            await context.bot.send_message(notify[0], notify[1], parse_mode="HTML")
        except Exception:  # noqa: BLE001 - 📊 Kết quả của tôi shows it anyway
            log.info("could not tell the cadre about their evaluation")


async def _ask_criterion(session, context: BotContext, chat_id: int, cadre_id: int,
                         period_id: int, index: int):
    if not 0 <= index < len(context.services.policy.scoring.general_criteria):
        raise ReviewError("not_found")
    await reviewable(session, context.actor, cadre_id, context.today)
    data = await _flow_data(session, chat_id, cadre_id, period_id)
    return await _ask_criterion_with(session, context, chat_id, data, index)


async def _set_criterion(session, context: BotContext, chat_id: int, cadre_id: int,
                         period_id: int, index: int, points: float):
    criteria = context.services.policy.scoring.general_criteria
    if not 0 <= index < len(criteria) or not 0 <= points <= criteria[index].max_points:
        raise ReviewError("not_found")
    await reviewable(session, context.actor, cadre_id, context.today)
    data = await _flow_data(session, chat_id, cadre_id, period_id)
    data["criteria"] = {**(data.get("criteria") or {}), criteria[index].key: points}
    data.pop("index", None)
    if index + 1 < len(criteria):
        return await _ask_criterion_with(session, context, chat_id, data, index + 1)
    return await _next_screen(session, context, chat_id, data)


async def _ask_criterion_with(session, context, chat_id: int, data: dict, index: int):
    await flows.set_flow(session, chat_id, Flow(FLOW, "criterion", {**data, "index": index}),
                         context.clock.now())
    return screens.criterion_screen(data["cadre_id"], data["period_id"], index,
                                    context.services.policy.scoring)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    """Typed points of a criterion; anything else asks for the buttons."""
    message = update.effective_message
    text = (message.text or "").strip()
    if flow.step != "criterion":
        await message.reply_text(_("Please choose one of the buttons."))
        return
    criteria = context.services.policy.scoring.general_criteria
    index = flow.data.get("index", 0)
    if not 0 <= index < len(criteria):
        await message.reply_text(_(STALE))
        return
    try:
        points = parse_number(text)
    except NotANumber as error:
        await message.reply_text(not_a_number(text, error, _(
            "Please tap the points, or type a number such as 7 or 6,5.")), parse_mode="HTML")
        return
    if not 0 <= points <= criteria[index].max_points:
        await message.reply_text(_("Please give between 0 and {max} points.").format(
            max=fmt_figure(criteria[index].max_points)))
        return
    try:
        async with context.transaction() as session:
            screen = await _set_criterion(session, context, update.effective_chat.id,
                                          flow.data["cadre_id"], flow.data["period_id"], index,
                                          round(points, 1))
    except ReviewError as error:
        await message.reply_text(error_text(error))
        return
    text, markup = screen
    await message.reply_text(text, parse_mode="HTML", reply_markup=markup)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)

