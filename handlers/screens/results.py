"""📊 Kết quả của tôi: the totals and ratings per period, "🔎 Cách tính điểm" (how a score
was computed, step by step), the chart of the last periods."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.charts import score_history_png
from bot.i18n import _, fmt_number, fmt_percent, fmt_score
from bot.policy import Policy
from bot.services.criteria import criterion_title
from bot.services.results import PeriodResult, Results
from bot.services.scoring import PeriodScore
from handlers.callbacks import action
from handlers.screens import leave as leave_screens
from handlers.screens.common import band_label, esc, figure, period_label, status_label
from models.enums import ProductKind

PREFIX = "rs"
DETAIL = action(PREFIX, "d", "period_id:id")  # how the score of one of the caller's periods was computed
CHART = action(PREFIX, "c")
BACK = action(PREFIX, "b")  # back to the overview


def overview(results: Results, policy: Policy) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("📊 <b>My results</b>"), ""]
    if not results.periods:
        lines.append(_("No results yet. Start with “📝 KPI report”."))
        return "\n".join(lines), InlineKeyboardMarkup([[_leave_button()]])
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
            year=results.year, months=figure(int(annual.months_worked * 10) / 10),
            minimum=policy.scoring.min_months_for_annual))
    elif annual.total is not None:
        lines.append(_("<b>Year {year} so far</b>: {score} points, the average of {count} "
                       "periods weighted by months — projected: {band}").format(
            year=results.year, score=fmt_score(annual.total), count=len(this_year),
            band=band_label(annual.band)))
    rows = [[DETAIL.button(_("🔎 How the score of {period} was computed").format(
        period=period_label(r.period)), r.period.id)] for r in results.periods[:3]]
    rows.append([CHART.button(_("📈 Chart of the last 12 periods"))])
    rows.append([_leave_button()])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _leave_button():
    """🏖 declaring time away from work starts here (the main menu's labels are fixed)."""
    return leave_screens.MINE.button(_("🏖 Leave (annual, sick, maternity, study)"))


def _deduction_lines(p, sp) -> list[str]:
    """b and c with the deductions of Decree 335 Art. 14, as the policy reads them."""
    f = p.figures
    failed, delays = f.failed_reviews, f.delays
    exempt = f.exempt and (failed or delays)
    if exempt:
        failed = delays = 0
    pct = fmt_percent
    if sp.deduction_reading == "per_item":
        q_cut = fmt_number(sp.quality_deduction_per_failure, 2)
        t_cut = fmt_number(sp.timeliness_deduction_per_delay, 2)
        lines = [_("b = ({passed} − {cut} × {failed} major content errors)/{target} = {b}").format(
                     passed=figure(f.passed), cut=q_cut, failed=failed,
                     target=figure(f.assigned), b=pct(p.b))
                 if failed else
                 _("b = {passed}/{target} = {b}").format(passed=figure(f.passed),
                                                         target=figure(f.assigned), b=pct(p.b)),
                 _("c = ({done} − {cut} × {delays} delays)/{target} = {c}").format(
                     done=figure(f.done), cut=t_cut, delays=delays, target=figure(f.assigned),
                     c=pct(p.c))
                 if delays else
                 _("c = {done}/{target} = {c}").format(done=figure(f.done),
                                                       target=figure(f.assigned), c=pct(p.c))]
        if failed or delays:
            lines.append(_("each major content error or delay removes {share} of the point of "
                           "the item it concerns (Decree 335, Art. 14)").format(
                share=pct(sp.quality_deduction_per_failure)))
    else:
        lines = [_("b = {passed}/{target} = {b}; c = {on_time}/{target} = {c}").format(
            passed=figure(f.passed), on_time=figure(f.on_time), target=figure(f.assigned),
            b=pct(p.b_before_deduction), c=pct(p.c_before_deduction))]
        if p.quality_deduction:
            lines.append(_("{count} failed quality reviews: −{cut} of the quality points → "
                           "b = {b}").format(count=failed, cut=pct(p.quality_deduction),
                                             b=pct(p.b)))
        if p.timeliness_deduction:
            lines.append(_("{count} delays: −{cut} of the timeliness points → c = {c}").format(
                count=delays, cut=pct(p.timeliness_deduction), c=pct(p.c)))
    if exempt:
        lines.append(_("objective-cause exemption accepted by the evaluator: {failed} errors "
                       "and {delays} delays not deducted").format(
            failed=f.failed_reviews, delays=f.delays))
    return lines


def breakdown_text(result: PeriodResult, score: PeriodScore, policy: Policy) -> str:
    sp = policy.scoring
    pct = fmt_percent
    lines = [_("🔎 <b>How the score was computed — {period}</b>").format(
        period=period_label(result.period)), ""]
    for index, p in enumerate(score.task.products, 1):
        f = p.figures
        if f.kind == ProductKind.RATE:
            lines.append(_("{index}. <b>{name}</b> (rate, target {target}%, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=figure(f.assigned),
                coef=figure(f.coefficient), weight=figure(p.weight)))
            lines.append("    " + _("achieved {done}% → a = b = c = {value}").format(
                done=figure(f.done), value=pct(p.a)))
        else:
            lines.append(_("{index}. <b>{name}</b> (target {target}, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=figure(f.assigned),
                coef=figure(f.coefficient), weight=figure(p.weight)))
            lines.append("    " + _("a = {done}/{target} = {a}").format(
                done=figure(f.done), target=figure(f.assigned), a=pct(p.a)))
            if p.a_raw > 1:
                lines.append("    " + _("over the target: {value} (shown, capped at 100% for "
                                        "scoring)").format(value=pct(p.a_raw)))
            lines += ["    " + line for line in _deduction_lines(p, sp)]
    task = score.task
    lines += ["", _("Weighted averages: a = {a} · b = {b} · c = {c}").format(
        a=pct(task.a), b=pct(task.b), c=pct(task.c))]
    if task.leader is not None:
        lines.append(_("Leader: d (unit result) = {d} · đ (organising) = {dd} · "
                       "e (rallying) = {e}").format(d=pct(task.leader.unit_result),
                                                    dd=pct(task.leader.organising),
                                                    e=pct(task.leader.rallying)))
        lines.append(_("Task score = {max} × (a + b + c + d + đ + e) / 6 = {points}").format(
            max=figure(sp.task_points), points=fmt_score(task.points)))
    else:
        lines.append(_("Task score = {max} × (a + b + c) / 3 = {points}").format(
            max=figure(sp.task_points), points=fmt_score(task.points)))
        if result.sheet.cadre.is_leader:
            lines.append(_("(projected: a leader's d, đ and e are added by the evaluator at the "
                           "evaluation)"))
    parts = []
    for criterion in sp.general_criteria:
        parts.append(f"{esc(criterion_title(criterion))} "
                     f"{figure(score.general_detail.get(criterion.key, 0))}")
    lines.append(_("General criteria: {parts} = {points}").format(
        parts=" + ".join(parts), points=fmt_score(score.general_points)))
    lines.append(_("<b>Total: {task} + {general} = {total} → {band}</b>").format(
        task=fmt_score(task.points), general=fmt_score(score.general_points),
        total=fmt_score(score.total), band=band_label(score.band)))
    if result.rated and (abs(result.total - score.total) > 0.05 or result.band != score.band):
        lines.append(_("Rating confirmed by the evaluator: {total} — {band}").format(
            total=fmt_score(result.total), band=band_label(result.band)))
    return "\n".join(lines)


def breakdown(result: PeriodResult, policy: Policy) -> tuple[str, InlineKeyboardMarkup]:
    return (breakdown_text(result, result.sheet.score, policy),
            InlineKeyboardMarkup([[BACK.button(_("⬅️ Back"))]]))


def chart(results: Results, policy: Policy) -> tuple[bytes, str]:
    """The scores of the periods shown (oldest first) as a PNG, and its caption."""
    chronological = list(reversed(results.periods))
    bands = policy.scoring.bands
    png = score_history_png(
        [period_label(r.period) for r in chronological], [r.total for r in chronological],
        {_("Excellent"): bands.excellent, _("Good"): bands.good, _("Completed"): bands.done},
        _("Scores of the last periods"), _("Points"))
    return png, _("📈 Your scores over the last periods")
