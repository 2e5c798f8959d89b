"""🔁 Ủy quyền: an evaluator lets another cadre review on their behalf for a while."""

from __future__ import annotations

import re
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_date
from bot.services import delegation as rules
from bot.services import flows
from bot.services.flows import Flow
from bot.services.review import ReviewError
from handlers import flowrouter
from handlers.common import button, edit_or_send, esc, final, parse_ids, refuse
from models import Cadre

PREFIX = "dl"
ACTIONS = {PREFIX: ("m", "n", "d", "x", "X")}  # every button action this module answers
FLOW = "delegate"
DAY_CHOICES = [7, 14, 30]
RANGE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*[-–đến ]+\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
ERRORS = {
    "unknown_delegate": N_("There is no active cadre with this code. Please check and type it again."),
    "self_delegate": N_("You cannot delegate to yourself."),
    "bad_range": N_("The period must end after it starts, and last at most 180 days."),
    "past_range": N_("This period has already ended. Please give dates from today on."),
    "not_evaluator": N_("Only an evaluator can delegate reviews, and reviews delegated to you "
                        "cannot be passed on."),
}
NOT_EVALUATOR = ERRORS["not_evaluator"]



async def show(update: Update, context: BotContext, prefix: str = "") -> None:
    async with context.db.session() as session:
        active = await rules.current(session, context.actor.cadre_id, context.today)
    lines = [_("🔁 <b>Delegation of reviews</b>")]
    rows = []
    if not active:
        lines.append(_("You have not delegated your reviews to anyone."))
    for item, delegate in active:
        lines.append(_("• {name} ({code}) from {start} to {end}").format(
            name=esc(delegate.full_name), code=esc(delegate.code), start=fmt_date(item.starts_on),
            end=fmt_date(item.ends_on)))
        rows.append([button(_("❌ Cancel delegation to {name}").format(name=delegate.full_name),
                            PREFIX, "x", item.id)])
    rows.append([button(_("➕ New delegation"), PREFIX, "n")])
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    action = data.split(":")[1] if ":" in data else ""
    chat_id = update.effective_chat.id
    try:
        if not context.actor.is_supervisor:
            raise ReviewError("not_found")
        if action in ("m", "n"):
            async with context.db.session() as session:
                if not await rules.may_delegate(session, context.actor.cadre_id):
                    await refuse(update, _(NOT_EVALUATOR))
                    return
        if action == "m":
            await show(update, context)
        elif action == "n":
            async with context.db.session() as session:
                await flows.set_flow(session, chat_id, Flow(FLOW, "code", {}), context.clock.now())
            await edit_or_send(update, context, _(
                "Type the code (Mã cán bộ) of the person who will review on your behalf, "
                "e.g. XTH001:"))
        elif action == "d" and (ids := parse_ids(data, 1)) and ids[0] in DAY_CHOICES:
            async with context.db.session() as session:
                flow = await flows.get_flow(session, chat_id)
            if flow is None or flow.name != FLOW or flow.step != "range":
                raise ReviewError("not_found")
            today = context.today
            await _create(update, context, flow.data["code"], today,
                          today + timedelta(days=ids[0] - 1))
        elif action == "x" and (ids := parse_ids(data, 1)):
            await _confirm_revoke(update, context, ids[0])
        elif action == "X" and (ids := parse_ids(data, 1)):
            await _revoke(update, context, ids[0])
        else:
            raise ReviewError("not_found")
    except ReviewError:
        await refuse(update, _("This button is no longer valid. Please open the function again "
                               "from the menu."))
        return
    await query.answer()


async def _confirm_revoke(update: Update, context: BotContext, delegation_id: int) -> None:
    async with context.db.session() as session:
        active = await rules.current(session, context.actor.cadre_id, context.today)
    item, delegate = next(((d, c) for d, c in active if d.id == delegation_id), (None, None))
    if item is None:
        raise ReviewError("not_found")
    text = _("Cancel the delegation to {name} ({code}) from {start} to {end}? From then on "
             "they can no longer review on your behalf.").format(
        name=esc(delegate.full_name), code=esc(delegate.code), start=fmt_date(item.starts_on),
        end=fmt_date(item.ends_on))
    await edit_or_send(update, context, text, InlineKeyboardMarkup([[
        button(_("✅ Yes, cancel it"), PREFIX, "X", item.id),
        button(_("⬅️ Back"), PREFIX, "m")]]))


async def _revoke(update: Update, context: BotContext, delegation_id: int) -> None:
    async with context.db.session() as session:
        item = await rules.revoke(session, delegator_id=context.actor.cadre_id,
                                  delegation_id=delegation_id, now=context.clock.now())
        delegate = await session.get(Cadre, item.delegate_id)
        me = await session.get(Cadre, context.actor.cadre_id)
        notice = _("🔁 {name} has cancelled the delegation of their reviews to you ({start} – "
                   "{end}).").format(name=esc(me.full_name), start=fmt_date(item.starts_on),
                                    end=fmt_date(item.ends_on))
    await show(update, context, prefix=_("Delegation cancelled."))
    await _tell(context, delegate, notice)


async def _tell(context: BotContext, delegate: Cadre, text: str) -> None:
    if delegate.telegram_chat_id and delegate.reachable:
        try:
            await context.bot.send_message(delegate.telegram_chat_id, text, parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the delegation stands even if the notice fails
            pass


async def _create(update: Update, context: BotContext, code: str, start: date, end: date) -> None:
    now = context.clock.now()
    try:
        async with context.db.session() as session:
            me = await session.get(Cadre, context.actor.cadre_id)
            item, delegate = await rules.create(session, delegator=me, delegate_code=code,
                                                starts_on=start, ends_on=end, now=now,
                                                today=context.today)
            await flows.clear_flow(session, update.effective_chat.id)
    except ReviewError as error:
        if error.code == "overlap":
            text = _("You have already delegated to this person from {start} to {end}. Cancel "
                     "that delegation first, or give dates outside it.").format(
                start=fmt_date(error.info["starts_on"]), end=fmt_date(error.info["ends_on"]))
        else:
            message = ERRORS.get(error.code) or ERRORS["bad_range"]
            text = _(message)
        await update.effective_message.reply_text(text)
        return
    text = _("✅ {name} will review on your behalf from {start} to {end}.").format(
        name=esc(delegate.full_name), start=fmt_date(start), end=fmt_date(end))
    await show(update, context, prefix=text)
    await _tell(context, delegate, _(
        "🔁 {name} has delegated their reviews to you from {start} to {end}. Open "
        "“✅ Approvals” to review on their behalf.").format(
        name=esc(me.full_name), start=fmt_date(start), end=fmt_date(end)))


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    if flow.step == "code":
        try:
            async with context.db.session() as session:
                delegate = await rules.find_delegate(session, context.actor.cadre_id, text)
        except ReviewError as error:
            await message.reply_text(_(ERRORS[error.code]))
            return
        async with context.db.session() as session:
            await flows.set_flow(session, update.effective_chat.id,
                                 Flow(FLOW, "range", {"code": delegate.code}), context.clock.now())
        rows = [[button(_("{days} days").format(days=d), PREFIX, "d", d) for d in DAY_CHOICES]]
        await message.reply_text(
            _("Delegate to {name} for how long? Choose, or type a range like 01/12/2026 - "
              "15/12/2026.").format(name=esc(delegate.full_name)),
            parse_mode="HTML", reply_markup=InlineKeyboardMarkup(rows))
        return
    match = RANGE.match(text)
    if not match:
        await message.reply_text(_("Please choose a duration, or type a range like 01/12/2026 - "
                                   "15/12/2026."))
        return
    d1, m1, y1, d2, m2, y2 = (int(x) for x in match.groups())
    try:
        start, end = date(y1, m1, d1), date(y2, m2, d2)
    except ValueError:
        message_id = ERRORS["bad_range"]
        await message.reply_text(_(message_id))
        return
    await _create(update, context, flow.data["code"], start, end)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
