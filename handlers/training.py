"""📚 Bồi dưỡng: my obligations with status and progress, declaring a completed course
(with a certificate photo or PDF), and verification by the evaluator or the board."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_date, fmt_number
from bot.services import flows
from bot.services import training as rules
from bot.services.flows import Flow
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import ReviewError, meaningful
from handlers import flowrouter
from handlers.common import button, edit_or_send, esc, final, not_a_number, parse_ids, refuse
from handlers.menu import ITEMS, register_item
from models import Cadre, TrainingRecord, TrainingRequirement
from models.enums import TrainingCategory

PREFIX = "tr"
ACTIONS = {PREFIX: ("m", "new", "c", "s", "ok", "v", "req", "a", "x", "f")}  # every button
# action this module answers
FLOW = "course"
CATEGORIES = [
    (TrainingCategory.POLITICAL_THEORY, N_("Political theory")),
    (TrainingCategory.DEFENCE_SECURITY, N_("Defence and security")),
    (TrainingCategory.STATE_MANAGEMENT, N_("State management")),
    (TrainingCategory.JOB_SKILLS, N_("Knowledge and skills for the job position")),
    (TrainingCategory.DIGITAL, N_("Science, technology, innovation and digital skills")),
]
CATEGORY_NAMES = dict(CATEGORIES)
STATUS = {
    rules.Status.DONE: N_("✅ done"),
    rules.Status.IN_PROGRESS: N_("⏳ in progress"),
    rules.Status.DUE_SOON: N_("⚠️ due soon"),
    rules.Status.OVERDUE: N_("❌ overdue"),
}
RECORD_STATUS = {"claimed": N_("waiting for verification"), "verified": N_("verified"),
                 "rejected": N_("rejected")}
LEVELS = {"so_cap": N_("elementary"), "trung_cap": N_("intermediate"), "cao_cap": N_("advanced"),
          "cu_nhan": N_("bachelor"), "none": N_("none")}
RANGE = re.compile(r"^\s*(\d{1,2}/\d{1,2}/\d{4})\s*(?:[-–]|đến)?\s*(\d{1,2}/\d{1,2}/\d{4})?\s*$")
MAX_FILE = 20 * 1024 * 1024
STEPS = ["title", "category", "provider", "dates", "hours", "cert_no", "file", "confirm"]



def _hours(value: float) -> str:
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def category_name(value: str) -> str:
    try:
        return _(CATEGORY_NAMES[TrainingCategory(value)])
    except ValueError:
        return value


# ---------------------------------------------------------------- my obligations

async def on_training(update: Update, context: BotContext) -> None:
    await show(update, context)


async def show(update: Update, context: BotContext, prefix: str = "") -> None:
    today = context.today
    async with context.db.session() as session:
        me = await session.get(Cadre, context.actor.cadre_id)
        items = await rules.obligations(session, me, today)
        records = await rules.records_of(session, me.id)
        pending = (await rules.pending_for(session, me.id, context.actor.is_board, limit=50)
                   if context.actor.is_supervisor else [])
    lines = [_("📚 <b>Training obligations {year}</b>").format(year=today.year)]
    if not items:
        lines.append(_("No training obligation applies to you yet."))
    for item in items:
        req = item.requirement
        parts = [f"{_(STATUS[item.status])} — <b>{esc(req.title)}</b>"]
        detail = [category_name(req.category)]
        if req.hours_required:
            progress = _("{done}/{required} hours").format(done=_hours(item.hours_done),
                                                          required=_hours(req.hours_required))
            if item.hours_pending:
                progress += " " + _("(+{hours} waiting for verification)").format(
                    hours=_hours(item.hours_pending))
            detail.append(progress)
        if req.level_required:
            detail.append(_("political theory at least: {level}").format(
                level=_(LEVELS.get(req.level_required, req.level_required))))
        if req.due_date:
            detail.append(_("due {date}").format(date=fmt_date(req.due_date)))
        parts.append("    " + " · ".join(detail))
        lines += parts
    if records:
        lines += ["", _("<b>Courses you declared</b>")]
        for record in records[:5]:
            lines.append(_("• {title}: {hours} hours — {status}").format(
                title=esc(record.title), hours=_hours(record.hours),
                status=_(RECORD_STATUS[record.status])))
            if record.status == "rejected" and record.reject_reason:
                lines.append("   " + _("Reason: {reason}").format(reason=esc(record.reject_reason)))
    rows = [[button(_("➕ Declare a course"), PREFIX, "new")]]
    if pending:
        rows.append([button(_("🗂 Verify courses ({count})").format(count=len(pending)), PREFIX,
                            "v")])
    if context.actor.is_board:
        rows.append([button(_("📋 All requirements"), PREFIX, "req")])
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


async def show_requirements(update: Update, context: BotContext) -> None:
    async with context.db.session() as session:
        reqs = list(await session.scalars(select(TrainingRequirement).where(
            TrainingRequirement.active.is_(True)).order_by(TrainingRequirement.code)))
    lines = [_("📋 <b>Training requirements</b> ({count})").format(count=len(reqs))]
    for req in reqs:
        need = (_("{hours} hours").format(hours=_hours(req.hours_required)) if req.hours_required
                else _("level {level}").format(level=_(LEVELS.get(req.level_required or "none"))))
        lines.append(f"• <b>{esc(req.code)}</b> {esc(req.title)} — {category_name(req.category)}"
                     f" · {need}" + (" · " + fmt_date(req.due_date) if req.due_date else ""))
        if req.legal_basis:
            lines.append("   " + _("Basis: {text}").format(text=esc(req.legal_basis)))
    lines.append(_("To change the list, import a new file: cadrebot import training FILE"))
    await edit_or_send(update, context, "\n".join(lines))


# ---------------------------------------------------------------- declaring a course

def _question(step: str, data: dict) -> tuple[str, InlineKeyboardMarkup | None]:
    skip = InlineKeyboardMarkup([[button(_("⏭ Skip"), PREFIX, "s", STEPS.index(step))]])
    if step == "title":
        return _("➕ <b>Declare a completed course</b>\nWhat is the course called?"), None
    if step == "category":
        rows = [[button(_(name), PREFIX, "c", i)] for i, (_value, name) in enumerate(CATEGORIES)]
        return _("Which group of training does it belong to?"), InlineKeyboardMarkup(rows)
    if step == "provider":
        return _("Which school or institution held it? (or tap “Skip”)"), skip
    if step == "dates":
        return _("When did it take place? Type the dates, e.g. 03/11/2026 - 07/11/2026, or one "
                 "date."), None
    if step == "hours":
        return _("How many hours in all? Type a number, e.g. 16."), None
    if step == "cert_no":
        return _("Certificate number (or tap “Skip”):"), skip
    if step == "file":
        return _("Send a photo or PDF of the certificate (or tap “Skip”)."), skip
    summary = [_("Please check:"),
               _("Course: {title}").format(title=esc(data["title"])),
               _("Group: {name}").format(name=category_name(data["category"])),
               _("Held by: {name}").format(name=esc(data.get("provider") or "—")),
               _("Dates: {start} – {end}").format(start=fmt_date(date.fromisoformat(data["start"])),
                                                 end=fmt_date(date.fromisoformat(data["end"]))),
               _("Hours: {hours}").format(hours=_hours(data["hours"])),
               _("Certificate: {number}{file}").format(
                   number=esc(data.get("certificate_no") or "—"),
                   file=" 📎" if data.get("file_id") else "")]
    markup = InlineKeyboardMarkup([[button(_("📤 Send for verification"), PREFIX, "ok")],
                                   [button(_("✏️ Start again"), PREFIX, "new")]])
    return "\n".join(summary), markup


async def _ask(update: Update, context: BotContext, step: str, data: dict, prefix: str = "") -> None:
    async with context.db.session() as session:
        await flows.set_flow(session, update.effective_chat.id, Flow(FLOW, step, data),
                             context.clock.now())
    text, markup = _question(step, data)
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + text, markup)


async def _next(update, context, step: str, data: dict) -> None:
    await _ask(update, context, STEPS[STEPS.index(step) + 1], data)


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    step, data = flow.step, dict(flow.data)
    if step == "reject":
        await _reject(update, context, data["record_id"], message.text or "")
        return
    text = (message.text or "").strip()
    if step == "file":
        await _certificate(update, context, data)
        return
    if step in ("category", "confirm") or (not text and step != "file"):
        question, markup = _question(step, data)
        await message.reply_text(_("Please answer by typing or with the buttons.") + "\n\n" +
                                 question, parse_mode="HTML", reply_markup=markup)
        return
    if step in ("title", "provider", "cert_no"):
        limit = 64 if step == "cert_no" else 255
        if len(text) > limit:
            await message.reply_text(_("Too long: at most {limit} characters.").format(limit=limit))
            return
        data[{"title": "title", "provider": "provider", "cert_no": "certificate_no"}[step]] = text
        await _next(update, context, step, data)
    elif step == "dates":
        await _dates(update, context, data, text)
    elif step == "hours":
        try:
            hours = parse_number(text)
        except NotANumber as error:
            await message.reply_text(not_a_number(text, error), parse_mode="HTML")
            return
        if not 0 < hours <= 2000:
            await message.reply_text(_("The number of hours must be between 0 and 2.000."))
            return
        data["hours"] = hours
        await _next(update, context, step, data)


async def _dates(update: Update, context: BotContext, data: dict, text: str) -> None:
    from bot.services.imports.cells import CellError, parse_date

    match = RANGE.match(text)
    try:
        if not match:
            raise CellError(text)
        start = parse_date(match.group(1))
        end = parse_date(match.group(2)) if match.group(2) else start
    except CellError:
        await update.effective_message.reply_text(
            _("Please type the dates as dd/mm/yyyy, e.g. 03/11/2026 - 07/11/2026."))
        return
    if end < start or end > context.today or start.year < 2000:
        await update.effective_message.reply_text(
            _("The dates are not possible: the course must have ended, and end after it starts."))
        return
    data.update(start=start.isoformat(), end=end.isoformat())
    await _next(update, context, "dates", data)


async def _certificate(update: Update, context: BotContext, data: dict) -> None:
    message = update.effective_message
    if message.photo:
        data.update(file_id=message.photo[-1].file_id, file_kind="photo")
    elif message.document and ((message.document.mime_type or "") == "application/pdf"
                               or (message.document.mime_type or "").startswith("image/")):
        if (message.document.file_size or 0) > MAX_FILE:
            await message.reply_text(_("The file is larger than 20 MB. Please send a smaller file."))
            return
        data.update(file_id=message.document.file_id, file_kind="document")
    else:
        await message.reply_text(_("Please send a photo or a PDF of the certificate, or tap "
                                   "“Skip”."))
        return
    await _next(update, context, "file", data)


async def _confirm(update: Update, context: BotContext) -> None:
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
        if flow is None or flow.name != FLOW or flow.step != "confirm":
            raise ReviewError("not_found")
        me = await session.get(Cadre, context.actor.cadre_id)
        record = await rules.declare(session, me, flow.data, context.clock.now())
        await flows.clear_flow(session, update.effective_chat.id)
        evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
    await show(update, context, prefix=_("📤 Sent “{title}” for verification.").format(
        title=esc(record.title)))
    if evaluator is not None and evaluator.telegram_chat_id and evaluator.reachable:
        try:
            await context.bot.send_message(evaluator.telegram_chat_id, _(
                "🗂 {name} declared the course “{title}” ({hours} hours). Open “📚 Training” "
                "to verify it.").format(name=esc(me.full_name), title=esc(record.title),
                                        hours=_hours(record.hours)), parse_mode="HTML")
        except Exception:  # noqa: BLE001
            pass


# ---------------------------------------------------------------- verification

async def show_pending(update: Update, context: BotContext, prefix: str = "") -> None:
    async with context.db.session() as session:
        pending = await rules.pending_for(session, context.actor.cadre_id, context.actor.is_board)
    if not pending:
        await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") +
                           _("No declared course is waiting for your verification."))
        return
    record, cadre = pending[0]
    lines = [_("🗂 <b>Verify a course</b> ({count} waiting)").format(count=len(pending)),
             _("{name} ({code})").format(name=esc(cadre.full_name), code=esc(cadre.code)),
             _("Course: {title}").format(title=esc(record.title)),
             _("Group: {name}").format(name=category_name(record.category)),
             _("Held by: {name}").format(name=esc(record.provider or "—")),
             _("Dates: {start} – {end}").format(start=fmt_date(record.start_date),
                                               end=fmt_date(record.end_date)),
             _("Hours: {hours}").format(hours=_hours(record.hours)),
             _("Certificate: {number}{file}").format(number=esc(record.certificate_no or "—"),
                                                     file=" 📎" if record.certificate_file_id else "")]
    rows = [[button(_("✅ Verify"), PREFIX, "a", record.id),
             button(_("❌ Reject"), PREFIX, "x", record.id)]]
    if record.certificate_file_id:
        rows.append([button(_("📎 Show the certificate"), PREFIX, "f", record.id)])
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


async def _decide(update, context, record_id: int, approve: bool, reason: str | None) -> None:
    async with context.db.session() as session:
        record, cadre = await rules.verify(
            session, record_id=record_id, verifier_id=context.actor.cadre_id,
            is_board=context.actor.is_board, approve=approve, reason=reason,
            now=context.clock.now())
        await flows.clear_flow(session, update.effective_chat.id)
    done = (_("✅ Verified “{title}” of {name}.") if approve
            else _("❌ Rejected “{title}” of {name}.")).format(title=esc(record.title),
                                                               name=esc(cadre.full_name))
    await show_pending(update, context, prefix=done)
    if cadre.telegram_chat_id and cadre.reachable:
        note = (_("✅ Your course “{title}” ({hours} hours) has been verified.") if approve else
                _("❌ Your course “{title}” was not accepted.\nReason: {reason}")).format(
            title=esc(record.title), hours=_hours(record.hours), reason=esc(reason or ""))
        try:
            await context.bot.send_message(cadre.telegram_chat_id, note, parse_mode="HTML")
        except Exception:  # noqa: BLE001
            pass


async def _reject(update, context, record_id: int, text: str) -> None:
    if not meaningful(text):
        await update.effective_message.reply_text(_("Please type the reason."))
        return
    if len(text) > 500:
        await update.effective_message.reply_text(_(
            "The reason is too long; please keep it under 500 characters."))
        return
    try:
        await _decide(update, context, record_id, False, text.strip())
    except ReviewError:
        await update.effective_message.reply_text(_(
            "This button is no longer valid. Please open the function again from the menu."))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    action = data.split(":")[1] if ":" in data else ""
    try:
        if action == "m":
            await show(update, context)
        elif action == "new":
            await _ask(update, context, "title", {})
        elif action == "c" and (ids := parse_ids(data, 1)) and 0 <= ids[0] < len(CATEGORIES):
            flow = await _flow(context, update, "category")
            flow.data["category"] = CATEGORIES[ids[0]][0].value
            await _next(update, context, "category", flow.data)
        elif action == "s" and (ids := parse_ids(data, 1)) and 0 <= ids[0] < len(STEPS):
            step = STEPS[ids[0]]
            if step not in ("provider", "cert_no", "file"):
                raise ReviewError("not_found")
            flow = await _flow(context, update, step)
            await _next(update, context, step, flow.data)
        elif action == "ok":
            await _confirm(update, context)
        elif action == "v" and context.actor.is_supervisor:
            await show_pending(update, context)
        elif action == "req" and context.actor.is_board:
            await show_requirements(update, context)
        elif action == "a" and (ids := parse_ids(data, 1)) and context.actor.is_supervisor:
            await _decide(update, context, ids[0], True, None)
        elif action == "x" and (ids := parse_ids(data, 1)) and context.actor.is_supervisor:
            await _check_verifier(context, ids[0])
            async with context.db.session() as session:
                await flows.set_flow(session, update.effective_chat.id,
                                     Flow(FLOW, "reject", {"record_id": ids[0]}),
                                     context.clock.now())
            await edit_or_send(update, context, _("Why is the course rejected? Type the reason:"))
        elif action == "f" and (ids := parse_ids(data, 1)) and context.actor.is_supervisor:
            record = await _check_verifier(context, ids[0])
            send = (context.bot.send_photo if record.certificate_kind == "photo"
                    else context.bot.send_document)
            try:
                await send(update.effective_chat.id, record.certificate_file_id)
            except BadRequest:  # the file is no longer on Telegram's side
                await refuse(update, _("The certificate file can no longer be opened; ask the "
                                       "cadre to send it again."))
                return
        else:
            raise ReviewError("not_found")
    except ReviewError as error:
        text = (_("This course has already been handled.") if error.code == "already_decided"
                else _("This button is no longer valid. Please open the function again from the "
                       "menu."))
        await refuse(update, text)
        return
    await query.answer()


async def _flow(context: BotContext, update: Update, step: str) -> Flow:
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
    if flow is None or flow.name != FLOW or flow.step != step:
        raise ReviewError("not_found")
    return flow


async def _check_verifier(context: BotContext, record_id: int) -> TrainingRecord:
    async with context.db.session() as session:
        record = await session.get(TrainingRecord, record_id)
        if record is None:
            raise ReviewError("not_found")
        cadre = await session.get(Cadre, record.cadre_id)
    if cadre.evaluator_id != context.actor.cadre_id and not context.actor.is_board:
        raise ReviewError("not_found")
    return record


def register(app: Application) -> None:
    register_item(app, ITEMS["training"], on_training)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
