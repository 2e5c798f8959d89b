"""📝 Báo cáo KPI: the period sheet, one question at a time per product, self-assessment,
submission. State of the flow lives in the database (flow "kpi")."""

from __future__ import annotations

import logging

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, _, fmt_date, fmt_number, fmt_percent, fmt_score
from bot.services import flows
from bot.services.criteria import criterion_description, criterion_title
from bot.services.flows import Flow
from bot.services.kpi import EDITABLE, KpiError, Line, PeriodSheet, incomplete
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import meaningful
from handlers import flowrouter
from handlers.common import (
    band_label,
    button,
    edit_or_send,
    esc,
    final,
    not_a_number,
    parse_ids,
    period_label,
    refuse,
    status_label,
)
from handlers.menu import ITEMS, register_item
from handlers.screens.entries import figures_text
from handlers.screens.rating import criterion_choices
from models import Cadre, Entry, Evidence, Period
from models.enums import ExemptionStatus, ProductKind

log = logging.getLogger(__name__)

FLOW = "kpi"
PREFIX = "kp"
BOARD_PREFIX = "kb"
ABSURD_FACTOR = 10
MAX_NOTE = 1000
MAX_FILE_BYTES = 20 * 1024 * 1024
EVIDENCE_MIME = ("application/pdf", "image/", "application/msword",
                 "application/vnd.openxmlformats-officedocument", "application/vnd.ms-excel")
# Per item (Decree 335 Art. 14): the cadre gives the major content errors and the delays;
# the on-time count is asked only when the province reads the deductions per product type.
COUNT_STEPS = {"per_item": ["done", "passed", "failed", "delays", "exempt", "note", "evidence"],
               "per_type": ["done", "passed", "on_time", "failed", "delays", "exempt", "note",
                            "evidence"]}
RATE_STEPS = ["done", "note", "evidence"]
MAX_EXEMPTION = 500
# ---------------------------------------------------------------- rendering

def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def _target_text(line: Line) -> str:
    if line.product.kind == ProductKind.RATE:
        return f"{_num(line.target)}%"
    unit = line.product.unit_of_measure or ""
    return f"{_num(line.target)} {esc(unit)}".strip()


def _entry_summary(line: Line, reading: str) -> str:
    return figures_text(line.entry, line.product.kind, reading)


def render_sheet(sheet: PeriodSheet, today, other_periods: list[Period], policy,
                 board: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    period = sheet.period
    lines = [_("📝 <b>KPI report — {period}</b>").format(period=period_label(period))]
    if board:
        lines.append(_("🛠 Organization Board correcting the report of {name} ({code}); every "
                       "change is recorded in the audit log.").format(
            name=esc(sheet.cadre.full_name), code=esc(sheet.cadre.code)))
    lines.append(_("Submission deadline: {date}").format(date=fmt_date(period.submission_deadline)))
    if period.status == "locked":
        lines.append(_("🔒 This period is locked: nothing can be changed."))
    elif today > period.submission_deadline and sheet.editable:
        lines.append(_("⚠️ The deadline has passed: a report sent now is recorded as late."))
    lines.append("")
    if not sheet.lines:
        lines.append(_("No work products are assigned to your job position yet. "
                       "Please contact the Organization Board."))
    for index, line in enumerate(sheet.lines, 1):
        lines.append(f"{index}. <b>{esc(line.product.name)}</b> — "
                     + _("target {target}").format(target=_target_text(line)))
        status = status_label(line.entry.status)
        if line.entry.is_late and line.entry.status != "draft":
            status += " · " + _("late")
        lines.append(f"    {_entry_summary(line, policy.scoring.deduction_reading)} — {status}")
        if line.entry.status == "returned" and line.entry.return_reason:
            lines.append("    " + _("↩️ Reason: {reason}").format(reason=esc(line.entry.return_reason)))
    lines.append("")
    evaluation = sheet.evaluation
    general = policy.scoring.general_points
    if evaluation is not None and evaluation.self_criteria:
        points = sum(evaluation.self_criteria.values())
        lines.append(_("Self-assessment of general criteria: {points}/{max} points").format(
            points=fmt_score(points), max=_num(general)))
    else:
        lines.append(_("Self-assessment of general criteria: not done yet"))
    if sheet.lines:
        lines.append(_("Projected score: <b>{score}</b> — {band}").format(
            score=fmt_score(sheet.score.total), band=band_label(sheet.score.band)))

    rows = []
    editable = period.status != "locked"
    for index, line in enumerate(sheet.lines, 1):
        if board or (editable and line.entry.status in EDITABLE):
            name = line.product.name if len(line.product.name) <= 28 else line.product.name[:27] + "…"
            rows.append([button(f"✏️ {index}. {name}", BOARD_PREFIX if board else PREFIX, "e",
                                line.entry.id)])
    if board:
        return "\n".join(lines), InlineKeyboardMarkup(rows)
    if editable and sheet.editable:
        rows.append([button(_("⭐ Self-assessment"), PREFIX, "g", period.id),
                     button(_("📤 Send for approval"), PREFIX, "sub", period.id)])
    for other in other_periods:
        if other.id != period.id:
            rows.append([button(_("📅 Open {period}").format(period=period_label(other)),
                                PREFIX, "o", other.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _question(line: Line, step: str, prefix: str = PREFIX, reading: str = "per_item",
              shares: tuple[str, str] = ("25%", "25%")) -> tuple[str, InlineKeyboardMarkup | None]:
    e, p = line.entry, line.product
    unit = esc(p.unit_of_measure or "")
    head = f"<b>{esc(p.name)}</b> — " + _("target {target}").format(target=_target_text(line))
    eid = e.id
    if step == "done":
        if p.kind == ProductKind.RATE:
            return head + "\n" + _("What percentage did you achieve? Type a number, e.g. 92,5."), None
        text = head + "\n" + _("How many {unit} did you complete? Type a number, e.g. 125.").format(unit=unit)
        return text, None
    done = _num(e.quantity_done)
    if step == "passed":
        text = _("Of the {done} completed, how many passed the quality review?").format(done=done)
        return text, InlineKeyboardMarkup([[button(_("✅ All ({done})").format(done=done), prefix, "a", eid, step)]])
    if step == "on_time":
        text = _("How many were completed on time?")
        return text, InlineKeyboardMarkup([[button(_("✅ All ({done})").format(done=done), prefix, "a", eid, step)]])
    if step in ("failed", "delays"):
        if step == "failed":
            text = _("How many times was a product assessed as not meeting the requirements "
                     "because of a major content error this period? Each time removes {share} "
                     "of the quality point of that product.").format(share=shares[0])
        elif reading == "per_item":
            text = _("How many times was a product finished late this period? Each delay "
                     "removes {share} of the progress point of that product.").format(
                share=shares[1])
        else:
            text = _("How many times was work delayed this period?")
        text += "\n" + _("Tap a number, or type it.")
        return text, InlineKeyboardMarkup([[button(str(n), prefix, "n", eid, step, n) for n in range(4)]])
    if step == "exempt":
        text = _("Were these errors or delays due to an objective cause certified by a competent "
                 "authority? If so, you may ask your evaluator not to deduct them.")
        return text, InlineKeyboardMarkup([[button(_("No"), prefix, "x", eid, 0),
                                            button(_("⚖️ Yes, ask for an exemption"), prefix,
                                                   "x", eid, 1)]])
    if step == "exempt_reason":
        text = _("Type the objective cause and the document that certifies it (e.g. “Power cut "
                 "on 12/11, Official letter No. … of the commune People's Committee”).")
        return text, None
    if step == "note":
        text = _("A note for your evaluator (optional). Type it, or tap “Skip”.")
        return text, InlineKeyboardMarkup([[button(_("⏭ Skip"), prefix, "s", eid, step)]])
    text = _("Send photos or files as evidence (optional). When finished, tap “Done”.")
    return text, InlineKeyboardMarkup([[button(_("✅ Done"), prefix, "s", eid, step)]])


def _steps(line: Line, reading: str) -> list[str]:
    return RATE_STEPS if line.product.kind == ProductKind.RATE else COUNT_STEPS[reading]


def _next_step(line: Line, step: str, reading: str) -> str | None:
    """The next question; the exemption question only when there is something to exempt."""
    if step == "exempt_reason":
        step = "exempt"
    steps = _steps(line, reading)
    index = steps.index(step)
    for nxt in steps[index + 1:]:
        if nxt == "exempt" and not (line.entry.failed_reviews or line.entry.delays):
            continue
        return nxt
    return None


def _reading(context: BotContext) -> str:
    return context.services.policy.scoring.deduction_reading


def _shares(context: BotContext) -> tuple[str, str]:
    """The deductions per failed review and per delay, as the questions state them."""
    scoring = context.services.policy.scoring
    return (fmt_percent(scoring.quality_deduction_per_failure),
            fmt_percent(scoring.timeliness_deduction_per_delay))


# ---------------------------------------------------------------- helpers

async def _me(session, context: BotContext) -> Cadre:
    return await session.get(Cadre, context.actor.cadre_id)


def _board_mode(context: BotContext) -> bool:
    """Board correcting someone's report (also after the period is locked; audited)."""
    return getattr(context, "kpi_board", False)


def _prefix(context: BotContext) -> str:
    return BOARD_PREFIX if _board_mode(context) else PREFIX


async def _entry(session, context: BotContext, entry_id: int) -> Line:
    """The entry the caller may edit: their own, or anyone's for board in board mode."""
    if not _board_mode(context):
        return await _kpi(context).entry_for(session, context.actor.cadre_id, entry_id)
    if not context.actor.is_board:
        raise KpiError("not_found")
    entry = await session.get(Entry, entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        raise KpiError("not_found")
    return await _kpi(context).entry_for(session, entry.cadre_id, entry_id, override=True)


def _save_kwargs(context: BotContext) -> dict:
    return {"board_actor_id": context.actor.cadre_id} if _board_mode(context) else {}


def _kpi(context: BotContext):
    return context.services.kpi



KPI_ERRORS = {
    "not_found": N_("This button is no longer valid. Please open the function again from the menu."),
    "locked": N_("This period is locked: nothing can be changed any more."),
    "not_editable": N_("This entry has already been sent for approval and cannot be changed now."),
    "nothing_to_submit": N_("There is nothing new to send in this period."),
    "no_self_assessment": N_("Please do the self-assessment of the general criteria (⭐) before sending."),
    "already_rated": N_("Your evaluator has already rated this period."),
    "self_sent": N_("This period's report has already been sent for approval, so the "
                    "self-assessment cannot be changed now."),
}


async def _kpi_error(update: Update, error: KpiError) -> None:
    if error.code == "missing":
        text = _("These products are not fully entered yet: {names}. Enter them first "
                 "(type 0 if nothing was done).").format(names=", ".join(error.info["products"]))
    else:
        message = KPI_ERRORS.get(error.code) or KPI_ERRORS["not_found"]
        text = _(message)
    await refuse(update, text)


async def show_sheet(update: Update, context: BotContext, period_id: int | None = None,
                     prefix: str = "", subject_id: int | None = None) -> None:
    today = context.today
    if _board_mode(context) and subject_id is not None:
        async with context.db.session() as session:
            subject = await session.get(Cadre, subject_id)
            period = await session.get(Period, period_id)
            sheet = await _kpi(context).sheet(session, subject, period, create=False)
            text, markup = render_sheet(sheet, today, [], context.services.policy, board=True)
        await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + text, markup)
        return
    async with context.db.session() as session:
        me = await _me(session, context)
        shown = await _kpi(context).periods_to_show(session, me, today)
        period = next((p for p in shown if p.id == period_id), None)
        if period is None and period_id is not None:
            candidate = await session.get(Period, period_id)
            if candidate is not None:
                period = candidate
        if period is None:
            returned = [p for p in shown[:-1]]
            period = returned[0] if returned else shown[-1]
        sheet = await _kpi(context).sheet(session, me, period)
        text, markup = render_sheet(sheet, today, shown, context.services.policy)
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + text, markup)


async def _ask(update: Update, context: BotContext, line: Line, step: str, prefix: str = "") -> None:
    async with context.db.session() as session:
        await flows.set_flow(session, update.effective_chat.id,
                             Flow(FLOW, step, {"entry_id": line.entry.id,
                                               "board": _board_mode(context)}),
                             context.clock.now())
    text, markup = _question(line, step, _prefix(context), _reading(context), _shares(context))
    if prefix:
        text = prefix + "\n\n" + text
    await edit_or_send(update, context, text, markup)


async def _advance(update: Update, context: BotContext, line: Line, step: str,
                   prefix: str = "") -> None:
    """After a step is saved (`line` as the saving transaction left it): the next question,
    or the product summary and the sheet."""
    nxt = _next_step(line, step, _reading(context))
    if nxt is not None:
        await _ask(update, context, line, nxt, prefix)
        return
    async with context.db.session() as session:
        await flows.clear_flow(session, update.effective_chat.id)
    saved = _("✅ Saved “{product}”: {summary}.").format(
        product=esc(line.product.name), summary=_entry_summary(line, _reading(context)))
    await show_sheet(update, context, line.entry.period_id, prefix=saved,
                     subject_id=line.entry.cadre_id)


# ---------------------------------------------------------------- entry points

async def on_report(update: Update, context: BotContext) -> None:
    await show_sheet(update, context)


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    action = data.split(":")[1] if data.count(":") >= 1 else ""
    handler = CALLBACKS.get(action)
    if data.startswith(BOARD_PREFIX + ":"):
        context.kpi_board = True
        if action not in BOARD_ACTIONS or not context.actor.is_board:
            handler = None
    if handler is None:
        await _kpi_error(update, KpiError("not_found"))
        return
    try:
        await handler(update, context, data)
    except KpiError as error:
        await _kpi_error(update, error)  # answers the tap with an alert
        return
    await query.answer()


async def cb_open(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        period = await session.get(Period, ids[0])
        me = await _me(session, context)
        if period is None:
            raise KpiError("not_found")
        sheet = await _kpi(context).sheet(session, me, period, create=False)
        if not sheet.lines:
            shown = await _kpi(context).periods_to_show(session, me, context.today)
            if period.id not in {p.id for p in shown}:
                raise KpiError("not_found")
    await show_sheet(update, context, ids[0])


async def cb_edit(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
    await _ask(update, context, line, "done")


async def _current_step(context, chat_id: int, entry_id: int, step: str) -> bool:
    async with context.db.session() as session:
        flow = await flows.get_flow(session, chat_id)
    return (flow is not None and flow.name == FLOW and flow.step == step
            and flow.data.get("entry_id") == entry_id)


async def cb_all(update, context, data):
    parts = data.split(":")
    ids = parse_ids(data, 1)
    if ids is None or len(parts) < 4 or parts[3] not in ("passed", "on_time"):
        raise KpiError("not_found")
    step = parts[3]
    if not await _current_step(context, update.effective_chat.id, ids[0], step):
        raise KpiError("not_found")
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
        field = "quantity_passed" if step == "passed" else "quantity_on_time"
        await _kpi(context).save(session, line, context.clock.now(),
                                 **{field: line.entry.quantity_done}, **_save_kwargs(context))
    await _advance(update, context, line, step)


async def cb_number(update, context, data):
    parts = data.split(":")
    if len(parts) != 5 or parts[3] not in ("failed", "delays") or not parts[4].isdigit():
        raise KpiError("not_found")
    ids = parse_ids(data, 1)
    if ids is None or not await _current_step(context, update.effective_chat.id, ids[0], parts[3]):
        raise KpiError("not_found")
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
        await _store_number(session, context, line, parts[3], int(parts[4]))
    await _advance(update, context, line, parts[3])


async def cb_exempt(update, context, data):
    """The answer to "objective cause?": no clears any request; yes asks for the cause."""
    ids = parse_ids(data, 2)
    if ids is None or ids[1] not in (0, 1):
        raise KpiError("not_found")
    if not await _current_step(context, update.effective_chat.id, ids[0], "exempt"):
        raise KpiError("not_found")
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
        if not ids[1]:
            await _kpi(context).save(session, line, context.clock.now(), exemption_note=None,
                                     exemption_status=None, **_save_kwargs(context))
    if ids[1]:
        await _ask(update, context, line, "exempt_reason")
    else:
        await _advance(update, context, line, "exempt")


async def cb_skip(update, context, data):
    parts = data.split(":")
    ids = parse_ids(data, 1)
    if ids is None or len(parts) < 4 or parts[3] not in ("note", "evidence"):
        raise KpiError("not_found")
    if not await _current_step(context, update.effective_chat.id, ids[0], parts[3]):
        raise KpiError("not_found")
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
    await _advance(update, context, line, parts[3])


async def cb_confirm_big(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
    if (flow is None or flow.step != "confirm" or flow.data.get("entry_id") != ids[0]):
        raise KpiError("not_found")
    step, value = flow.data["for_step"], flow.data["value"]
    async with context.db.session() as session:
        line = await _entry(session, context, ids[0])
        await _store_number(session, context, line, step, value)
    await _advance(update, context, line, step)


async def cb_retype(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
        line = await _entry(session, context, ids[0])
    step = flow.data.get("for_step", "done") if flow and flow.step == "confirm" else "done"
    await _ask(update, context, line, step)


async def _store_number(session, context, line: Line, step: str, value: float) -> None:
    fields = {"done": "quantity_done", "passed": "quantity_passed", "on_time": "quantity_on_time",
              "failed": "failed_reviews", "delays": "delays"}
    values = {fields[step]: int(value) if step in ("failed", "delays") else value}
    if step in ("failed", "delays"):
        failed = values.get("failed_reviews", line.entry.failed_reviews)
        delays = values.get("delays", line.entry.delays)
        if not (failed or delays):  # nothing left to exempt
            values.update(exemption_note=None, exemption_status=None)
    if step == "done":
        # A new "done" figure invalidates the parts that depended on the old one.
        e = line.entry
        if line.product.kind == ProductKind.RATE:
            values.update(quantity_passed=value, quantity_on_time=value)
        else:
            if e.quantity_passed is not None and e.quantity_passed > value:
                values["quantity_passed"] = None
            if e.quantity_on_time is not None and e.quantity_on_time > value:
                values["quantity_on_time"] = None
    await _kpi(context).save(session, line, context.clock.now(), **values,
                             **_save_kwargs(context))


# ---------------------------------------------------------------- self-assessment

def _criterion_buttons(period_id: int, index: int, max_points: float):
    values = criterion_choices(max_points)
    row = [button(fmt_number(v, 0 if v.is_integer() else 1), PREFIX, "gc", period_id, index,
                  int(round(v * 10))) for v in values]
    return InlineKeyboardMarkup([row[:4], row[4:]])


async def _ask_criterion(update, context, period_id: int, index: int, prefix: str = "") -> None:
    criteria = context.services.policy.scoring.general_criteria
    criterion = criteria[index]
    title, description = criterion_title(criterion), criterion_description(criterion)
    text = _("⭐ <b>Self-assessment {index}/{count}: {title}</b> (at most {max} points)").format(
        index=index + 1, count=len(criteria), title=esc(title), max=_num(criterion.max_points))
    if description:
        text += "\n" + esc(description)
    text += "\n" + _("Tap your points, or type a number.")
    async with context.db.session() as session:
        await flows.set_flow(session, update.effective_chat.id,
                             Flow(FLOW, "self", {"period_id": period_id, "index": index}),
                             context.clock.now())
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + text,
                       _criterion_buttons(period_id, index, criterion.max_points))


async def cb_self(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        period = await session.get(Period, ids[0])
        if period is None:
            raise KpiError("not_found")
        await _kpi(context).check_self_assessment_open(session, await _me(session, context),
                                                       period)
    await _ask_criterion(update, context, ids[0], 0)


async def _save_criterion(update, context, period_id: int, index: int, points: float) -> None:
    criteria = context.services.policy.scoring.general_criteria
    if not 0 <= index < len(criteria):
        raise KpiError("not_found")
    criterion = criteria[index]
    if not 0 <= points <= criterion.max_points:
        await update.effective_message.reply_text(
            _("Please give between 0 and {max} points.").format(max=_num(criterion.max_points)))
        return
    async with context.db.session() as session:
        period = await session.get(Period, period_id)
        if period is None:
            raise KpiError("not_found")
        await _kpi(context).save_self_assessment(session, await _me(session, context), period,
                                                 criterion.key, points)
    if index + 1 < len(criteria):
        await _ask_criterion(update, context, period_id, index + 1)
        return
    async with context.db.session() as session:
        await flows.clear_flow(session, update.effective_chat.id)
    await show_sheet(update, context, period_id, prefix=_("✅ Self-assessment saved."))


async def cb_criterion(update, context, data):
    ids = parse_ids(data, 3)
    if ids is None:
        raise KpiError("not_found")
    period_id, index, tenths = ids
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
    if (flow is None or flow.step != "self" or flow.data.get("period_id") != period_id
            or flow.data.get("index") != index):
        raise KpiError("not_found")
    await _save_criterion(update, context, period_id, index, tenths / 10)


# ---------------------------------------------------------------- submission

async def cb_submit(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    async with context.db.session() as session:
        me = await _me(session, context)
        period = await session.get(Period, ids[0])
        if period is None:
            raise KpiError("not_found")
        sheet = await _kpi(context).sheet(session, me, period)
        if not sheet.editable:
            raise KpiError("nothing_to_submit")
        missing = incomplete(sheet.editable, _reading(context))
        if missing:
            raise KpiError("missing", products=missing)
        if not _kpi(context).self_assessment_complete(sheet.evaluation):
            raise KpiError("no_self_assessment")
        evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
    who = esc(evaluator.full_name) if evaluator else _("the Organization Board")
    text = _("Send {count} products of {period} to {who} for approval? After sending you "
             "cannot change them unless they are returned.\nProjected score: {score} — {band}").format(
        count=len(sheet.editable), period=period_label(period), who=who,
        score=fmt_score(sheet.score.total), band=band_label(sheet.score.band))
    markup = InlineKeyboardMarkup([[button(_("📤 Confirm and send"), PREFIX, "ok", period.id),
                                    button(_("⬅️ Back"), PREFIX, "o", period.id)]])
    await edit_or_send(update, context, text, markup)


async def cb_submit_ok(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise KpiError("not_found")
    now = context.clock.now()
    async with context.db.session() as session:
        me = await _me(session, context)
        period = await session.get(Period, ids[0])
        if period is None:
            raise KpiError("not_found")
        sent = await _kpi(context).submit(session, me, period, now, context.today)
        evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
        late = any(e.is_late for e in sent)
    text = _("📤 Sent {count} products of {period} for approval.").format(
        count=len(sent), period=period_label(period))
    if late:
        text += "\n" + _("⚠️ Sent after the deadline ({date}): recorded as late.").format(
            date=fmt_date(period.submission_deadline))
    await show_sheet(update, context, period.id, prefix=text)
    if evaluator is not None and evaluator.telegram_chat_id and evaluator.active:
        note = _("📥 {name} has sent the KPI report of {period} ({count} products) for your "
                 "approval. Open “✅ Approvals” to review it.").format(
            name=esc(me.full_name), period=period_label(period), count=len(sent))
        try:
            await context.bot.send_message(evaluator.telegram_chat_id, note, parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the inbox shows it anyway
            log.info("could not notify evaluator %s", evaluator.code)


BOARD_ACTIONS = {"e", "a", "n", "s", "y", "r", "x"}
# every button action this module answers (kb: the board correcting someone's report)
ACTIONS: dict = {}  # filled below from CALLBACKS
CALLBACKS = {
    "o": cb_open, "e": cb_edit, "a": cb_all, "n": cb_number, "s": cb_skip,
    "y": cb_confirm_big, "r": cb_retype, "g": cb_self, "gc": cb_criterion,
    "sub": cb_submit, "ok": cb_submit_ok, "x": cb_exempt,
}
ACTIONS.update({PREFIX: tuple(CALLBACKS), BOARD_PREFIX: tuple(sorted(BOARD_ACTIONS))})


# ---------------------------------------------------------------- typed input and files

async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    context.kpi_board = bool(flow.data.get("board"))
    if flow.step == "self":
        await _typed_criterion(update, context, flow)
        return
    entry_id = flow.data.get("entry_id")
    try:
        async with context.db.session() as session:
            line = await _entry(session, context, entry_id)
    except KpiError as error:
        async with context.db.session() as session:
            await flows.clear_flow(session, update.effective_chat.id)
        await _kpi_error(update, error)
        return
    step = flow.step
    if step == "evidence":
        await _evidence(update, context, line)
        return
    if step == "confirm":
        text, markup = _confirm_markup(line, flow.data["value"], _prefix(context))
        await message.reply_text(_("Please choose one of the buttons.") + "\n\n" + text,
                                 parse_mode="HTML", reply_markup=markup)
        return
    if message.text is None:
        text, markup = _question(line, step, _prefix(context), _reading(context), _shares(context))
        await message.reply_text(_("Please answer by typing or with the buttons.") + "\n\n" + text,
                                 parse_mode="HTML", reply_markup=markup)
        return
    if step == "exempt":
        text, markup = _question(line, step, _prefix(context), _reading(context), _shares(context))
        await message.reply_text(_("Please choose one of the buttons.") + "\n\n" + text,
                                 parse_mode="HTML", reply_markup=markup)
        return
    if step == "exempt_reason":
        cause = message.text.strip()
        if not meaningful(cause) or len(cause) > MAX_EXEMPTION:
            await message.reply_text(_("Please type the cause in words (at most {max} "
                                       "characters).").format(max=MAX_EXEMPTION))
            return
        async with context.db.session() as session:
            line = await _entry(session, context, entry_id)
            await _kpi(context).save(session, line, context.clock.now(), exemption_note=cause,
                                     exemption_status=ExemptionStatus.CLAIMED.value,
                                     **_save_kwargs(context))
        await _advance(update, context, line, step,
                       prefix=_("⚖️ Your request for an exemption will be shown to your "
                                "evaluator."))
        return
    if step == "note":
        note = message.text.strip()
        if len(note) > MAX_NOTE:
            await message.reply_text(_("The note is too long ({length} characters); at most "
                                       "{max}. Please shorten it.").format(
                length=fmt_number(len(note)), max=fmt_number(MAX_NOTE)))
            return
        async with context.db.session() as session:
            line = await _entry(session, context, entry_id)
            await _kpi(context).save(session, line, context.clock.now(), note=note,
                                     **_save_kwargs(context))
        await _advance(update, context, line, step, prefix=_("Note saved."))
        return
    await _typed_number(update, context, line, step)


async def _typed_number(update: Update, context: BotContext, line: Line, step: str) -> None:
    message = update.effective_message
    text, markup = _question(line, step, _prefix(context), _reading(context), _shares(context))
    try:
        value = parse_number(message.text)
    except NotANumber as error:
        await message.reply_text(not_a_number(message.text, error) + "\n\n" + text,
                                 parse_mode="HTML", reply_markup=markup)
        return
    problem = _check_number(line, step, value)
    if problem:
        await message.reply_text(problem + "\n\n" + text, parse_mode="HTML", reply_markup=markup)
        return
    if step == "done" and line.product.kind == ProductKind.COUNT and line.target > 0 \
            and value > ABSURD_FACTOR * line.target:
        async with context.db.session() as session:
            await flows.set_flow(session, update.effective_chat.id,
                                 Flow(FLOW, "confirm", {"entry_id": line.entry.id,
                                                        "for_step": step, "value": value,
                                                        "board": _board_mode(context)}),
                                 context.clock.now())
        text, markup = _confirm_markup(line, value, _prefix(context))
        await message.reply_text(text, parse_mode="HTML", reply_markup=markup)
        return
    async with context.db.session() as session:
        line = await _entry(session, context, line.entry.id)
        await _store_number(session, context, line, step, value)
    await _advance(update, context, line, step)


def _confirm_markup(line: Line, value: float, prefix: str = PREFIX):
    text = _("{value} is more than {factor} times the target ({target}). Is this number "
             "correct?").format(value=_num(value), factor=ABSURD_FACTOR, target=_num(line.target))
    markup = InlineKeyboardMarkup([[button(_("✅ Yes, keep it"), prefix, "y", line.entry.id),
                                    button(_("✏️ Type again"), prefix, "r", line.entry.id)]])
    return text, markup


def _check_number(line: Line, step: str, value: float) -> str | None:
    e = line.entry
    if value < 0:
        return _("The number cannot be negative. Please type it again.")
    if step in ("failed", "delays"):
        if not float(value).is_integer() or value > 99:
            return _("Please type a whole number from 0 to 99.")
        return None
    if step == "done" and line.product.kind == ProductKind.RATE and value > 100:
        return _("A percentage must be between 0 and 100.")
    if value > 1e9:
        return _("This number is too large. Please type it again.")
    if step in ("passed", "on_time") and e.quantity_done is not None and value > e.quantity_done:
        what = _("passed the quality review") if step == "passed" else _("completed on time")
        return _("The number that {what} ({value}) cannot be larger than the number completed "
                 "({done}). Please type it again.").format(
            what=what, value=_num(value), done=_num(e.quantity_done))
    return None


async def _typed_criterion(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    period_id, index = flow.data.get("period_id"), flow.data.get("index", 0)
    try:
        points = parse_number(message.text or "")
    except NotANumber as error:
        await message.reply_text(not_a_number(message.text or "", error, _(
            "Please tap your points, or type a number such as 7 or 6,5.")), parse_mode="HTML")
        return
    try:
        await _save_criterion(update, context, period_id, index, points)
    except KpiError as error:
        async with context.db.session() as session:
            await flows.clear_flow(session, update.effective_chat.id)
        await _kpi_error(update, error)


async def _evidence(update: Update, context: BotContext, line: Line) -> None:
    message = update.effective_message
    done_markup = InlineKeyboardMarkup([[button(_("✅ Done"), _prefix(context), "s", line.entry.id,
                                                "evidence")]])
    now = context.clock.now()
    evidence = None
    if message.photo:
        photo = message.photo[-1]
        evidence = Evidence(entry_id=line.entry.id, kind="photo", file_id=photo.file_id,
                            file_unique_id=photo.file_unique_id, file_size=photo.file_size,
                            created_at=now)
    elif message.document:
        doc = message.document
        mime = doc.mime_type or ""
        if not any(mime.startswith(m) for m in EVIDENCE_MIME):
            await message.reply_text(
                _("The file “{name}” cannot be used as evidence. Accepted: photos, PDF, Word, "
                  "Excel (up to 20 MB).").format(name=esc(doc.file_name or "")),
                reply_markup=done_markup)
            return
        if (doc.file_size or 0) > MAX_FILE_BYTES:
            await message.reply_text(_("The file is larger than 20 MB. Please send a smaller file."),
                                     reply_markup=done_markup)
            return
        evidence = Evidence(entry_id=line.entry.id, kind="document", file_id=doc.file_id,
                            file_unique_id=doc.file_unique_id, file_name=doc.file_name,
                            mime_type=mime, file_size=doc.file_size, created_at=now)
    elif message.text and message.text.strip().lower().startswith(("http://", "https://")):
        evidence = Evidence(entry_id=line.entry.id, kind="link", url=message.text.strip()[:2000],
                            created_at=now)
    if evidence is None:
        await message.reply_text(
            _("Please send a photo, a file or a link as evidence, or tap “Done”."),
            reply_markup=done_markup)
        return
    async with context.db.session() as session:
        line = await _entry(session, context, line.entry.id)
        session.add(evidence)
        await session.flush()
        count = (await _kpi(context).evidence_counts(session, [line.entry.id]))[line.entry.id]
    await message.reply_text(
        _("Evidence received ({count}). Send more, or tap “Done”.").format(count=count),
        reply_markup=done_markup)


async def on_board_edit(update: Update, context: BotContext) -> None:
    """/suabaocao CODE [PERIOD]: board opens any cadre's report, also in a locked period."""
    message = update.effective_message
    if not context.actor.is_board:
        await message.reply_text(_("Only the Organization Board can correct other people's "
                                   "reports."))
        return
    if not context.args:
        await message.reply_text(_("Usage: /suabaocao CADRE_CODE [PERIOD], e.g. /suabaocao "
                                   "XTH004 2026-10"))
        return
    from bot.services import periods as period_rules

    async with context.db.session() as session:
        cadre = await session.scalar(select(Cadre).where(Cadre.code == context.args[0]))
        if cadre is None:
            await message.reply_text(_("No cadre with code {code}.").format(
                code=esc(context.args[0])))
            return
        if len(context.args) > 1:
            try:
                kind, year, number = period_rules.parse_period_code(context.args[1])
            except period_rules.BadPeriodCode:
                await message.reply_text(_("Unknown period “{code}”: write 2026-11 (month), "
                                           "2026-Q4 (quarter) or 2026 (year).").format(
                    code=esc(context.args[1])))
                return
            period = await period_rules.ensure_period(
                session, kind, year, number, context.services.calendar,
                context.services.policy.calendar)
        else:
            period = await _kpi(context).current_period(session, cadre, context.today)
        sheet = await _kpi(context).sheet(session, cadre, period, create=False)
        if not sheet.lines:
            await message.reply_text(_("{name} has no report in {period}.").format(
                name=esc(cadre.full_name), period=period_label(period)))
            return
    context.kpi_board = True
    await show_sheet(update, context, period.id, subject_id=cadre.id)


def register(app: Application) -> None:
    register_item(app, ITEMS["report"], on_report)
    app.add_handler(CommandHandler("suabaocao", final(on_board_edit), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(final(on_callback),
                                         pattern=rf"^({PREFIX}|{BOARD_PREFIX}):"))
    flowrouter.route(FLOW, on_flow_message)
