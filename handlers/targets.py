"""/chitieu — an evaluator (or board) adjusts the targets of a cadre they evaluate,
before the entry is submitted; every change is audited and the cadre is told."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import _, fmt_number, vietnamese_name_key
from bot.services import flows
from bot.services.flows import Flow
from bot.services.kpi import EDITABLE, KpiError
from bot.services.numbers import NotANumber, parse_number
from handlers import flowrouter
from handlers.common import (
    button,
    edit_or_send,
    esc,
    final,
    not_a_number,
    pager_rows,
    parse_ids,
    period_label,
    refuse,
)
from models import Cadre, ProductType
from models.enums import ProductKind

PREFIX = "tg"
ACTIONS = {PREFIX: ("l", "c", "p")}  # every button action this module answers
FLOW = "target"
PAGE = 8



async def _cadre_i_may_adjust(session, context: BotContext, cadre_id: int) -> Cadre:
    cadre = await session.get(Cadre, cadre_id)
    actor = context.actor
    if cadre is None or not cadre.active:
        raise KpiError("not_found")
    if cadre.evaluator_id != actor.cadre_id and not actor.is_board:
        raise KpiError("forbidden")
    return cadre


async def on_targets(update: Update, context: BotContext) -> None:
    if not context.actor.is_supervisor:
        await update.effective_message.reply_text(
            _("Only evaluators and the Organization Board can adjust targets."))
        return
    if context.args:  # /chitieu CODE: one cadre directly (the board's way in)
        from sqlalchemy import select

        code = context.args[0].strip().upper()
        async with context.db.session() as session:
            cadre_id = await session.scalar(select(Cadre.id).where(Cadre.code == code))
        try:
            if cadre_id is None:
                raise KpiError("not_found")
            await _show_targets(update, context, cadre_id)
        except KpiError:
            await update.effective_message.reply_text(
                _("You cannot adjust the targets of {code}: no such cadre, or not one you "
                  "evaluate.").format(code=esc(code)))
        return
    await _show_cadres(update, context, 0)


async def _show_cadres(update: Update, context: BotContext, page: int) -> None:
    from sqlalchemy import select

    async with context.db.session() as session:
        people = (await session.execute(select(Cadre.id, Cadre.full_name).where(
            Cadre.evaluator_id == context.actor.cadre_id, Cadre.active.is_(True)))).all()
    people.sort(key=lambda row: vietnamese_name_key(row.full_name))
    total = len(people)
    cadres = people[page * PAGE:(page + 1) * PAGE]
    if not cadres:
        text = _("You do not evaluate any cadre.")
        if context.actor.is_board:
            text += "\n" + _("Organization Board: type /chitieu and the cadre's code, "
                              "e.g. /chitieu XTH004.")
        await edit_or_send(update, context, text)
        return
    rows = [[button(c.full_name, PREFIX, "c", c.id)] for c in cadres]
    rows += pager_rows(page, (page + 1) * PAGE < total, PREFIX, "l")
    text = _("🎯 <b>Adjust targets</b>\nChoose a cadre ({count} in all):").format(count=total)
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _show_targets(update: Update, context: BotContext, cadre_id: int, prefix: str = "") -> None:
    kpi = context.services.kpi
    async with context.db.session() as session:
        cadre = await _cadre_i_may_adjust(session, context, cadre_id)
        period = await kpi.current_period(session, cadre, context.today)
        sheet = await kpi.sheet(session, cadre, period)
    lines = [_("🎯 <b>Targets of {name} — {period}</b>").format(
        name=esc(cadre.full_name), period=period_label(period))]
    rows = []
    for index, line in enumerate(sheet.lines, 1):
        unit = "%" if line.product.kind == ProductKind.RATE else " " + (line.product.unit_of_measure or "")
        default = line.product.default_target
        note = "" if line.target == default else " " + _("(default {value})").format(
            value=fmt_number(default, 0 if float(default).is_integer() else 1))
        lines.append(f"{index}. {esc(line.product.name)}: <b>"
                     f"{fmt_number(line.target, 0 if float(line.target).is_integer() else 1)}"
                     f"{esc(unit.rstrip())}</b>{note}")
        if line.entry.status in EDITABLE and period.status != "locked":
            rows.append([button(f"✏️ {index}. {line.product.name[:28]}", PREFIX, "p", cadre.id,
                                line.product.id)])
    rows.append([button(_("⬅️ Back"), PREFIX, "l", 0)])
    text = (prefix + "\n\n" if prefix else "") + "\n".join(lines)
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    action = data.split(":")[1] if ":" in data else ""
    try:
        if not context.actor.is_supervisor:
            raise KpiError("forbidden")
        if action == "l" and (ids := parse_ids(data, 1)) is not None:
            await _show_cadres(update, context, max(ids[0], 0))
        elif action == "c" and (ids := parse_ids(data, 1)) is not None:
            await _show_targets(update, context, ids[0])
        elif action == "p" and (ids := parse_ids(data, 2)) is not None:
            await _ask_value(update, context, ids[0], ids[1])
        else:
            raise KpiError("not_found")
    except KpiError:
        await refuse(update, _("This button is no longer valid. Please open the function "
                               "again from the menu."))
        return
    await query.answer()


async def _ask_value(update: Update, context: BotContext, cadre_id: int, product_id: int) -> None:
    kpi = context.services.kpi
    async with context.db.session() as session:
        cadre = await _cadre_i_may_adjust(session, context, cadre_id)
        product = await session.get(ProductType, product_id)
        if product is None or product.position_id != cadre.position_id:
            raise KpiError("not_found")
        period = await kpi.current_period(session, cadre, context.today)
        sheet = await kpi.sheet(session, cadre, period)
        line = next(line for line in sheet.lines if line.product.id == product_id)
        if line.entry.status not in EDITABLE:
            raise KpiError("not_editable")
        await flows.set_flow(session, update.effective_chat.id,
                             Flow(FLOW, "value", {"cadre_id": cadre.id, "product_id": product_id,
                                                  "period_id": period.id}), context.clock.now())
    text = _("New target for “{product}” of {name} (now {value}). Type a number:").format(
        product=esc(product.name), name=esc(cadre.full_name),
        value=fmt_number(line.target, 0 if float(line.target).is_integer() else 1))
    await edit_or_send(update, context, text)


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    try:
        value = parse_number(message.text or "")
    except NotANumber as error:
        await message.reply_text(not_a_number(message.text or "", error, _(
            "Please type the new target as a number, e.g. 100.")), parse_mode="HTML")
        return
    if value <= 0 or value > 1e7:
        await message.reply_text(_("A target must be a positive number."))
        return
    kpi = context.services.kpi
    now = context.clock.now()
    try:
        async with context.db.session() as session:
            cadre = await _cadre_i_may_adjust(session, context, flow.data["cadre_id"])
            me = await session.get(Cadre, context.actor.cadre_id)
            period = await kpi.current_period(session, cadre, context.today)
            if period.id != flow.data["period_id"]:
                raise KpiError("not_found")
            product = await session.get(ProductType, flow.data["product_id"])
            if product.kind == ProductKind.RATE and value > 100:
                await message.reply_text(_("A percentage must be between 0 and 100."))
                return
            target = await kpi.adjust_target(session, supervisor=me, cadre=cadre, period=period,
                                             product_type_id=product.id, quantity=value, now=now,
                                             as_board=context.actor.is_board)
            await flows.clear_flow(session, update.effective_chat.id)
    except KpiError:
        async with context.db.session() as session:
            await flows.clear_flow(session, update.effective_chat.id)
        await message.reply_text(_("This target can no longer be changed (the report has been "
                                   "sent or the period is locked)."))
        return
    shown = fmt_number(target.quantity, 0 if float(target.quantity).is_integer() else 1)
    await _show_targets(update, context, cadre.id,
                        prefix=_("✅ Target of “{product}” set to {value}.").format(
                            product=esc(product.name), value=shown))
    if cadre.telegram_chat_id and cadre.reachable:
        try:
            await context.bot.send_message(
                cadre.telegram_chat_id,
                _("🎯 Your evaluator changed your target for “{product}” in {period} to {value}.")
                .format(product=esc(product.name), period=period_label(period), value=shown),
                parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the sheet shows the new target anyway
            pass


def register(app: Application) -> None:
    app.add_handler(CommandHandler("chitieu", final(on_targets), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
