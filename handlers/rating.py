"""⭐ Xếp loại: the evaluator confirms the general criteria (and đ, e for leaders), sees
the computed total, band and the unit's "xuất sắc" quota, confirms or chooses a band
with a reason; then the annual rating. Reached from ✅ Phê duyệt."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_date, fmt_number, fmt_score, vietnamese_name_key
from bot.services import flows, periods
from bot.services.flows import Flow
from bot.services.numbers import NotANumber, parse_number
from bot.services.rating import FLAG_DONE_TWICE, FLAG_FAILED_TWICE, annual_draft
from bot.services.review import ReviewError, meaningful
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
from handlers.report import CRITERIA_TEXT
from handlers.review import reviewable
from models import Cadre, Evaluation, Period
from models.enums import Band, PeriodType

PREFIX = "ra"
YEAR_PREFIX = "ry"
YEAR_PAGE = 10  # cadres a page of the annual rating screen
FLOW = "rating"
BAND_CODES = {"X": Band.EXCELLENT, "T": Band.GOOD, "H": Band.DONE, "K": Band.FAILED}
CODE_OF = {band: code for code, band in BAND_CODES.items()}
ABILITY_STEPS = [100, 90, 80, 70, 50, 0]
FLAG_TEXT = {
    FLAG_DONE_TWICE: N_("“Completed duties” two years running — proposed removal from the "
                        "planning list"),
    FLAG_FAILED_TWICE: N_("“Did not complete duties” two years running"),
}
RATING_ERRORS = {
    "quota": N_("The unit's quota of “Excellently completed duties” is used up ({excellent}/{allowed}, "
                "{ratio} of the {good} rated “Well completed”). Choose another band, or ask the "
                "Organization Board."),
    "above_unit": N_("A leader may not be rated above the unit ({band})."),
    "disciplined": N_("A disciplinary measure this year forces “Did not complete duties”."),
    "reason_required": N_("Please give a reason for choosing another band."),
    "forbidden": N_("You do not evaluate this cadre."),
    "not_ready": N_("Every product of this period must be approved before rating."),
}



def _rating(context: BotContext):
    return context.services.rating




async def _error(update: Update, context: BotContext, error: ReviewError) -> None:
    await refuse(update, _error_text(context, error))


def _error_text(context: BotContext, error: ReviewError) -> str:
    if error.code == "quota":
        q = error.info["quota"]
        scoring = context.services.policy.scoring
        ratio = (scoring.excellent_cap_ratio_outstanding if q.outstanding_unit
                 else scoring.excellent_cap_ratio)
        message = RATING_ERRORS[error.code]
        text = _(message).format(excellent=q.excellent, allowed=q.allowed,
                                                ratio=f"{round(ratio * 100)}%", good=q.rated_good)
    elif error.code == "above_unit":
        message = RATING_ERRORS[error.code]
        text = _(message).format(band=band_label(error.info["cap"]))
    elif error.code == "already_decided":
        text = _("This report has already been handled.")
    else:
        message = RATING_ERRORS.get(error.code) or N_(
            "This button is no longer valid. Please open the function again from the menu.")
        text = _(message)
    return text


async def _flow_data(context: BotContext, chat_id: int, cadre_id: int, period_id: int) -> dict:
    async with context.db.session() as session:
        flow = await flows.get_flow(session, chat_id)
    if flow and flow.name == FLOW and flow.data.get("cadre_id") == cadre_id \
            and flow.data.get("period_id") == period_id:
        return dict(flow.data)
    return {"cadre_id": cadre_id, "period_id": period_id}


async def _save_flow(context: BotContext, chat_id: int, data: dict, step: str = "choose") -> None:
    async with context.db.session() as session:
        await flows.set_flow(session, chat_id, Flow(FLOW, step, data), context.clock.now())


# ---------------------------------------------------------------- period rating

async def start(update: Update, context: BotContext, cadre_id: int, period_id: int) -> None:
    async with context.db.session() as session:
        cadre, _authority = await reviewable(session, context, cadre_id)
        period = await session.get(Period, period_id)
        if period is None:
            raise ReviewError("not_found")
        if not await _rating(context).ready(session, cadre, period):
            raise ReviewError("not_ready")
        draft = await _rating(context).draft(session, cadre, period)
    await _save_flow(context, update.effective_chat.id, {"cadre_id": cadre_id,
                                                         "period_id": period_id})
    criteria = context.services.policy.scoring.general_criteria
    own = draft.evaluation.self_criteria or {}
    lines = [_("⭐ <b>Rating {period} — {name}</b>").format(period=period_label(period),
                                                          name=esc(cadre.full_name)),
             _("Self-assessment of the general criteria:")]
    for c in criteria:
        title = CRITERIA_TEXT.get(c.key, (c.key, ""))[0]
        lines.append(f"• {_(title)}: {_points(own.get(c.key))}/{_points(c.max_points)}")
    rows = [[button(_("✅ Agree with the self-assessment"), PREFIX, "c", cadre_id, period_id)],
            [button(_("✏️ Score the criteria again"), PREFIX, "e", cadre_id, period_id, 0)]]
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def _points(value) -> str:
    if value is None:
        return "—"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


async def _after_criteria(update, context, cadre_id: int, period_id: int, data: dict) -> None:
    async with context.db.session() as session:
        cadre, _a = await reviewable(session, context, cadre_id)
    if cadre.is_leader and "organising" not in data:
        await _ask_ability(update, context, cadre_id, period_id, "o")
    elif cadre.is_leader and "rallying" not in data:
        await _ask_ability(update, context, cadre_id, period_id, "l")
    else:
        await summary(update, context, cadre_id, period_id)


async def _ask_ability(update, context, cadre_id, period_id, which: str) -> None:
    title = (_("đ — organising and carrying out tasks") if which == "o"
             else _("e — rallying and uniting people"))
    rows = [[button(f"{p}%", PREFIX, which, cadre_id, period_id, p) for p in ABILITY_STEPS[:3]],
            [button(f"{p}%", PREFIX, which, cadre_id, period_id, p) for p in ABILITY_STEPS[3:]]]
    await edit_or_send(update, context, _("⭐ Leader's ability: <b>{title}</b>. Choose a level:")
                       .format(title=title), InlineKeyboardMarkup(rows))


async def summary(update: Update, context: BotContext, cadre_id: int, period_id: int) -> None:
    data = await _flow_data(context, update.effective_chat.id, cadre_id, period_id)
    async with context.db.session() as session:
        cadre, authority = await reviewable(session, context, cadre_id)
        period = await session.get(Period, period_id)
        draft = await _rating(context).draft(session, cadre, period, criteria=data.get("criteria"),
                                             organising=data.get("organising"),
                                             rallying=data.get("rallying"))
    score, quota = draft.score, draft.quota
    lines = [_("⭐ <b>Rating {period} — {name}</b>").format(period=period_label(period),
                                                          name=esc(cadre.full_name)),
             _("Task score {task} + general criteria {general} = <b>{total}</b>").format(
                 task=fmt_score(score.task.points), general=fmt_score(score.general_points),
                 total=fmt_score(score.total)),
             _("Computed band: <b>{band}</b>").format(band=band_label(score.band))]
    if draft.leader is not None:
        lines.append(_("Leader: d = {d}% · đ = {dd}% · e = {e}%").format(
            d=round(draft.leader.unit_result * 100), dd=round(draft.leader.organising * 100),
            e=round(draft.leader.rallying * 100)))
    if draft.disciplined:
        lines.append(_("⚠️ A disciplinary measure this year forces “Did not complete duties”."))
    lines.append(_("Unit quota of “Excellently completed”: {excellent}/{allowed} used ({good} rated "
                   "“Well completed”).").format(excellent=quota.excellent, allowed=quota.allowed,
                                                good=quota.rated_good))
    if draft.unit_cap is not None:
        lines.append(_("A leader may not be rated above the unit ({band}).").format(
            band=band_label(draft.unit_cap)))
    version = draft.evaluation.version
    band = score.band
    refusals = {}  # the bands the caps do not allow are not offered
    for candidate in (Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED):
        try:
            _rating(context).check_band(draft, candidate, authority)
        except ReviewError as error:
            refusals[candidate] = error
    rows = []
    if band in refusals:
        if refusals[band].code == "quota":  # the other caps are explained above
            lines.append("⚠️ " + _error_text(context, refusals[band]))
    else:
        rows.append([button(_("✅ Confirm: {band}").format(band=band_label(band)), PREFIX, "ok",
                            cadre_id, period_id, CODE_OF[band], version)])
    for other in (Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED):
        if other != band and other not in refusals:
            rows.append([button(_("Choose: {band}").format(band=band_label(other)), PREFIX, "b",
                                cadre_id, period_id, CODE_OF[other], version)])
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _rate(update, context, cadre_id: int, period_id: int, band: Band, version: int,
                reason: str | None) -> None:
    data = await _flow_data(context, update.effective_chat.id, cadre_id, period_id)
    async with context.db.session() as session:
        cadre, authority = await reviewable(session, context, cadre_id)
        period = await session.get(Period, period_id)
        draft = await _rating(context).draft(session, cadre, period, criteria=data.get("criteria"),
                                             organising=data.get("organising"),
                                             rallying=data.get("rallying"))
        evaluation = await _rating(context).rate(
            session, draft, band=band, reason=reason, actor_id=context.actor.cadre_id,
            authority=authority, now=context.clock.now(), expected_version=version)
        await flows.clear_flow(session, update.effective_chat.id)
        total = evaluation.total_score
    text = _("⭐ Rated {name} for {period}: {total} — {band}.").format(
        name=esc(cadre.full_name), period=period_label(period), total=fmt_score(total),
        band=band_label(band))
    from handlers.review import show_inbox

    await show_inbox(update, context, 0, prefix=text)
    if cadre.telegram_chat_id and cadre.reachable:
        note = _("⭐ Your rating for {period}: {total} points — {band}.").format(
            period=period_label(period), total=fmt_score(total), band=band_label(band))
        if reason:
            note += "\n" + _("Reason given by the evaluator: {reason}").format(reason=esc(reason))
        try:
            await context.bot.send_message(cadre.telegram_chat_id, note, parse_mode="HTML")
        except Exception:  # noqa: BLE001 - 📊 Kết quả của tôi shows it anyway
            pass


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    chat_id = update.effective_chat.id
    try:
        if not context.actor.is_supervisor:
            raise ReviewError("not_found")
        ids = parse_ids(data, 2)
        if ids is None:
            raise ReviewError("not_found")
        cadre_id, period_id = ids
        async with context.db.session() as session:  # before any step state is saved
            await reviewable(session, context, cadre_id)
        if action == "s":
            await start(update, context, cadre_id, period_id)
        elif action == "c":
            flow = await _flow_data(context, chat_id, cadre_id, period_id)
            flow.pop("criteria", None)
            await _save_flow(context, chat_id, flow)
            await _after_criteria(update, context, cadre_id, period_id, flow)
        elif action == "e":
            index = (parse_ids(data, 3) or [0, 0, 0])[2]
            await _ask_criterion(update, context, cadre_id, period_id, index)
        elif action == "k":
            numbers = parse_ids(data, 4)
            if numbers is None:
                raise ReviewError("not_found")
            await _set_criterion(update, context, cadre_id, period_id, numbers[2], numbers[3] / 10)
        elif action in ("o", "l"):
            numbers = parse_ids(data, 3)
            if numbers is None or numbers[2] not in ABILITY_STEPS:
                raise ReviewError("not_found")
            flow = await _flow_data(context, chat_id, cadre_id, period_id)
            flow["organising" if action == "o" else "rallying"] = numbers[2] / 100
            await _save_flow(context, chat_id, flow)
            await _after_criteria(update, context, cadre_id, period_id, flow)
        elif action in ("ok", "b") and len(parts) == 6 and parts[4] in BAND_CODES \
                and parts[5].isdigit():
            band, version = BAND_CODES[parts[4]], int(parts[5])
            if action == "ok":
                await _rate(update, context, cadre_id, period_id, band, version, None)
            else:
                async with context.db.session() as session:
                    await reviewable(session, context, cadre_id)
                flow = await _flow_data(context, chat_id, cadre_id, period_id)
                flow.update(band=parts[4], version=version)
                await _save_flow(context, chat_id, flow, step="reason")
                await edit_or_send(update, context, _(
                    "Why “{band}” instead of the computed band? Type the reason:").format(
                    band=band_label(band)))
        else:
            raise ReviewError("not_found")
    except ReviewError as error:
        await _error(update, context, error)
        return
    await query.answer()


async def _ask_criterion(update, context, cadre_id: int, period_id: int, index: int) -> None:
    criteria = context.services.policy.scoring.general_criteria
    if not 0 <= index < len(criteria):
        raise ReviewError("not_found")
    async with context.db.session() as session:
        await reviewable(session, context, cadre_id)
    c = criteria[index]
    title, description = CRITERIA_TEXT.get(c.key, (c.key, ""))
    values = sorted({c.max_points, c.max_points - 0.5, c.max_points - 1, c.max_points - 1.5,
                     c.max_points - 2.5, c.max_points - 3.5, 0.0}, reverse=True)
    row = [button(_points(v), PREFIX, "k", cadre_id, period_id, index, int(round(v * 10)))
           for v in values if v >= 0]
    text = _("⭐ <b>{title}</b> (at most {max} points)").format(title=_(title),
                                                             max=_points(c.max_points))
    if description:
        text += "\n" + _(description)
    text += "\n" + _("Tap the points, or type them, e.g. 6,5.")
    flow = await _flow_data(context, update.effective_chat.id, cadre_id, period_id)
    await _save_flow(context, update.effective_chat.id, {**flow, "index": index}, step="criterion")
    await edit_or_send(update, context, text, InlineKeyboardMarkup([row[:4], row[4:]]))


async def _set_criterion(update, context, cadre_id, period_id, index: int, points: float) -> None:
    criteria = context.services.policy.scoring.general_criteria
    if not 0 <= index < len(criteria) or not 0 <= points <= criteria[index].max_points:
        raise ReviewError("not_found")
    chat_id = update.effective_chat.id
    flow = await _flow_data(context, chat_id, cadre_id, period_id)
    chosen = dict(flow.get("criteria") or {})
    chosen[criteria[index].key] = points
    flow["criteria"] = chosen
    await _save_flow(context, chat_id, flow)
    if index + 1 < len(criteria):
        await _ask_criterion(update, context, cadre_id, period_id, index + 1)
    else:
        await _after_criteria(update, context, cadre_id, period_id, flow)


async def _typed_criterion(update: Update, context: BotContext, data: dict, text: str) -> None:
    message = update.effective_message
    criteria = context.services.policy.scoring.general_criteria
    index = data.get("index", 0)
    if not 0 <= index < len(criteria):
        raise ReviewError("not_found")
    try:
        points = parse_number(text)
    except NotANumber as error:
        await message.reply_text(not_a_number(text, error, _(
            "Please tap the points, or type a number such as 7 or 6,5.")), parse_mode="HTML")
        return
    if not 0 <= points <= criteria[index].max_points:
        await message.reply_text(_("Please give between 0 and {max} points.").format(
            max=_points(criteria[index].max_points)))
        return
    try:
        await _set_criterion(update, context, data["cadre_id"], data["period_id"], index,
                             round(points, 1))
    except ReviewError as error:
        await _error(update, context, error)


async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    if flow.step == "criterion":
        await _typed_criterion(update, context, flow.data, text)
        return
    if flow.step != "reason":
        await message.reply_text(_("Please choose one of the buttons."))
        return
    if not meaningful(text):
        await message.reply_text(_("Please type the reason."))
        return
    if len(text) > 500:
        await message.reply_text(_("The reason is too long; please keep it under 500 characters."))
        return
    try:
        if flow.data.get("year"):
            await _rate_year(update, context, flow.data["cadre_id"], flow.data["year"],
                             BAND_CODES[flow.data["band"]], text)
        else:
            await _rate(update, context, flow.data["cadre_id"], flow.data["period_id"],
                        BAND_CODES[flow.data["band"]], flow.data["version"], text)
    except ReviewError as error:
        await _error(update, context, error)


# ---------------------------------------------------------------- the year

async def show_year(update: Update, context: BotContext, year: int, page: int = 0) -> None:
    async with context.db.session() as session:
        people = list(await session.scalars(select(Cadre).where(
            Cadre.evaluator_id == context.actor.cadre_id, Cadre.active.is_(True))))
        people.sort(key=lambda c: vietnamese_name_key(c.full_name))
        page = max(0, min(page, (len(people) - 1) // YEAR_PAGE)) if people else 0
        cadres = people[page * YEAR_PAGE:(page + 1) * YEAR_PAGE]
        drafts = [await annual_draft(session, context.services.policy, c, year) for c in cadres]
    day, month = context.services.policy.scoring.annual_due_day
    lines = [_("📅 <b>Annual rating {year}</b> — due {date}").format(
        year=year, date=fmt_date(date(year, month, day)))]
    if len(people) > YEAR_PAGE:
        lines.append(_("{first}–{last} of {count} cadres").format(
            first=page * YEAR_PAGE + 1, last=page * YEAR_PAGE + len(cadres), count=len(people)))
    rows = []
    for d in drafts:
        if d.total is None:
            if d.months:
                lines.append(_("• {name}: {months} months worked — no annual rating").format(
                    name=esc(d.cadre.full_name), months=d.months))
            else:
                lines.append(_("• {name}: no period rated this year — no annual rating").format(
                    name=esc(d.cadre.full_name)))
            continue
        lines.append(_("• {name}: {total} over {months} months — {band}").format(
            name=esc(d.cadre.full_name), total=fmt_score(d.total), months=d.months,
            band=band_label(d.band)))
        for flag in d.flags:
            lines.append("   ⚑ " + _(FLAG_TEXT[flag]))
        rows.append([button(d.cadre.full_name, YEAR_PREFIX, "c", d.cadre.id, year)])
    if not people:
        lines.append(_("You do not evaluate any cadre."))
    rows += pager_rows(page, (page + 1) * YEAR_PAGE < len(people), YEAR_PREFIX, "y", year)
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def show_year_cadre(update: Update, context: BotContext, cadre_id: int, year: int) -> None:
    async with context.db.session() as session:
        cadre, _a = await reviewable(session, context, cadre_id)
        d = await annual_draft(session, context.services.policy, cadre, year)
    if d.total is None:
        raise ReviewError("not_ready")
    lines = [_("📅 <b>Annual rating {year} — {name}</b>").format(year=year, name=esc(cadre.full_name)),
             _("Average of the rated periods: <b>{total}</b> over {months} months").format(
                 total=fmt_score(d.total), months=d.months),
             _("Computed band: <b>{band}</b>").format(band=band_label(d.band))]
    lines += ["⚑ " + _(FLAG_TEXT[f]) for f in d.flags]
    rows = [[button(_("✅ Confirm: {band}").format(band=band_label(d.band)), YEAR_PREFIX, "ok",
                    cadre_id, year, CODE_OF[d.band])]]
    for other in (Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED):
        if other != d.band:
            rows.append([button(_("Choose: {band}").format(band=band_label(other)), YEAR_PREFIX,
                                "b", cadre_id, year, CODE_OF[other])])
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _rate_year(update, context, cadre_id: int, year: int, band: Band,
                     reason: str | None) -> None:
    from bot.services import audit

    now = context.clock.now()
    async with context.db.session() as session:
        cadre, authority = await reviewable(session, context, cadre_id)
        d = await annual_draft(session, context.services.policy, cadre, year)
        if d.total is None:
            raise ReviewError("not_ready")
        if d.disciplined and band != Band.FAILED:
            raise ReviewError("disciplined")
        if band != d.band and not meaningful(reason):
            raise ReviewError("reason_required")
        period = await periods.ensure_period(session, PeriodType.YEAR, year, 1,
                                             context.services.calendar,
                                             context.services.policy.calendar)
        from bot.services.rating import evaluation_for

        evaluation: Evaluation = await evaluation_for(session, cadre, period)
        before = {"band": evaluation.band}
        evaluation.total_score = d.total
        evaluation.computed_band = d.band.value
        evaluation.band = band.value
        evaluation.band_reason = reason if band != d.band else None
        evaluation.flags = d.flags
        evaluation.status = "rated"
        evaluation.rated_by_id = context.actor.cadre_id
        evaluation.rated_for_id = authority.on_behalf_of
        evaluation.rated_at = now
        evaluation.version += 1
        audit.record(session, at=now, action="rate_year", object_type="evaluation",
                     object_id=evaluation.id, actor_id=context.actor.cadre_id, before=before,
                     after={"band": band.value, "computed": d.band.value, "reason": reason,
                            "flags": d.flags})
        await flows.clear_flow(session, update.effective_chat.id)
    await show_year(update, context, year)
    if cadre.telegram_chat_id and cadre.reachable:
        try:
            await context.bot.send_message(
                cadre.telegram_chat_id,
                _("📅 Your annual rating for {year}: {total} points — {band}.").format(
                    year=year, total=fmt_score(d.total), band=band_label(band)),
                parse_mode="HTML")
        except Exception:  # noqa: BLE001
            pass


async def on_year_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    try:
        if not context.actor.is_supervisor:
            raise ReviewError("not_found")
        if action == "y" and (ids := parse_ids(data, 1)):
            await show_year(update, context, ids[0], (parse_ids(data, 2) or [0, 0])[1])
        elif action == "c" and (ids := parse_ids(data, 2)):
            await show_year_cadre(update, context, ids[0], ids[1])
        elif action in ("ok", "b") and (ids := parse_ids(data, 2)) and len(parts) == 5 \
                and parts[4] in BAND_CODES:
            if action == "ok":
                await _rate_year(update, context, ids[0], ids[1], BAND_CODES[parts[4]], None)
            else:
                async with context.db.session() as session:
                    await reviewable(session, context, ids[0])
                await _save_flow(context, update.effective_chat.id,
                                 {"cadre_id": ids[0], "year": ids[1], "band": parts[4]},
                                 step="reason")
                await edit_or_send(update, context, _(
                    "Why “{band}” instead of the computed band? Type the reason:").format(
                    band=band_label(BAND_CODES[parts[4]])))
        else:
            raise ReviewError("not_found")
    except ReviewError as error:
        await _error(update, context, error)
        return
    await query.answer()


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
    app.add_handler(CallbackQueryHandler(final(on_year_callback), pattern=rf"^{YEAR_PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)

