"""📊 Kết quả của tôi: totals and ratings per period, "Cách tính điểm", the year, a chart."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.charts import score_history_png
from bot.context import BotContext
from bot.i18n import _, fmt_figure, fmt_number, fmt_percent, fmt_score
from bot.services.criteria import criterion_title
from bot.services.results import PeriodResult, results_of
from bot.services.scoring import PeriodScore
from handlers.common import (
    band_label,
    button,
    edit_or_send,
    esc,
    final,
    parse_ids,
    period_label,
    refuse,
    status_label,
)
from handlers.menu import ITEMS, register_item
from models import Cadre
from models.enums import ProductKind

PREFIX = "rs"
ACTIONS = {PREFIX: ("d", "c", "b")}  # every button action this module answers



def _pct(value: float) -> str:
    return fmt_percent(value)


def _n(value: float) -> str:
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def render_overview(results, policy) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("📊 <b>My results</b>"), ""]
    if not results.periods:
        lines.append(_("No results yet. Start with “📝 KPI report”."))
        return "\n".join(lines), InlineKeyboardMarkup([])
    for r in results.periods:
        state = _("rated") if r.rated else status_label(r.status)
        lines.append(_("<b>{period}</b>: {score} points — {band} ({state})").format(
            period=period_label(r.period), score=fmt_score(r.total), band=band_label(r.band),
            state=state))
    lines.append("")
    annual = results.annual
    this_year = [r for r in results.periods if r.period.year == results.year]
    if results.annual_rating is not None and results.annual_rating.band:
        rating = results.annual_rating
        lines.append(_("<b>Annual quality rating {year}</b>: {score} points — {band}").format(
            year=results.year, score=fmt_score(rating.total_score or 0),
            band=band_label(rating.band)))
    elif annual.too_few_months and this_year:
        lines.append(_("<b>Year {year} so far</b>: {months} months worked — evaluated, not "
                       "rated (the annual rating needs at least {minimum} months).").format(
            year=results.year, months=fmt_figure(int(annual.months_worked * 10) / 10),
            minimum=policy.scoring.min_months_for_annual))
    elif annual.total is not None:
        lines.append(_("<b>Year {year} so far</b>: {score} points, the average of {count} "
                       "periods weighted by months — projected: {band}").format(
            year=results.year, score=fmt_score(annual.total), count=len(this_year),
            band=band_label(annual.band)))
    rows = [[button(_("🔎 How the score of {period} was computed").format(
        period=period_label(r.period)), PREFIX, "d", r.period.id)] for r in results.periods[:3]]
    rows.append([button(_("📈 Chart of the last 12 periods"), PREFIX, "c")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _deduction_lines(p, sp) -> list[str]:
    """b and c with the deductions of Decree 335 Art. 14, as the policy reads them."""
    f = p.figures
    failed, delays = f.failed_reviews, f.delays
    exempt = f.exempt and (failed or delays)
    if exempt:
        failed = delays = 0
    if sp.deduction_reading == "per_item":
        q_cut = fmt_number(sp.quality_deduction_per_failure, 2)
        t_cut = fmt_number(sp.timeliness_deduction_per_delay, 2)
        lines = [_("b = ({passed} − {cut} × {failed} major content errors)/{target} = {b}").format(
                     passed=_n(f.passed), cut=q_cut, failed=failed, target=_n(f.assigned),
                     b=_pct(p.b))
                 if failed else
                 _("b = {passed}/{target} = {b}").format(passed=_n(f.passed),
                                                         target=_n(f.assigned), b=_pct(p.b)),
                 _("c = ({done} − {cut} × {delays} delays)/{target} = {c}").format(
                     done=_n(f.done), cut=t_cut, delays=delays, target=_n(f.assigned),
                     c=_pct(p.c))
                 if delays else
                 _("c = {done}/{target} = {c}").format(done=_n(f.done), target=_n(f.assigned),
                                                       c=_pct(p.c))]
        if failed or delays:
            lines.append(_("each major content error or delay removes {share} of the point of "
                           "the item it concerns (Decree 335, Art. 14)").format(
                share=_pct(sp.quality_deduction_per_failure)))
    else:
        lines = [_("b = {passed}/{target} = {b}; c = {on_time}/{target} = {c}").format(
            passed=_n(f.passed), on_time=_n(f.on_time), target=_n(f.assigned),
            b=_pct(p.b_before_deduction), c=_pct(p.c_before_deduction))]
        if p.quality_deduction:
            lines.append(_("{count} failed quality reviews: −{cut} of the quality points → "
                           "b = {b}").format(count=failed, cut=_pct(p.quality_deduction),
                                             b=_pct(p.b)))
        if p.timeliness_deduction:
            lines.append(_("{count} delays: −{cut} of the timeliness points → c = {c}").format(
                count=delays, cut=_pct(p.timeliness_deduction), c=_pct(p.c)))
    if exempt:
        lines.append(_("objective-cause exemption accepted by the evaluator: {failed} errors "
                       "and {delays} delays not deducted").format(
            failed=f.failed_reviews, delays=f.delays))
    return lines


def render_breakdown(result: PeriodResult, score: PeriodScore, policy) -> str:
    sp = policy.scoring
    lines = [_("🔎 <b>How the score was computed — {period}</b>").format(
        period=period_label(result.period)), ""]
    for index, p in enumerate(score.task.products, 1):
        f = p.figures
        if f.kind == ProductKind.RATE:
            lines.append(_("{index}. <b>{name}</b> (rate, target {target}%, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=_n(f.assigned), coef=_n(f.coefficient),
                weight=_n(p.weight)))
            lines.append("    " + _("achieved {done}% → a = b = c = {value}").format(
                done=_n(f.done), value=_pct(p.a)))
        else:
            lines.append(_("{index}. <b>{name}</b> (target {target}, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=_n(f.assigned), coef=_n(f.coefficient),
                weight=_n(p.weight)))
            lines.append("    " + _("a = {done}/{target} = {a}").format(
                done=_n(f.done), target=_n(f.assigned), a=_pct(p.a)))
            if p.a_raw > 1:
                lines.append("    " + _("over the target: {value} (shown, capped at 100% for "
                                        "scoring)").format(value=_pct(p.a_raw)))
            lines += ["    " + line for line in _deduction_lines(p, sp)]
    task = score.task
    lines += ["", _("Weighted averages: a = {a} · b = {b} · c = {c}").format(
        a=_pct(task.a), b=_pct(task.b), c=_pct(task.c))]
    if task.leader is not None:
        lines.append(_("Leader: d (unit result) = {d} · đ (organising) = {dd} · "
                       "e (rallying) = {e}").format(d=_pct(task.leader.unit_result),
                                                    dd=_pct(task.leader.organising),
                                                    e=_pct(task.leader.rallying)))
        lines.append(_("Task score = {max} × (a + b + c + d + đ + e) / 6 = {points}").format(
            max=_n(sp.task_points), points=fmt_score(task.points)))
    else:
        lines.append(_("Task score = {max} × (a + b + c) / 3 = {points}").format(
            max=_n(sp.task_points), points=fmt_score(task.points)))
        if result.sheet.cadre.is_leader:
            lines.append(_("(projected: a leader's d, đ and e are added by the evaluator at the "
                           "evaluation)"))
    parts = []
    for criterion in sp.general_criteria:
        parts.append(f"{esc(criterion_title(criterion))} "
                     f"{_n(score.general_detail.get(criterion.key, 0))}")
    lines.append(_("General criteria: {parts} = {points}").format(
        parts=" + ".join(parts), points=fmt_score(score.general_points)))
    lines.append(_("<b>Total: {task} + {general} = {total} → {band}</b>").format(
        task=fmt_score(task.points), general=fmt_score(score.general_points),
        total=fmt_score(score.total), band=band_label(score.band)))
    if result.rated and (abs(result.total - score.total) > 0.05 or result.band != score.band):
        lines.append(_("Rating confirmed by the evaluator: {total} — {band}").format(
            total=fmt_score(result.total), band=band_label(result.band)))
    return "\n".join(lines)


async def _results(context: BotContext):
    async with context.db.session() as session:
        me = await session.get(Cadre, context.actor.cadre_id)
        return await results_of(session, context.services.kpi, me, context.today)


async def on_results(update: Update, context: BotContext) -> None:
    results = await _results(context)
    text, markup = render_overview(results, context.services.policy)
    await update.effective_message.reply_text(text, parse_mode="HTML", reply_markup=markup)


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    results = await _results(context)
    if data == f"{PREFIX}:c":
        chronological = list(reversed(results.periods))
        if not chronological:  # the button is shown only with results: a forged tap
            await refuse(update, _("This button is no longer valid. Please open the function "
                                   "again from the menu."))
            return
        await query.answer()
        bands = context.services.policy.scoring.bands
        png = score_history_png(
            [period_label(r.period) for r in chronological], [r.total for r in chronological],
            {_("Excellent"): bands.excellent, _("Good"): bands.good, _("Completed"): bands.done},
            _("Scores of the last periods"), _("Points"))
        await context.bot.send_photo(update.effective_chat.id, InputFile(png, "ket_qua.png"),
                                     caption=_("📈 Your scores over the last periods"))
        return
    ids = parse_ids(data, 1) if data.startswith(f"{PREFIX}:d:") else None
    # Only the caller's own periods can be opened: the id is looked up in their results.
    result = next((r for r in results.periods if ids and r.period.id == ids[0]), None)
    if result is None:
        await refuse(update, _("This button is no longer valid. Please open the function again "
                               "from the menu."))
        return
    await query.answer()
    text = render_breakdown(result, result.sheet.score, context.services.policy)
    await edit_or_send(update, context, text, InlineKeyboardMarkup(
        [[button(_("⬅️ Back"), PREFIX, "b")]]))


async def on_back(update: Update, context: BotContext) -> None:
    await update.callback_query.answer()
    results = await _results(context)
    text, markup = render_overview(results, context.services.policy)
    await edit_or_send(update, context, text, markup)


def register(app: Application) -> None:
    register_item(app, ITEMS["results"], on_results)
    app.add_handler(CallbackQueryHandler(final(on_back), pattern=rf"^{PREFIX}:b$"))
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
