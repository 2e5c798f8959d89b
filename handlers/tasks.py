"""📋 Assigned tasks (giao việc, issue #24): the cadre's tasks and reporting one done (from
📝 Báo cáo KPI); assigning, accepting, returning and extending (from ✅ Phê duyệt). The rules:
bot/services/tasks.py.

One update, one transaction: decode the tap (or read the typed answer or the file), call the
service inside the update's transaction, render the screen, send after the commit; whoever
is told about an assignment, a delivery or a decision is told after it too.
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
from bot.services import tasks as rules
from bot.services.delegation import Candidate
from bot.services.entry_rules import EvidenceItem, SentFile, evidence_of
from bot.services.flows import Flow
from bot.services.review import ReviewError
from handlers import flowrouter
from handlers.callbacks import Decoded, decode
from handlers.common import (
    edit_or_send,
    final,
    one_transaction,
    run_tap,
    typed_date,
)
from handlers.screens import review as review_screens
from handlers.screens import tasks as screens
from handlers.screens.common import Screen

log = logging.getLogger(__name__)
FLOW = "task"
# steps of the flow: assigning (who → title → product → units → result → deadline →
# confirm), delivering (evidence), deciding (reason), extending (extend)
TYPED = {"who", "title", "units", "result", "deadline", "evidence", "reason", "extend"}


@dataclass(frozen=True)
class Reply:
    screen: Screen | None = None  # edits the tapped message (or is sent)
    notify: tuple[tuple[int, Screen], ...] = ()  # people told after the commit


def _back() -> list:
    return [review_screens.PAGE.button(_("⬅️ Approvals"), 0)]


async def _draft_at(session, chat_id: int, *steps: str) -> dict:
    flow = await flows.get_flow(session, chat_id)
    if flow is None or flow.name != FLOW or flow.step not in steps:
        raise ReviewError("not_found")
    return dict(flow.data)


async def _set(session, context: BotContext, chat_id: int, step: str, data: dict) -> None:
    await flows.set_flow(session, chat_id, Flow(FLOW, step, data), context.clock.now())


def _calendar(context: BotContext):
    return context.services.calendar


def _tz(context: BotContext):
    return context.services.settings.tz


async def _task_screen(session, context: BotContext, task_id: int, prefix: str = "") -> Screen:
    view = await rules.view(session, context.actor, task_id, context.today, _calendar(context))
    return screens.task_screen(view, _tz(context), prefix)


async def _overview(session, context: BotContext, page: int = 0, prefix: str = "") -> Screen:
    overview = await rules.overview(session, context.actor, context.today, _calendar(context),
                                    page)
    return screens.overview_screen(overview, prefix, _back())


async def _leave_flow(session, chat_id: int) -> None:
    flow = await flows.get_flow(session, chat_id)
    if flow is not None and flow.name == FLOW:
        await flows.clear_flow(session, chat_id)


# ---------------------------------------------------------------- the cadre

async def _mine(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _leave_flow(session, chat_id)
    return Reply(screens.mine_screen(await rules.mine(session, context.actor.cadre_id,
                                                      context.today, _calendar(context))))


async def _open(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _leave_flow(session, chat_id)
    return Reply(await _task_screen(session, context, tap.task_id))


async def _deliver(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    task = await rules.deliverable(session, context.actor, tap.task_id)
    await _set(session, context, chat_id, "evidence", {"task_id": task.id, "evidence": []})
    text, _markup = screens.ask_evidence(task.title, 0)
    return Reply((text, screens.evidence_keyboard(task.id)))


async def _send(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "evidence")
    if data["task_id"] != tap.task_id:
        raise ReviewError("not_found")
    changed = await rules.deliver(session, actor=context.actor, task_id=tap.task_id,
                                  evidence=data.get("evidence", []), note=None,
                                  now=context.clock.now(), tz=_tz(context))
    await flows.clear_flow(session, chat_id)
    notify = ((changed.tell, screens.authority_notice(changed)),) if changed.tell else ()
    return Reply(await _task_screen(session, context, changed.task.id,
                                    screens.delivered_text(changed)), notify)


# ---------------------------------------------------------------- the evaluator decides

async def _list(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _leave_flow(session, chat_id)
    return Reply(await _overview(session, context, tap.page))


async def _decided(session, context: BotContext, chat_id: int, task_id: int, version: int,
                   reason: str | None) -> Reply:
    changed = await rules.decide(session, context.services.kpi, actor=context.actor,
                                 task_id=task_id, version=version, accept=reason is None,
                                 reason=reason, now=context.clock.now(), today=context.today)
    await flows.clear_flow(session, chat_id)
    notice = (screens.cadre_notice(changed) if reason is None
              else screens.returned_notice(changed, reason.strip()))
    notify = ((changed.tell, notice),) if changed.tell else ()
    return Reply(await _overview(session, context, 0, screens.decided_text(changed)), notify)


async def _accept(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    return await _decided(session, context, chat_id, tap.task_id, tap.version, None)


async def _return(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    task = await rules.decidable(session, context.actor, tap.task_id, context.today, tap.version)
    cadre_name = (await rules.view(session, context.actor, task.id, context.today,
                                   _calendar(context))).cadre.full_name
    await _set(session, context, chat_id, "reason", {"task_id": task.id,
                                                    "version": task.version})
    return Reply(screens.reason_question(task.title, cadre_name))


async def _extend(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    task = await rules.extendable(session, context.actor, tap.task_id, context.today)
    await _set(session, context, chat_id, "extend", {"task_id": task.id})
    return Reply(screens.ask_extension(task.title, task.deadline))


async def _extended(session, context: BotContext, chat_id: int, task_id: int, deadline) -> Reply:
    changed = await rules.extend(session, context.services.kpi, actor=context.actor,
                                 task_id=task_id, deadline=deadline, now=context.clock.now(),
                                 today=context.today)
    await flows.clear_flow(session, chat_id)
    notify = ((changed.tell, screens.cadre_notice(changed)),) if changed.tell else ()
    return Reply(await _task_screen(session, context, task_id, screens.extended_text(changed)),
                 notify)


# ---------------------------------------------------------------- the evaluator assigns

async def _who(session, context: BotContext, chat_id: int, page: int = 0) -> Screen:
    people = await rules.candidates(session, context.actor, context.today, page)
    units = await rules.units_of_people(session, context.actor, context.today)
    return screens.ask_who(people, [u for u in units if u.count > 1])


async def _new(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    screen = await _who(session, context, chat_id)
    await _set(session, context, chat_id, "who", {})
    return Reply(screen)


async def _page(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _draft_at(session, chat_id, "who")
    return Reply(await _who(session, context, chat_id, tap.page))


async def _chosen(session, context: BotContext, chat_id: int, cadre_ids: list[int],
                  names: str) -> Reply:
    await _set(session, context, chat_id, "title", {"cadres": cadre_ids, "names": names})
    return Reply(screens.ask_title(names))


async def _pick(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _draft_at(session, chat_id, "who")
    cadre = await rules.assignee(session, context.actor, context.today, tap.cadre_id)
    return await _chosen(session, context, chat_id, [cadre.id], cadre.full_name)


async def _unit(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _draft_at(session, chat_id, "who")
    people = await rules.unit_people(session, context.actor, context.today, tap.unit_id)
    unit = next((u for u in await rules.units_of_people(session, context.actor, context.today)
                 if u.id == tap.unit_id), None)
    names = f"{unit.name} ({len(people)})" if unit else str(len(people))
    return await _chosen(session, context, chat_id, [p.id for p in people], names)


async def _product(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "product")
    offered = data.get("offered", [])
    if tap.index >= len(offered):
        raise ReviewError("not_found")
    code, name, uom = offered[tap.index]
    await _set(session, context, chat_id, "units", {**data, "product": code,
                                                    "product_name": name, "uom": uom})
    return Reply(screens.ask_units(name, uom))


async def _units_chosen(session, context: BotContext, chat_id: int, data: dict,
                        units: int) -> Reply:
    rules.check_units(units)
    await _set(session, context, chat_id, "result", {**data, "units": units})
    return Reply(screens.ask_result())


async def _units(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "units")
    return await _units_chosen(session, context, chat_id, data, tap.units)


async def _deadline_chosen(session, context: BotContext, chat_id: int, data: dict,
                           deadline) -> Reply:
    rules.check_deadline(deadline, context.today)
    data = {**data, "deadline": deadline.isoformat()}
    draft = await rules.draft_of(session, context.actor, context.today, data)
    await _set(session, context, chat_id, "confirm", data)
    left = screens.days_text(rules.days_left(deadline, context.today, _calendar(context)))
    return Reply(screens.confirm_screen(draft, left))


async def _due(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    """A number of working days from today: the deadline of a new task, or a deadline moved
    that far from the current one."""
    data = await _draft_at(session, chat_id, "deadline", "extend")
    if tap.days < 1 or tap.days > 60:
        raise ReviewError("not_found")
    flow = await flows.get_flow(session, chat_id)
    calendar = _calendar(context)
    if flow.step == "extend":
        task = await rules.extendable(session, context.actor, data["task_id"], context.today)
        return await _extended(session, context, chat_id, task.id,
                               calendar.add_working_days(task.deadline, tap.days))
    return await _deadline_chosen(session, context, chat_id, data,
                                  calendar.add_working_days(context.today, tap.days))


async def _go(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    data = await _draft_at(session, chat_id, "confirm")
    assigned = await rules.assign(
        session, context.services.kpi, actor=context.actor, cadre_ids=data["cadres"],
        product_code=data["product"], units=int(data["units"]), title=data["title"],
        expected_result=data["result"], deadline=date.fromisoformat(data["deadline"]),
        now=context.clock.now(), today=context.today)
    await flows.clear_flow(session, chat_id)
    notify = tuple((chat, screens.assigned_notice(task, data.get("product_name", ""),
                                                  context.actor.full_name))
                   for chat, task in assigned.chats)
    return Reply(await _overview(session, context, 0, screens.assigned_text(assigned)), notify)


async def _cancel(session, context: BotContext, chat_id: int, tap: Decoded) -> Reply:
    await _draft_at(session, chat_id, *TYPED, "product", "confirm")
    await flows.clear_flow(session, chat_id)
    return Reply(await _overview(session, context, 0, screens.cancelled_text()))


TAPS: dict = {
    screens.MINE: _mine, screens.OPEN: _open, screens.DELIVER: _deliver, screens.SEND: _send,
    screens.LIST: _list, screens.ACCEPT: _accept, screens.RETURN: _return,
    screens.EXTEND: _extend, screens.NEW: _new, screens.PAGE: _page, screens.PICK: _pick,
    screens.UNIT: _unit, screens.PRODUCT: _product, screens.UNITS: _units, screens.DUE: _due,
    screens.GO: _go, screens.CANCEL: _cancel,
}


# ---------------------------------------------------------------- Telegram I/O

async def _tell(context: BotContext, notify) -> None:
    for chat_id, (text, markup) in notify:
        try:
            await context.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
        except Exception:  # noqa: BLE001 - the task's screen shows it anyway
            log.info("could not tell someone about a task")


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    answer = TAPS.get(tap.action) if tap is not None else None
    reply = await run_tap(update, context, tap, answer, screens.refusal)
    if reply is None:
        return
    await query.answer()
    if reply.screen is not None:
        await edit_or_send(update, context, *reply.screen)
    await _tell(context, reply.notify)


def _typed_units(text: str) -> int:
    word = text.strip()
    if not (word.isascii() and word.isdigit()):
        raise ReviewError("task_units")
    return int(word)


async def _evidence(session, context: BotContext, chat_id: int, data: dict,
                    file: SentFile | None, text: str) -> Reply:
    task = await rules.deliverable(session, context.actor, data["task_id"])
    item = evidence_of(file, text)
    if not isinstance(item, EvidenceItem):
        raise ReviewError("not_evidence")
    evidence = [*data.get("evidence", []), *rules.evidence_json([item])][:rules.EVIDENCE_MAX]
    await _set(session, context, chat_id, "evidence", {**data, "evidence": evidence})
    text, _markup = screens.ask_evidence(task.title, len(evidence))
    return Reply((text, screens.evidence_keyboard(task.id)))


async def _step(session, context: BotContext, chat_id: int, flow: Flow, text: str,
                file: SentFile | None) -> Reply:
    """The typed answer (or the file) at a step: the next question, or what was done."""
    data = dict(flow.data)
    if flow.step == "evidence":
        return await _evidence(session, context, chat_id, data, file, text)
    if not text:
        raise ReviewError("date_format" if flow.step in ("deadline", "extend") else "choose")
    if flow.step == "who":
        found = await rules.search(session, context.actor, context.today, text)
        if isinstance(found, Candidate):
            return await _chosen(session, context, chat_id, [found.id], found.name)
        return Reply(screens.ask_who(found, []))
    if flow.step == "title":
        title = rules.check_title(text)
        cadres = [await rules.assignee(session, context.actor, context.today, cadre_id)
                  for cadre_id in data["cadres"]]
        offered = await rules.products_for(session, cadres)
        if not offered:
            await flows.clear_flow(session, chat_id)
            raise ReviewError("task_no_products")
        await _set(session, context, chat_id, "product", {
            **data, "title": title,
            "offered": [[p.code, p.name, p.unit_of_measure] for p in offered]})
        return Reply(screens.ask_product(offered))
    if flow.step == "units":
        return await _units_chosen(session, context, chat_id, data, _typed_units(text))
    if flow.step == "result":
        result = rules.check_result(text)
        await _set(session, context, chat_id, "deadline", {**data, "result": result})
        return Reply(screens.ask_deadline(fmt_date(context.today)))
    if flow.step == "deadline":
        return await _deadline_chosen(session, context, chat_id, data, typed_date(text))
    if flow.step == "reason":
        return await _decided(session, context, chat_id, data["task_id"], data["version"], text)
    if flow.step == "extend":
        return await _extended(session, context, chat_id, data["task_id"], typed_date(text))
    raise ReviewError("choose")  # "product", "confirm": a button is expected


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    file = None
    if message.photo:
        photo = message.photo[-1]
        file = SentFile("photo", photo.file_id, photo.file_unique_id, file_size=photo.file_size)
    elif message.document:
        doc = message.document
        file = SentFile("document", doc.file_id, doc.file_unique_id, doc.file_name,
                        doc.mime_type, doc.file_size)
    chat_id = update.effective_chat.id
    async with context.transaction() as session:
        try:
            reply = await _step(session, context, chat_id, flow, text, file)
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
