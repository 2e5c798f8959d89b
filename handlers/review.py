"""✅ Phê duyệt: the evaluator's inbox, approve / return with a reason / approve with
adjusted figures; exactly one decision per submitted version; the cadre is told at once.

One update, one transaction: decode the tap, call the use case (bot/services/review.py, which
re-authorises it), render the screen (handlers/screens/review.py); the screen and the message
to the cadre go out after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import _
from bot.services import flows, training
from bot.services import review as service
from bot.services.flows import Flow
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import ADJUST_STEPS, Decision, EvidenceItem, Outcome, ReviewError
from handlers import flowrouter
from handlers.callbacks import Action, Decoded, decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.menu import ITEMS, register_item
from handlers.screens import review as screens
from handlers.screens.common import Screen, not_a_number

log = logging.getLogger(__name__)

PREFIX = screens.PREFIX
FLOW = "review"


@dataclass
class Reply:
    """What a tap sends once the transaction is committed."""

    screen: Screen | None = None
    outcome: Outcome | None = None  # a decision: the cadre is told
    evidence: list[EvidenceItem] = field(default_factory=list)


def _tz(context: BotContext):
    return context.services.settings.tz


def _reading(context: BotContext) -> str:
    return context.services.policy.scoring.deduction_reading


async def inbox_screen(session, context: BotContext, page: int = 0, prefix: str = "") -> Screen:
    """The inbox, read inside the caller's transaction (⭐ rating comes back to it), with the
    declared courses waiting for the caller's verification (one indexed count)."""
    inbox = await service.open_inbox(session, context.actor, context.today, page)
    courses = await training.waiting_count(session, context.actor)
    return screens.inbox_screen(inbox, _tz(context), prefix, courses)


def _decided(context: BotContext, outcome: Outcome) -> Reply:
    return Reply(screens.after_decision(outcome, _tz(context), _reading(context)), outcome)


async def _tell_cadre(context: BotContext, outcome: Outcome) -> None:
    if outcome.notice is None:
        return
    try:
        await context.bot.send_message(outcome.notice.chat_id, screens.cadre_notice(outcome.notice),
                                       parse_mode="HTML")
    except Exception:  # noqa: BLE001 - the cadre sees the state in 📝 Báo cáo KPI anyway
        log.info("could not notify cadre %s", outcome.cadre.code)


# ---------------------------------------------------------------- the menu item

@one_transaction
async def on_review(update: Update, context: BotContext) -> None:
    if not context.actor.is_supervisor:
        await context.end_transaction()
        label = ITEMS["review"].label
        await update.effective_message.reply_text(
            _("“{label}” is only for evaluators and the Organization Board.").format(
                label=_(label)))
        return
    async with context.transaction() as session:
        screen = await inbox_screen(session, context)
    await edit_or_send(update, context, *screen)


# ---------------------------------------------------------------- taps (inside the transaction)

async def _page(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    await flows.clear_flow(session, chat_id)
    return Reply(await inbox_screen(session, context, tap.page))


async def _report(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    await flows.clear_flow(session, chat_id)  # "⬅️ Back" out of a return or an adjustment
    report = await service.open_report(session, context.services.kpi, context.actor,
                                       context.today, tap.cadre_id, tap.period_id)
    return Reply(screens.report_screen(report, _tz(context), _reading(context)))


async def _entry(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    await flows.clear_flow(session, chat_id)  # "⬅️ Cancel the adjustment"
    view = await service.open_entry(session, context.services.kpi, context.actor,
                                    context.today, tap.entry_id)
    return Reply(screens.entry_screen(view, _reading(context), _tz(context)))


async def _approve(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    outcome = await service.approve_entry(
        session, context.services.kpi, actor=context.actor, today=context.today,
        now=context.clock.now(), entry_id=tap.entry_id, version=tap.version)
    await flows.clear_flow(session, chat_id)
    return _decided(context, outcome)


async def _approve_all(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    decisions = await service.report_decisions(session, context.actor, context.today,
                                               tap.cadre_id, tap.period_id, tap.sig)
    return Reply(screens.confirm_all_screen(tap.cadre_id, tap.period_id, tap.sig,
                                            len(decisions)))


async def _approve_all_ok(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    outcome = await service.approve_report(
        session, context.services.kpi, actor=context.actor, today=context.today,
        now=context.clock.now(), cadre_id=tap.cadre_id, period_id=tap.period_id, sig=tap.sig)
    await flows.clear_flow(session, chat_id)
    return _decided(context, outcome)


async def _ask_reason(session, context: BotContext, chat_id: int, cadre_id: int,
                      period_id: int, decisions: list[Decision], whole: bool = False) -> Reply:
    """The return step; `whole`: "return all", which asks for confirmation once the reason
    is given (as "approve all" does)."""
    await flows.set_flow(session, chat_id, Flow(FLOW, "reason", {
        "cadre_id": cadre_id, "period_id": period_id, "all": whole,
        "decisions": [[d.entry_id, d.version] for d in decisions]}), context.clock.now())
    return Reply(screens.reason_screen(cadre_id, period_id))


async def _return(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    entry, _rate = await service.submitted_entry(session, context.actor, context.today,
                                                    tap.entry_id, tap.version)
    return await _ask_reason(session, context, chat_id, entry.cadre_id, entry.period_id,
                             [Decision(entry.id, tap.version)])


async def _return_all(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    decisions = await service.report_decisions(session, context.actor, context.today,
                                               tap.cadre_id, tap.period_id, tap.sig)
    return await _ask_reason(session, context, chat_id, tap.cadre_id, tap.period_id, decisions,
                             whole=True)


async def _return_with(session, context: BotContext, chat_id: int, flow: Flow,
                       reason: str) -> Reply:
    """A reason given: one product is returned at once; the whole report is first shown
    for confirmation (how many products, the reason)."""
    if flow.data.get("all"):
        cadre, period = await service.report_of(session, context.actor, context.today,
                                                flow.data["cadre_id"], flow.data["period_id"])
        await flows.set_flow(session, chat_id, Flow(FLOW, "reason_ok", {
            **flow.data, "reason": reason}), context.clock.now())
        return Reply(screens.return_all_screen(cadre.id, period.id, cadre.full_name, period,
                                               len(flow.data["decisions"]), reason))
    return await _return_now(session, context, chat_id, flow, reason)


async def _return_now(session, context: BotContext, chat_id: int, flow: Flow,
                      reason: str) -> Reply:
    outcome = await service.return_entries(
        session, context.services.kpi, actor=context.actor, today=context.today,
        now=context.clock.now(), cadre_id=flow.data["cadre_id"],
        period_id=flow.data["period_id"], reason=reason,
        decisions=[Decision(e, v) for e, v in flow.data["decisions"]])
    await flows.clear_flow(session, chat_id)
    return _decided(context, outcome)


async def _reason(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    flow = await flows.get_flow(session, chat_id)
    if not tap.index < len(screens.COMMON_REASONS) or flow is None or flow.name != FLOW \
            or flow.step not in ("reason", "reason_ok"):
        raise ReviewError("not_found")
    return await _return_with(session, context, chat_id, flow,
                              _(screens.COMMON_REASONS[tap.index]))


async def _return_all_ok(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step != "reason_ok" \
            or flow.data.get("cadre_id") != tap.cadre_id \
            or flow.data.get("period_id") != tap.period_id:
        raise ReviewError("not_found")
    return await _return_now(session, context, chat_id, flow, flow.data["reason"])


# ---------------------------------------------------------------- adjusting (one figure at a time)

async def _adjusting(session, context: BotContext, data: dict):
    return await service.adjusting(session, context.services.kpi, context.actor,
                                   context.today, data["entry_id"], data["version"],
                                   data.get("changes", {}))


async def _adjust_flow(session, chat_id: int, tap: Decoded) -> Flow:
    """The chat's adjust flow of the product the button was made for (else stale)."""
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or not flow.step.startswith("adj") \
            or flow.data.get("entry_id") != tap.entry_id \
            or flow.data.get("version") != tap.version:
        raise ReviewError("not_found")
    return flow


async def _ask_figure(session, context: BotContext, chat_id: int, data: dict,
                      figure: str) -> Reply:
    view = await _adjusting(session, context, data)
    step = service.adjust_step(figure)
    if step not in view.steps:
        raise ReviewError("not_found")
    await flows.set_flow(session, chat_id, Flow(FLOW, "adj_value", {**data, "figure": figure}),
                         context.clock.now())
    return Reply(screens.adjust_question(view, step))


async def _adjust(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    """✏️ Adjust: the figures to choose from (a rate product's one figure: asked at once)."""
    data = {"entry_id": tap.entry_id, "version": tap.version, "changes": {}}
    view = await _adjusting(session, context, data)
    if view.rate:
        return await _ask_figure(session, context, chat_id, data, "done")
    await flows.set_flow(session, chat_id, Flow(FLOW, "adj", data), context.clock.now())
    return Reply(screens.adjust_screen(view))


async def _adjust_figure(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    flow = await _adjust_flow(session, chat_id, tap)
    if not tap.index < len(ADJUST_STEPS):
        raise ReviewError("not_found")
    return await _ask_figure(session, context, chat_id, _adjust_data(flow),
                             ADJUST_STEPS[tap.index].name)


def _adjust_data(flow: Flow) -> dict:
    """The flow's lasting data: the product, its version, the changes confirmed so far."""
    return {key: flow.data[key] for key in ("entry_id", "version", "changes")}


async def _adjust_menu(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    flow = await _adjust_flow(session, chat_id, tap)
    data = _adjust_data(flow)
    await flows.set_flow(session, chat_id, Flow(FLOW, "adj", data), context.clock.now())
    return Reply(screens.adjust_screen(await _adjusting(session, context, data)))


async def _adjust_ok(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    flow = await _adjust_flow(session, chat_id, tap)
    outcome = await service.approve_adjusted(
        session, context.services.kpi, actor=context.actor, today=context.today,
        now=context.clock.now(), entry_id=tap.entry_id, version=tap.version,
        changes=flow.data["changes"])
    await flows.clear_flow(session, chat_id)
    return _decided(context, outcome)


async def _evidence(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    return Reply(evidence=await service.evidence_of(session, context.actor, context.today,
                                                     tap.cadre_id, tap.period_id))


async def _exemption(session, context: BotContext, tap: Decoded, chat_id: int) -> Reply:
    if tap.accept not in (0, 1):
        raise ReviewError("not_found")
    report = await service.settle_exemption(
        session, context.services.kpi, actor=context.actor, today=context.today,
        now=context.clock.now(), entry_id=tap.entry_id, version=tap.version,
        accept=bool(tap.accept))
    return Reply(screens.report_screen(report, _tz(context), _reading(context),
                                       prefix=screens.exemption_text(bool(tap.accept))))


TAPS: dict[Action, object] = {
    screens.PAGE: _page, screens.REPORT: _report, screens.ENTRY: _entry,
    screens.APPROVE: _approve, screens.APPROVE_ALL: _approve_all,
    screens.APPROVE_ALL_OK: _approve_all_ok, screens.RETURN: _return,
    screens.RETURN_ALL: _return_all, screens.RETURN_ALL_OK: _return_all_ok,
    screens.REASON: _reason, screens.ADJUST: _adjust, screens.ADJUST_FIGURE: _adjust_figure,
    screens.ADJUST_MENU: _adjust_menu, screens.ADJUST_OK: _adjust_ok,
    screens.EVIDENCE: _evidence, screens.EXEMPTION: _exemption,
}


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, PREFIX)
    try:
        if tap is None or tap.action not in TAPS or not context.actor.is_supervisor:
            raise ReviewError("not_found")
        async with context.transaction() as session:
            reply = await TAPS[tap.action](session, context, tap, update.effective_chat.id)
    except ReviewError as error:
        await context.end_transaction()
        await refuse(update, screens.error_text(error, _tz(context)))
        return
    await query.answer()
    await _send(update, context, reply)


async def _send(update: Update, context: BotContext, reply: Reply) -> None:
    if reply.screen is not None:
        await edit_or_send(update, context, *reply.screen)
    chat = update.effective_chat.id
    for item in reply.evidence:
        if item.kind == "photo":
            await context.bot.send_photo(chat, item.file_id)
        elif item.kind == "document":
            await context.bot.send_document(chat, item.file_id)
        elif item.url:
            await context.bot.send_message(chat, item.url)
    if reply.outcome is not None:
        await _tell_cadre(context, reply.outcome)


# ---------------------------------------------------------------- typed steps of the flow

async def _refused_in_flow(update: Update, context: BotContext, error: ReviewError) -> None:
    """A refused step leaves the flow (its work was rolled back: the flow is cleared in a
    transaction of its own, the only second one, and only on this path)."""
    async with context.transaction() as session:
        await flows.clear_flow(session, update.effective_chat.id)
    await refuse(update, screens.error_text(error, _tz(context)))


async def _typed_reason(update: Update, context: BotContext, flow: Flow, text: str) -> None:
    if not service.meaningful(text):
        await context.end_transaction()
        await update.effective_message.reply_text(screens.reason_again())
        return
    try:
        async with context.transaction() as session:
            reply = await _return_with(session, context, update.effective_chat.id, flow, text)
    except ReviewError as error:
        await _refused_in_flow(update, context, error)
        return
    await _send(update, context, reply)


async def _in_flow(update: Update, context: BotContext, work) -> None:
    """Run one step of the flow in the update's transaction and send its reply; a refusal
    ends the flow (see _refused_in_flow)."""
    try:
        async with context.transaction() as session:
            reply = await work(session)
    except ReviewError as error:
        await _refused_in_flow(update, context, error)
        return
    await _send(update, context, reply)


async def _typed_figure(update: Update, context: BotContext, flow: Flow, text: str) -> None:
    """The adjusted value of the figure chosen, checked by the cadre's rules; then its
    reason is asked."""
    message = update.effective_message
    try:
        value = parse_number(text)
    except NotANumber as error:
        await context.end_transaction()
        await message.reply_text(not_a_number(text, error), parse_mode="HTML")
        return
    chat_id = update.effective_chat.id
    step = service.adjust_step(flow.data.get("figure"))

    async def work(session) -> Reply:
        view = await _adjusting(session, context, flow.data)
        if step not in view.steps:
            raise ReviewError("not_found")
        problem = service.check_adjusted(step, value, view.line.entry, flow.data["changes"],
                                         view.line.product.kind, view.rate)
        if problem is not None:  # asked again, nothing stored
            question, markup = screens.adjust_question(view, step)
            return Reply((screens.adjust_problem(problem) + "\n\n" + question, markup))
        await flows.set_flow(session, chat_id, Flow(FLOW, "adj_reason", {
            **flow.data, "value": value}), context.clock.now())
        return Reply(screens.adjust_reason_question(view, step, value))

    await _in_flow(update, context, work)


async def _typed_adjust_reason(update: Update, context: BotContext, flow: Flow,
                               text: str) -> None:
    """The reason of the change (the cadre reads it); then the confirmation."""
    if code := service.check_adjust_reason(text):
        await context.end_transaction()
        await update.effective_message.reply_text(screens.error_text(ReviewError(code),
                                                                     _tz(context)))
        return
    chat_id = update.effective_chat.id

    async def work(session) -> Reply:
        data = _adjust_data(flow)
        data["changes"] = {**data["changes"],
                           flow.data["figure"]: [flow.data["value"], text]}
        await flows.set_flow(session, chat_id, Flow(FLOW, "adj", data), context.clock.now())
        return Reply(screens.adjust_screen(await _adjusting(session, context, data)))

    await _in_flow(update, context, work)


async def _typed_in_adjust(update: Update, context: BotContext, flow: Flow, text: str) -> None:
    await context.end_transaction()
    await update.effective_message.reply_text(screens.choose_button())


# The review flow's steps: where the chat is → what a typed message does there. "reason": the
# reason of a return ("reason_ok": "return all" waits for its confirmation; a new reason
# typed there replaces it); the adjust flow: "adj" (the figures and the confirmation: buttons
# only), "adj_value" (the new value of the figure chosen, one of
# bot.services.review.ADJUST_STEPS), "adj_reason" (why).
STEPS = {"reason": _typed_reason, "reason_ok": _typed_reason, "adj": _typed_in_adjust,
         "adj_value": _typed_figure, "adj_reason": _typed_adjust_reason}


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    step = STEPS.get(flow.step)
    if step is None:
        await context.end_transaction()
        return
    await step(update, context, flow, (update.effective_message.text or "").strip())


# ---------------------------------------------------------------- from the dashboard

# "/start rv_<cadre id>_<period id>": the dashboard's "✅ Mở trong khung chat" opens the bot's
# chat on that person's report (a t.me link with a start parameter, the way a Mini App opened
# from an inline button can come back to the chat); the same screen as the inbox's button,
# re-authorised the same way.
REPORT_LINK = r"^/start rv_(\d{1,18})_(\d{1,18})$"


def report_link(cadre_id: int, period_id: int) -> str:
    return f"rv_{cadre_id}_{period_id}"


@one_transaction
async def on_report_link(update: Update, context: BotContext) -> None:
    _cadre, _period = context.args[0].split("_")[1:]
    try:
        if not context.actor.is_supervisor:
            raise ReviewError("not_found")
        async with context.transaction() as session:
            await flows.clear_flow(session, update.effective_chat.id)
            report = await service.open_report(session, context.services.kpi, context.actor,
                                               context.today, int(_cadre), int(_period))
    except ReviewError as error:
        await context.end_transaction()
        await update.effective_message.reply_text(screens.error_text(error, _tz(context)))
        return
    await edit_or_send(update, context, *screens.report_screen(report, _tz(context),
                                                               _reading(context)))


def register(app: Application) -> None:
    # before the menu's /start (handlers/menu.py): a plain /start or an invite goes there
    app.add_handler(CommandHandler("start", final(on_report_link),
                                   filters.ChatType.PRIVATE & filters.Regex(REPORT_LINK)))
    register_item(app, ITEMS["review"], on_review)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
