"""🔔 Thông báo: a cadre's received notices with the acknowledgement button; for the board,
composing a broadcast (audience, schedule, acknowledgement, preview with the exact count)
and its statistics. Sending is done by the outbox worker (bot/outbox.py)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_datetime, fmt_number
from bot.outbox import ack_markup, deliver, progress_text
from bot.services import flows
from bot.services import notices as rules
from bot.services.flows import Flow
from handlers import flowrouter
from handlers.common import button, edit_or_send, esc, final, pager_rows, parse_ids, refuse
from handlers.menu import ITEMS, register_item
from models import Notice, NoticeDelivery, TrainingRequirement
from models.enums import AckKind

PREFIX = "nt"
ACTIONS = {PREFIX: ("l", "o", "a", "new", "noatt", "f", "next", "next0", "k", "now", "go",
                   "cancel", "sl", "st", "fu")}  # every button action this module answers
FLOW = "notice"
MAX_TEXT = 3500
WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*$")
LEVEL_CODES = {"t": "tinh", "x": "xa"}
STAFF_CODES = {"b": "can_bo", "c": "cong_chuc", "v": "vien_chuc"}
ACK_CODES = {"0": AckKind.NONE, "1": AckKind.ACK, "2": AckKind.REGISTER}
LABELS = {"tinh": N_("provincial level"), "xa": N_("commune level"), "can_bo": N_("cán bộ"),
          "cong_chuc": N_("công chức"), "vien_chuc": N_("viên chức")}



# ---------------------------------------------------------------- cadre side

async def on_notices(update: Update, context: BotContext) -> None:
    await show_list(update, context, 0)


async def show_list(update: Update, context: BotContext, page: int, prefix: str = "") -> None:
    async with context.db.session() as session:
        items, more = await rules.received_by(session, context.actor.cadre_id, page)
    lines = [_("🔔 <b>Notices</b>")]
    rows = []
    tz = context.services.settings.tz
    if not items:
        lines.append(_("You have not received any notice yet."))
    for delivery, notice in items:
        state = ""
        if notice.ack_kind != AckKind.NONE.value:
            state = " — " + (_("✅ acknowledged") if delivery.acknowledged_at else
                             _("⏳ not acknowledged yet"))
        snippet = notice.text if len(notice.text) <= 70 else notice.text[:69] + "…"
        when = delivery.sent_at or delivery.claimed_at or notice.created_at
        lines.append(f"• {fmt_datetime(when, tz)}: {esc(snippet)}{state}")
        rows.append([button(_("Open: {text}").format(text=snippet[:30]), PREFIX, "o", delivery.id)])
    rows += pager_rows(page, more, PREFIX, "l")
    if context.actor.is_board:
        rows.append([button(_("📣 Compose a notice"), PREFIX, "new")])
        rows.append([button(_("📊 Statistics of notices"), PREFIX, "sl")])
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


async def open_notice(update: Update, context: BotContext, delivery_id: int) -> None:
    async with context.db.session() as session:
        delivery = await session.get(NoticeDelivery, delivery_id)
        if delivery is None or delivery.cadre_id != context.actor.cadre_id \
                or delivery.status not in rules.READABLE:
            raise LookupError
        notice = await session.get(Notice, delivery.notice_id)
    markup = ack_markup(notice, delivery.id) if not delivery.acknowledged_at else None
    await deliver(context.bot, notice, update.effective_chat.id, markup)


async def acknowledge(update: Update, context: BotContext, delivery_id: int) -> None:
    async with context.db.session() as session:
        delivery, first = await rules.acknowledge(session, delivery_id, context.actor.cadre_id,
                                                  context.clock.now())
        notice = await session.get(Notice, delivery.notice_id)
    if first:
        text = (_("📝 Registered. Thank you!") if notice.ack_kind == AckKind.REGISTER.value
                else _("✅ Recorded: you have received this notice."))
    else:
        text = _("You already confirmed this at {time}.").format(
            time=fmt_datetime(delivery.acknowledged_at, context.services.settings.tz))
    await update.callback_query.answer(text, show_alert=not first)


# ---------------------------------------------------------------- composing (board)

def _audience_text(audience: dict) -> str:
    parts = []
    if audience.get("units"):
        parts.append(_("units {codes}").format(codes=", ".join(audience["units"])))
    if audience.get("levels"):
        parts.append(", ".join(_(LABELS[v]) for v in audience["levels"]))
    if audience.get("positions"):
        parts.append(_("positions {codes}").format(codes=", ".join(audience["positions"])))
    if audience.get("staff_types"):
        parts.append(", ".join(_(LABELS[v]) for v in audience["staff_types"]))
    if audience.get("missing"):
        parts.append(_("not yet meeting requirement {code}").format(code=audience["missing"]))
    if audience.get("young"):
        parts.append(_("young cadres (under 42)"))
    if audience.get("in_planning"):
        parts.append(_("in the planning list"))
    return "; ".join(parts) if parts else _("everyone")


async def _save(context, update, step: str, data: dict) -> None:
    async with context.db.session() as session:
        await flows.set_flow(session, update.effective_chat.id, Flow(FLOW, step, data),
                             context.clock.now())


async def _flow(context, update) -> Flow:
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
    if flow is None or flow.name != FLOW:
        raise LookupError
    return flow


async def show_audience(update: Update, context: BotContext, data: dict) -> None:
    audience = data.setdefault("audience", {})
    async with context.db.session() as session:
        count = len(await rules.recipients(session, audience, context.today))
    await _save(context, update, "audience", data)

    def toggle(label: str, on: bool, *parts) -> object:
        return button(("☑️ " if on else "▫️ ") + label, PREFIX, "f", *parts)

    levels, staff = audience.get("levels", []), audience.get("staff_types", [])
    rows = [[button(_("👥 Everyone"), PREFIX, "f", "r")],
            [toggle(_("Provincial level"), "tinh" in levels, "l", "t"),
             toggle(_("Commune level"), "xa" in levels, "l", "x")],
            [toggle("Cán bộ", "can_bo" in staff, "s", "b"),
             toggle("Công chức", "cong_chuc" in staff, "s", "c"),
             toggle("Viên chức", "vien_chuc" in staff, "s", "v")],
            [toggle(_("Young (< 42)"), bool(audience.get("young")), "y"),
             toggle(_("In planning"), bool(audience.get("in_planning")), "p")],
            [button(_("🏢 Units…"), PREFIX, "f", "u"), button(_("💼 Positions…"), PREFIX, "f", "o")],
            [button(_("📚 Missing a requirement…"), PREFIX, "f", "m")],
            [button(_("➡️ Continue ({count} recipients)").format(count=fmt_number(count)),
                    PREFIX, "next")]]
    text = _("📣 <b>Who receives it?</b>\nNow: {audience} — {count} people.\nFilters combine "
             "(all must hold).").format(audience=esc(_audience_text(audience)),
                                        count=fmt_number(count))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _filter(update: Update, context: BotContext, parts: list[str]) -> None:
    flow = await _flow(context, update)
    data, audience = dict(flow.data), dict(flow.data.get("audience", {}))
    key = parts[0] if parts else ""
    if key == "r":
        audience = {}
    elif key == "l" and len(parts) == 2 and parts[1] in LEVEL_CODES:
        _toggle_in(audience, "levels", LEVEL_CODES[parts[1]])
    elif key == "s" and len(parts) == 2 and parts[1] in STAFF_CODES:
        _toggle_in(audience, "staff_types", STAFF_CODES[parts[1]])
    elif key in ("y", "p"):
        name = "young" if key == "y" else "in_planning"
        audience[name] = not audience.get(name)
    elif key in ("u", "o"):
        data["audience"] = audience
        await _save(context, update, "units" if key == "u" else "positions", data)
        await edit_or_send(update, context, _(
            "Type the codes separated by commas, e.g. XTH, SNV (units include the units below "
            "them):"))
        return
    elif key == "m":
        async with context.db.session() as session:
            reqs = list(await session.scalars(select(TrainingRequirement).where(
                TrainingRequirement.active.is_(True)).order_by(TrainingRequirement.code)))
        rows = [[button(f"{r.code} — {r.title[:35]}", PREFIX, "f", "q", r.id)] for r in reqs]
        await edit_or_send(update, context, _("Cadres who have not yet met which requirement?"),
                           InlineKeyboardMarkup(rows))
        return
    elif key == "q" and len(parts) == 2 and parts[1].isdigit():
        async with context.db.session() as session:
            req = await session.get(TrainingRequirement, int(parts[1]))
        if req is None:
            raise LookupError
        audience["missing"] = req.code
    else:
        raise LookupError
    data["audience"] = audience
    await show_audience(update, context, data)


def _toggle_in(audience: dict, key: str, value: str) -> None:
    values = list(audience.get(key, []))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    audience[key] = values


async def _ask_ack(update: Update, context: BotContext, data: dict) -> None:
    await _save(context, update, "ack", data)
    rows = [[button(_("✅ “Received” button"), PREFIX, "k", "1")],
            [button(_("📝 “Register to attend” button"), PREFIX, "k", "2")],
            [button(_("No button"), PREFIX, "k", "0")]]
    await edit_or_send(update, context, _("Should recipients confirm?"), InlineKeyboardMarkup(rows))


async def _ask_when(update: Update, context: BotContext, data: dict) -> None:
    await _save(context, update, "when", data)
    await edit_or_send(update, context, _(
        "When to send? Tap “Now”, or type a date and time, e.g. 25/11/2026 08:00."),
        InlineKeyboardMarkup([[button(_("🚀 Now"), PREFIX, "now")]]))


async def _preview(update: Update, context: BotContext, data: dict) -> None:
    await _save(context, update, "preview", data)
    async with context.db.session() as session:
        count = len(await rules.recipients(session, data.get("audience", {}), context.today))
    sample = Notice(id=0, text=data["text"], ack_kind=data["ack"],
                    attachment_kind=data.get("attachment_kind"),
                    attachment_file_id=data.get("attachment_file_id"))
    await context.bot.send_message(update.effective_chat.id, _("Preview — this is how it will look:"))
    await deliver(context.bot, sample, update.effective_chat.id, ack_markup(sample, 0))
    when = (fmt_datetime(datetime.fromisoformat(data["at"]), context.services.settings.tz)
            if data.get("at") else _("now"))
    text = _("📣 Send to <b>{count}</b> people ({audience}), {when}?").format(
        count=fmt_number(count), audience=esc(_audience_text(data.get("audience", {}))), when=when)
    rows = [[button(_("📤 Confirm and send"), PREFIX, "go")],
            [button(_("✏️ Change the recipients"), PREFIX, "next0"),
             button(_("❌ Cancel"), PREFIX, "cancel")]]
    await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML",
                                   reply_markup=InlineKeyboardMarkup(rows))


async def _queue(update: Update, context: BotContext) -> None:
    flow = await _flow(context, update)
    if flow.step != "preview":
        raise LookupError
    data = flow.data
    now = context.clock.now()
    status = await context.bot.send_message(update.effective_chat.id, _("📣 Preparing to send…"))
    async with context.db.session() as session:
        notice = await rules.create(
            session, author_id=context.actor.cadre_id, text=data["text"],
            audience=data.get("audience", {}), ack_kind=data["ack"],
            attachment_kind=data.get("attachment_kind"),
            attachment_file_id=data.get("attachment_file_id"),
            scheduled_at=datetime.fromisoformat(data["at"]) if data.get("at") else None, now=now)
        count = await rules.queue(session, notice, now, context.today,
                                  status_chat=(update.effective_chat.id, status.message_id))
        await flows.clear_flow(session, update.effective_chat.id)
        stats = await rules.stats(session, notice.id)
    text = progress_text(notice, stats, False) if not data.get("at") else _(
        "🗓 Notice #{id} will be sent to {count} people at {when}.").format(
        id=notice.id, count=fmt_number(count),
        when=fmt_datetime(notice.scheduled_at, context.services.settings.tz))
    await status.edit_text(text)


async def show_stats(update: Update, context: BotContext, notice_id: int | None) -> None:
    async with context.db.session() as session:
        if notice_id is None:
            items = list(await session.scalars(select(Notice).where(Notice.status != "draft")
                                               .order_by(Notice.id.desc()).limit(8)))
            rows = [[button(f"#{n.id} {n.text[:40]}", PREFIX, "st", n.id)] for n in items]
            await edit_or_send(update, context, _("📊 <b>Recent notices</b>") if items else
                               _("No notice has been sent yet."), InlineKeyboardMarkup(rows))
            return
        notice = await session.get(Notice, notice_id)
        if notice is None:
            raise LookupError
        stats = await rules.stats(session, notice_id)
    lines = [_("📊 <b>Notice #{id}</b>").format(id=notice.id), esc(notice.text[:200]),
             progress_text(notice, stats, notice.status == "done")]
    rows = []
    if notice.ack_kind != AckKind.NONE.value and notice.followup_sent_at is None \
            and notice.status == "done":
        rows.append([button(_("🔁 Remind those who have not confirmed"), PREFIX, "fu", notice.id)])
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _follow_up(update: Update, context: BotContext, notice_id: int) -> None:
    async with context.db.session() as session:
        notice = await session.get(Notice, notice_id)
        if notice is None:
            raise LookupError
        again = await rules.follow_up(session, notice, context.clock.now(), context.today,
                                      _("🔁 Reminder: please confirm.") + "\n\n" + notice.text)
    text = (_("🔁 The reminder goes to {count} people.").format(
        count=fmt_number(again.recipient_count)) if again else
        _("Everyone has confirmed already, or the reminder was sent before."))
    await edit_or_send(update, context, text)


# ---------------------------------------------------------------- dispatch

async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    board = context.actor.is_board
    try:
        if action == "l" and (ids := parse_ids(data, 1)):
            await show_list(update, context, max(ids[0], 0))
        elif action == "o" and (ids := parse_ids(data, 1)):
            await open_notice(update, context, ids[0])
        elif action == "a" and (ids := parse_ids(data, 1)):
            await acknowledge(update, context, ids[0])
            return  # answered with the confirmation
        elif not board:
            raise LookupError
        elif action == "new":
            await _save(context, update, "text", {})
            await edit_or_send(update, context, _(
                "📣 <b>New notice</b>\nType the text of the notice (at most {max} characters):")
                .format(max=fmt_number(MAX_TEXT)))
        elif action == "noatt":
            flow = await _flow(context, update)
            if flow.step != "attachment":
                raise LookupError
            await show_audience(update, context, dict(flow.data))
        elif action == "f":
            await _filter(update, context, parts[2:])
        elif action in ("next", "next0"):
            flow = await _flow(context, update)
            if action == "next0":
                await show_audience(update, context, dict(flow.data))
            else:
                await _ask_ack(update, context, dict(flow.data))
        elif action == "k" and len(parts) == 3 and parts[2] in ACK_CODES:
            flow = await _flow(context, update)
            await _ask_when(update, context, {**flow.data, "ack": ACK_CODES[parts[2]].value})
        elif action == "now":
            flow = await _flow(context, update)
            await _preview(update, context, {**flow.data, "at": None})
        elif action == "go":
            await _queue(update, context)
        elif action == "cancel":
            async with context.db.session() as session:
                await flows.clear_flow(session, update.effective_chat.id)
            await edit_or_send(update, context, _("The notice was cancelled; nothing was sent."))
        elif action == "sl":
            await show_stats(update, context, None)
        elif action == "st" and (ids := parse_ids(data, 1)):
            await show_stats(update, context, ids[0])
        elif action == "fu" and (ids := parse_ids(data, 1)):
            await _follow_up(update, context, ids[0])
        else:
            raise LookupError
    except LookupError:
        await refuse(update, _("This button is no longer valid. Please open the function again "
                               "from the menu."))
        return
    await query.answer()


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    data = dict(flow.data)
    text = (message.text or "").strip()
    if flow.step == "text":
        if not text:
            await message.reply_text(_("Please type the text of the notice."))
            return
        if len(text) > MAX_TEXT:
            await message.reply_text(_("Too long: at most {limit} characters.").format(
                limit=fmt_number(MAX_TEXT)))
            return
        data["text"] = text  # stored as typed: escaped where it is shown
        await _save(context, update, "attachment", data)
        await message.reply_text(_("Attach a photo or a document (PDF, Word, Excel), or tap "
                                   "“No attachment”."), reply_markup=InlineKeyboardMarkup(
            [[button(_("No attachment"), PREFIX, "noatt")]]))
    elif flow.step == "attachment":
        if message.photo:
            data.update(attachment_kind="photo", attachment_file_id=message.photo[-1].file_id)
        elif message.document:
            data.update(attachment_kind="document", attachment_file_id=message.document.file_id)
        else:
            await message.reply_text(_("Please send a photo or a document, or tap “No "
                                       "attachment”."))
            return
        await show_audience(update, context, data)
    elif flow.step in ("units", "positions"):
        codes = [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
        if not codes:
            await message.reply_text(_("Please type at least one code."))
            return
        audience = dict(data.get("audience", {}))
        audience[flow.step] = codes
        async with context.db.session() as session:
            unknown = await rules.unknown_codes(session, audience)
        if unknown:
            what = (_("No unit has the code {codes}.") if flow.step == "units"
                    else _("No job position has the code {codes}."))
            await message.reply_text(what.format(codes=", ".join(unknown)) + " "
                                     + _("Please check and type the codes again."))
            return
        data["audience"] = audience
        await show_audience(update, context, data)
    elif flow.step == "when":
        match = WHEN.match(text)
        try:
            if not match:
                raise ValueError
            d, m, y, hh, mm = (int(x) for x in match.groups())
            local = datetime(y, m, d, hh, mm, tzinfo=context.services.settings.tz)
        except ValueError:
            await message.reply_text(_("Please type the date and time like 25/11/2026 08:00, or "
                                       "tap “Now”."))
            return
        if local <= context.clock.now():
            await message.reply_text(_("This time has already passed."))
            return
        await _preview(update, context, {**data, "at": local.isoformat()})
    else:
        await message.reply_text(_("Please choose one of the buttons."))


def register(app: Application) -> None:
    register_item(app, ITEMS["notices"], on_notices)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
