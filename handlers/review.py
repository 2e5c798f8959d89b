"""✅ Phê duyệt: the evaluator's inbox, approve / return with a reason / approve with
adjusted figures; exactly one decision per submitted version; the cadre is told at once."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import func, select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_datetime, fmt_number, fmt_score
from bot.services import flows
from bot.services import review as review_service
from bot.services.flows import Flow
from bot.services.kpi import Line
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import (
    Authority,
    Decision,
    ReviewError,
    decide,
    inbox,
    meaningful,
    submitted_entries,
    to_rate,
)
from handlers import flowrouter
from handlers.common import (
    band_label,
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
from handlers.menu import ITEMS, register_item
from handlers.screens import annual as annual_screens
from handlers.screens import rating as rating_screens
from handlers.screens.entries import figures_text
from models import Cadre, Entry, Evidence, Period, ProductType
from models.enums import ExemptionStatus, ProductKind

log = logging.getLogger(__name__)

PREFIX = "rv"
FLOW = "review"
COMMON_REASONS = [
    N_("Evidence is missing"),
    N_("The figures do not match the records"),
    N_("The quality requirements are not met"),
]
REVIEW_ERRORS = {
    "not_found": N_("This button is no longer valid. Please open the function again from the menu."),
    "forbidden": N_("You do not evaluate this cadre."),
    "locked": N_("This period is locked: nothing can be changed any more."),
    "reason_required": N_("Please give a reason for returning the report."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
    "changed": N_("This report has changed since the screen was shown. Please open it again."),
    "no_evidence": N_("This report has no evidence attached."),
    "exemption_pending": N_("First accept or refuse the request for an objective-cause "
                            "exemption (⚖️), then approve."),
}



def _n(value) -> str:
    if value is None:
        return "—"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def _signature(entries: list[Entry]) -> str:
    raw = ",".join(f"{e.id}.{e.version}" for e in sorted(entries, key=lambda e: e.id))
    return hashlib.sha256(raw.encode()).hexdigest()[:8]


async def _error(update: Update, context: BotContext, error: ReviewError) -> None:
    if error.code == "already_decided":
        at = error.info.get("at")
        text = (_("This report has already been handled at {time}.").format(
            time=fmt_datetime(at, context.services.settings.tz)) if at
            else _("This report has already been handled."))
    else:
        message = REVIEW_ERRORS.get(error.code) or REVIEW_ERRORS["not_found"]
        text = _(message)
    await refuse(update, text)


async def reviewable(session, context: BotContext, cadre_id: int) -> tuple[Cadre, Authority]:
    """The cadre, if the caller may review them today (re-checked on every tap)."""
    return await review_service.reviewable(session, context.actor, cadre_id, context.today)


# ---------------------------------------------------------------- inbox

async def on_review(update: Update, context: BotContext) -> None:
    if not context.actor.is_supervisor:
        label = ITEMS["review"].label
        await update.effective_message.reply_text(
            _("“{label}” is only for evaluators and the Organization Board.").format(
                label=_(label)))
        return
    await show_inbox(update, context, 0)


async def show_inbox(update: Update, context: BotContext, page: int, prefix: str = "") -> None:
    today = context.today
    async with context.db.session() as session:
        items, groups, total = await inbox(session, context.actor, today, page)
        ratable = await to_rate(session, context.actor, today)
    lines = [_("✅ <b>Approvals</b>")]
    rows = []
    if ratable:
        lines.append(_("⭐ Waiting for your evaluation: {count}").format(count=len(ratable)))
        for cadre, period in ratable:
            rows.append([rating_screens.START.button(_("⭐ Evaluate {name} · {period}").format(
                name=cadre.full_name, period=period_label(period)), cadre.id, period.id)])
    rows.append([annual_screens.YEAR.button(_("📅 Annual rating {year}").format(
        year=today.year), today.year, 0), button(_("🔁 Delegate"), "dl", "m")])
    if not groups:
        lines.append(_("No reports are waiting for your approval. 👍"))
        await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                           InlineKeyboardMarkup(rows))
        return
    lines.append(_("{entries} products in {groups} reports are waiting, oldest first.").format(
        entries=total, groups=groups))
    tz = context.services.settings.tz
    for item in items:
        mark = " ⚠️" if item.late else ""
        lines.append(_("• {name} — {period}: {count} products, sent {time}{late}").format(
            name=esc(item.cadre.full_name), period=period_label(item.period), count=item.count,
            time=fmt_datetime(item.oldest, tz), late=(" · " + _("late")) if item.late else ""))
        rows.append([button(f"{item.cadre.full_name} · {period_label(item.period)}{mark}",
                            PREFIX, "g", item.cadre.id, item.period.id)])
    rows += pager_rows(page, (page + 1) * 8 < groups, PREFIX, "p")
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


# ---------------------------------------------------------------- one cadre's period

def _figures(line: Line, reading: str, adjusted: bool = False) -> str:
    text = figures_text(line.entry, line.product.kind, reading)
    if adjusted and line.entry.adjusted:
        text += "\n    " + _("adjusted: {figures}").format(
            figures=figures_text(line.entry, line.product.kind, reading, adjusted=True))
    return text


def _exemption_lines(line: Line, index: int) -> tuple[list[str], list]:
    """A pending objective-cause exemption: the cadre's cause, and the two buttons."""
    e = line.entry
    if e.exemption_status != ExemptionStatus.CLAIMED.value or not (e.failed_reviews or e.delays):
        return [], []
    text = ["    " + _("⚖️ Exemption requested: {cause}").format(cause=esc(e.exemption_note or ""))]
    buttons = [button(_("⚖️ {index}: accept the exemption").format(index=index), PREFIX, "ex",
                      e.id, e.version, 1),
               button(_("{index}: refuse it").format(index=index), PREFIX, "ex", e.id,
                      e.version, 0)]
    return text, buttons


async def _group_view(session, context: BotContext, cadre: Cadre, period: Period):
    sheet = await context.services.kpi.sheet(session, cadre, period, create=False)
    submitted = [line for line in sheet.lines if line.entry.status == "submitted"]
    evidence = await context.services.kpi.evidence_counts(
        session, [line.entry.id for line in submitted])
    return sheet, submitted, evidence


async def show_group(update: Update, context: BotContext, cadre_id: int, period_id: int,
                     prefix: str = "") -> None:
    async with context.db.session() as session:
        cadre, authority = await reviewable(session, context, cadre_id)
        period = await session.get(Period, period_id)
        if period is None:
            raise ReviewError("not_found")
        sheet, submitted, evidence = await _group_view(session, context, cadre, period)
    tz = context.services.settings.tz
    reading = context.services.policy.scoring.deduction_reading
    exemption_rows = []
    lines = [_("📋 <b>Report of {period} — {name}</b>").format(
        period=period_label(period), name=esc(cadre.full_name))]
    if cadre.title:
        lines.append(esc(cadre.title))
    for index, line in enumerate(sheet.lines, 1):
        e = line.entry
        target = f"{_n(line.target)}%" if line.product.kind == ProductKind.RATE else _n(line.target)
        lines.append(f"{index}. <b>{esc(line.product.name)}</b> — "
                     + _("target {target}").format(target=target))
        lines.append("    " + _figures(line, reading, adjusted=True))
        claim, claim_buttons = _exemption_lines(line, index)
        lines += claim
        if claim_buttons and e.status == "submitted":
            exemption_rows.append(claim_buttons)
        state = {"submitted": _("⏳ waiting"), "approved": _("✅ approved"),
                 "returned": _("↩️ returned"), "draft": _("✏️ not sent")}[e.status]
        if e.status == "submitted" and e.submitted_at:
            state += " · " + _("sent {time}").format(time=fmt_datetime(e.submitted_at, tz))
            if e.is_late:
                state += " · " + _("late")
        lines.append("    " + state)
        if e.note:
            lines.append("    " + _("Note: {note}").format(note=esc(e.note)))
        if evidence.get(e.id):
            lines.append("    " + _("Evidence: {count} files").format(count=evidence[e.id]))
    lines.append(_("Projected score: <b>{score}</b> — {band}").format(
        score=fmt_score(sheet.score.total), band=band_label(sheet.score.band)))
    if authority.on_behalf_of:
        lines.append(_("You are reviewing on behalf of the evaluator (delegation)."))
    rows = list(exemption_rows)
    for index, line in enumerate(sheet.lines, 1):
        if line.entry.status == "submitted":
            rows.append([button(f"🔍 {index}. {line.product.name[:30]}", PREFIX, "e",
                                line.entry.id)])
    if submitted:
        sig = _signature([line.entry for line in submitted])
        rows.append([button(_("✅ Approve all"), PREFIX, "A", cadre.id, period.id, sig),
                     button(_("↩️ Return all"), PREFIX, "R", cadre.id, period.id, sig)])
        if any(evidence.values()):
            rows.append([button(_("📎 Show evidence"), PREFIX, "v", cadre.id, period.id)])
    rows.append([button(_("⬅️ Inbox"), PREFIX, "p", 0)])
    await edit_or_send(update, context, (prefix + "\n\n" if prefix else "") + "\n".join(lines),
                       InlineKeyboardMarkup(rows))


async def show_entry(update: Update, context: BotContext, entry_id: int) -> None:
    async with context.db.session() as session:
        entry = await session.get(Entry, entry_id)
        if entry is None:
            raise ReviewError("not_found")
        cadre, _authority = await reviewable(session, context, entry.cadre_id)
        if entry.status != "submitted":
            raise ReviewError("already_decided", at=entry.decided_at)
        line = await context.services.kpi.entry_for(session, cadre.id, entry.id, for_edit=False)
        period = await session.get(Period, entry.period_id)
    text = "\n".join([
        _("🔍 <b>{product}</b> — {name}, {period}").format(
            product=esc(line.product.name), name=esc(cadre.full_name), period=period_label(period)),
        _("target {target}").format(target=_n(line.target)),
        _figures(line, context.services.policy.scoring.deduction_reading),
    ] + ([_("Note: {note}").format(note=esc(entry.note))] if entry.note else [])
      + _exemption_lines(line, 1)[0])
    claim_buttons = _exemption_lines(line, 1)[1]
    rows = ([claim_buttons] if claim_buttons else []) + [
            [button(_("✅ Approve"), PREFIX, "ok", entry.id, entry.version),
             button(_("↩️ Return"), PREFIX, "rt", entry.id, entry.version)],
            [button(_("✏️ Adjust and approve"), PREFIX, "adj", entry.id, entry.version)],
            [button(_("⬅️ Back"), PREFIX, "g", cadre.id, entry.period_id)]]
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


# ---------------------------------------------------------------- decisions

def _adjustments(entry: Entry, rate: bool) -> list[str]:
    """Each figure the evaluator changed, as "old → new" (a rate product has one figure)."""
    if not entry.adjusted:
        return []
    figures = [(N_("done {old} → {new}"), entry.quantity_done, entry.adj_quantity_done)]
    if not rate:
        figures += [
            (N_("quality {old} → {new}"), entry.quantity_passed, entry.adj_quantity_passed),
            (N_("on time {old} → {new}"), entry.quantity_on_time, entry.adj_quantity_on_time),
            (N_("major content errors {old} → {new}"), entry.failed_reviews,
             entry.adj_failed_reviews),
            (N_("delays {old} → {new}"), entry.delays, entry.adj_delays)]
    return [_(label).format(old=_n(old), new=_n(new)) for label, old, new in figures
            if new is not None and new != old]


async def _notify_cadre(context: BotContext, cadre: Cadre, period: Period, entries: list[Entry],
                        approved: bool, reason: str | None, by: str, on_behalf: str | None):
    if not cadre.telegram_chat_id or not cadre.reachable:
        return
    async with context.db.session() as session:
        by_id = {row.id: row for row in await session.execute(
            select(ProductType.id, ProductType.name, ProductType.kind).where(
                ProductType.id.in_({e.product_type_id for e in entries})))}
        names = [by_id[e.product_type_id].name for e in entries]
        sheet = await context.services.kpi.sheet(session, cadre, period, create=False)
    who = esc(by) + (" " + _("(on behalf of {name})").format(name=esc(on_behalf)) if on_behalf else "")
    products = ", ".join(f"«{esc(n)}»" for n in names)
    if approved:
        text = _("✅ {who} approved {products} of {period}.").format(
            who=who, products=products, period=period_label(period))
        for entry, name in zip(entries, names, strict=True):
            changes = _adjustments(entry, by_id[entry.product_type_id].kind == ProductKind.RATE)
            if changes:
                text += "\n" + _("✏️ “{product}” adjusted: {changes}.").format(
                    product=esc(name), changes="; ".join(changes))
        text += "\n" + _("Score: {score} — {band}").format(
            score=fmt_score(sheet.score.total), band=band_label(sheet.score.band))
    else:
        text = _("↩️ {who} returned {products} of {period}.\nReason: {reason}\nOpen “📝 KPI "
                 "report” to correct and send again.").format(
            who=who, products=products, period=period_label(period), reason=esc(reason or ""))
    try:
        await context.bot.send_message(cadre.telegram_chat_id, text, parse_mode="HTML")
    except Exception:  # noqa: BLE001 - the cadre sees the state in 📝 Báo cáo KPI anyway
        log.info("could not notify cadre %s", cadre.code)


async def _apply(update: Update, context: BotContext, cadre_id: int, period_id: int,
                 decisions: list[Decision], approve: bool, reason: str | None = None,
                 adjusted: dict | None = None) -> None:
    now = context.clock.now()
    async with context.db.session() as session:
        cadre, authority = await reviewable(session, context, cadre_id)
        period = await session.get(Period, period_id)
        done = await decide(session, actor=context.actor, authority=authority,
                            decisions=decisions, approve=approve, now=now, reason=reason,
                            adjusted=adjusted)
        me = await session.get(Cadre, context.actor.cadre_id)
        behalf = await session.get(Cadre, authority.on_behalf_of) if authority.on_behalf_of else None
        await flows.clear_flow(session, update.effective_chat.id)
    await _notify_cadre(context, cadre, period, done, approve, reason, me.full_name,
                        behalf.full_name if behalf else None)
    text = (_("✅ Approved {count} products.") if approve
            else _("↩️ Returned {count} products to {name}.")).format(
        count=len(done), name=esc(cadre.full_name))
    async with context.db.session() as session:
        remaining = await submitted_entries(session, cadre_id, period_id)
    if remaining:
        await show_group(update, context, cadre_id, period_id, prefix=text)
    else:
        await show_inbox(update, context, 0, prefix=text)


async def cb_approve_one(update, context, data):
    ids = parse_ids(data, 2)
    if ids is None:
        raise ReviewError("not_found")
    async with context.db.session() as session:
        entry = await session.get(Entry, ids[0])
    if entry is None:
        raise ReviewError("not_found")
    await _apply(update, context, entry.cadre_id, entry.period_id, [Decision(ids[0], ids[1])], True)


async def _group_decisions(context, cadre_id: int, period_id: int, sig: str) -> list[Decision]:
    async with context.db.session() as session:
        await reviewable(session, context, cadre_id)
        entries = await submitted_entries(session, cadre_id, period_id)
        if not entries:
            decided = await session.scalar(
                select(func.max(Entry.decided_at))
                .where(Entry.cadre_id == cadre_id, Entry.period_id == period_id))
            raise ReviewError("already_decided", at=decided)
        if _signature(entries) != sig:
            raise ReviewError("changed")
    return [Decision(e.id, e.version) for e in entries]


async def cb_approve_all(update, context, data):
    parts = data.split(":")
    ids = parse_ids(data, 2)
    if ids is None or len(parts) != 5:
        raise ReviewError("not_found")
    decisions = await _group_decisions(context, ids[0], ids[1], parts[4])
    text = _("Approve all {count} products of this report?").format(count=len(decisions))
    markup = InlineKeyboardMarkup([[button(_("✅ Confirm approval"), PREFIX, "AA", ids[0], ids[1],
                                           parts[4]),
                                    button(_("⬅️ Back"), PREFIX, "g", ids[0], ids[1])]])
    await edit_or_send(update, context, text, markup)


async def cb_approve_all_ok(update, context, data):
    parts = data.split(":")
    ids = parse_ids(data, 2)
    if ids is None or len(parts) != 5:
        raise ReviewError("not_found")
    decisions = await _group_decisions(context, ids[0], ids[1], parts[4])
    await _apply(update, context, ids[0], ids[1], decisions, True)


async def _ask_reason(update, context, cadre_id: int, period_id: int,
                      decisions: list[Decision]) -> None:
    async with context.db.session() as session:
        await flows.set_flow(session, update.effective_chat.id, Flow(FLOW, "reason", {
            "cadre_id": cadre_id, "period_id": period_id,
            "decisions": [[d.entry_id, d.version] for d in decisions]}), context.clock.now())
    rows = [[button(_(reason), PREFIX, "rr", index)] for index, reason in enumerate(COMMON_REASONS)]
    rows.append([button(_("⬅️ Back"), PREFIX, "g", cadre_id, period_id)])
    await edit_or_send(update, context, _("Why is it returned? Type the reason, or choose one:"),
                       InlineKeyboardMarkup(rows))


async def _submitted_entry(context: BotContext, data: str) -> tuple[Entry, int]:
    """The entry a button was made for, still submitted at that version, and reviewable."""
    ids = parse_ids(data, 2)
    if ids is None:
        raise ReviewError("not_found")
    async with context.db.session() as session:
        entry = await session.get(Entry, ids[0])
        if entry is None:
            raise ReviewError("not_found")
        await reviewable(session, context, entry.cadre_id)
        if entry.status != "submitted" or entry.version != ids[1]:
            raise ReviewError("already_decided", at=entry.decided_at)
    return entry, ids[1]


async def cb_return_one(update, context, data):
    entry, version = await _submitted_entry(context, data)
    await _ask_reason(update, context, entry.cadre_id, entry.period_id,
                      [Decision(entry.id, version)])


async def cb_return_all(update, context, data):
    parts = data.split(":")
    ids = parse_ids(data, 2)
    if ids is None or len(parts) != 5:
        raise ReviewError("not_found")
    decisions = await _group_decisions(context, ids[0], ids[1], parts[4])
    await _ask_reason(update, context, ids[0], ids[1], decisions)


async def _finish_return(update, context, flow: Flow, reason: str) -> None:
    decisions = [Decision(e, v) for e, v in flow.data["decisions"]]
    await _apply(update, context, flow.data["cadre_id"], flow.data["period_id"], decisions,
                 False, reason=reason)


async def cb_reason(update, context, data):
    ids = parse_ids(data, 1)
    async with context.db.session() as session:
        flow = await flows.get_flow(session, update.effective_chat.id)
    if ids is None or not 0 <= ids[0] < len(COMMON_REASONS) or flow is None \
            or flow.name != FLOW or flow.step != "reason":
        raise ReviewError("not_found")
    await _finish_return(update, context, flow, _(COMMON_REASONS[ids[0]]))


ADJUST_STEPS = {"per_item": ["done", "passed", "failed", "delays"],
                "per_type": ["done", "passed", "on_time", "failed", "delays"]}


async def cb_exemption(update, context, data):
    ids = parse_ids(data, 3)
    if ids is None or ids[2] not in (0, 1):
        raise ReviewError("not_found")
    async with context.db.session() as session:
        entry = await session.get(Entry, ids[0])
        if entry is None:
            raise ReviewError("not_found")
        _cadre, authority = await reviewable(session, context, entry.cadre_id)
        await review_service.decide_exemption(
            session, actor=context.actor, authority=authority, entry_id=ids[0],
            version=ids[1], accept=bool(ids[2]), now=context.clock.now())
    text = (_("⚖️ Exemption accepted: the errors and delays of this product are not deducted.")
            if ids[2] else _("⚖️ Exemption refused: the deductions apply."))
    await show_group(update, context, entry.cadre_id, entry.period_id, prefix=text)


async def cb_adjust(update, context, data):
    entry, _version = await _submitted_entry(context, data)
    async with context.db.session() as session:
        product = await session.get(ProductType, entry.product_type_id)
        await flows.set_flow(session, update.effective_chat.id, Flow(FLOW, "adj_done", {
            "entry_id": entry.id, "version": entry.version, "values": {},
            "rate": product.kind == ProductKind.RATE}), context.clock.now())
    await edit_or_send(update, context, _adjust_question("done", entry, product.kind == ProductKind.RATE))


def _adjust_question(step: str, entry: Entry, rate: bool) -> str:
    if step == "failed":
        return _("✏️ Adjusted number of major content errors (reported {value}):").format(
            value=entry.failed_reviews or 0)
    if step == "delays":
        return _("✏️ Adjusted number of delays (reported {value}):").format(
            value=entry.delays or 0)
    if step == "done":
        if rate:
            return _("✏️ Adjusted percentage achieved (the cadre reported {value}%):").format(
                value=_n(entry.quantity_done))
        return _("✏️ Adjusted quantity done (the cadre reported {value}):").format(
            value=_n(entry.quantity_done))
    if step == "passed":
        return _("✏️ Adjusted number that passed the quality review (reported {value}):").format(
            value=_n(entry.quantity_passed))
    return _("✏️ Adjusted number completed on time (reported {value}):").format(
        value=_n(entry.quantity_on_time))


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    try:
        if flow.step == "reason":
            if not meaningful(text):
                await message.reply_text(_("Please type the reason, or choose one of the buttons."))
                return
            await _finish_return(update, context, flow, text)
            return
        if flow.step.startswith("adj_"):
            await _adjust_step(update, context, flow, text)
    except ReviewError as error:
        async with context.db.session() as session:
            await flows.clear_flow(session, update.effective_chat.id)
        await _error(update, context, error)


async def _adjust_step(update: Update, context: BotContext, flow: Flow, text: str) -> None:
    message = update.effective_message
    step = flow.step.removeprefix("adj_")
    try:
        value = parse_number(text)
    except NotANumber as error:
        await message.reply_text(not_a_number(text, error), parse_mode="HTML")
        return
    values = dict(flow.data["values"])
    if value < 0 or (flow.data["rate"] and value > 100) or (
            step in ("passed", "on_time") and value > values.get("done", 0)) or (
            step in ("failed", "delays") and (not float(value).is_integer() or value > 99)):
        await message.reply_text(_("This number is not possible here. Please type it again."))
        return
    values[step] = value
    async with context.db.session() as session:
        entry = await session.get(Entry, flow.data["entry_id"])
    if flow.data["rate"]:
        values["passed"] = values["on_time"] = values["done"]
        values["failed"] = values["delays"] = 0
    reading = context.services.policy.scoring.deduction_reading
    next_steps = [s for s in ADJUST_STEPS[reading] if s not in values]
    if next_steps:
        async with context.db.session() as session:
            await flows.set_flow(session, update.effective_chat.id,
                                 Flow(FLOW, "adj_" + next_steps[0], {**flow.data, "values": values}),
                                 context.clock.now())
        await message.reply_text(_adjust_question(next_steps[0], entry, flow.data["rate"]))
        return
    adjusted = {"quantity_done": values["done"], "quantity_passed": values["passed"],
                "quantity_on_time": values.get("on_time", entry.quantity_on_time),
                "failed_reviews": int(values["failed"]), "delays": int(values["delays"])}
    await _apply(update, context, entry.cadre_id, entry.period_id,
                 [Decision(entry.id, flow.data["version"])], True, adjusted=adjusted)


async def cb_evidence(update, context, data):
    ids = parse_ids(data, 2)
    if ids is None:
        raise ReviewError("not_found")
    async with context.db.session() as session:
        await reviewable(session, context, ids[0])
        rows = (await session.execute(
            select(Evidence.kind, Evidence.file_id, Evidence.url)
            .join(Entry, Entry.id == Evidence.entry_id)
            .where(Entry.cadre_id == ids[0], Entry.period_id == ids[1])
            .order_by(Evidence.id))).all()
    if not rows:
        raise ReviewError("no_evidence")
    chat = update.effective_chat.id
    for kind, file_id, url in rows:
        if kind == "photo":
            await context.bot.send_photo(chat, file_id)
        elif kind == "document":
            await context.bot.send_document(chat, file_id)
        elif url:
            await context.bot.send_message(chat, url)


async def cb_group(update, context, data):
    ids = parse_ids(data, 2)
    if ids is None:
        raise ReviewError("not_found")
    await show_group(update, context, ids[0], ids[1])


async def cb_entry(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise ReviewError("not_found")
    await show_entry(update, context, ids[0])


async def cb_page(update, context, data):
    ids = parse_ids(data, 1)
    if ids is None:
        raise ReviewError("not_found")
    async with context.db.session() as session:
        await flows.clear_flow(session, update.effective_chat.id)
    await show_inbox(update, context, max(ids[0], 0))


CALLBACKS = {
    "p": cb_page, "g": cb_group, "e": cb_entry, "ok": cb_approve_one, "A": cb_approve_all,
    "AA": cb_approve_all_ok, "R": cb_return_all, "rt": cb_return_one, "rr": cb_reason,
    "adj": cb_adjust, "v": cb_evidence, "ex": cb_exemption,
}
ACTIONS = {PREFIX: tuple(CALLBACKS)}  # every button action this module answers


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    handler = CALLBACKS.get(data.split(":")[1] if ":" in data else "")
    try:
        if handler is None or not context.actor.is_supervisor:
            raise ReviewError("not_found")
        await handler(update, context, data)
    except ReviewError as error:
        await _error(update, context, error)
        return
    await query.answer()


def register(app: Application) -> None:
    register_item(app, ITEMS["review"], on_review)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)
