"""📊 Kết quả của tôi: the totals and ratings per period, "🔎 Cách tính điểm" (how a score
was computed, step by step), the chart of the last periods."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.charts import score_history_png
from bot.i18n import _, fmt_local_date, fmt_number, fmt_percent, fmt_score
from bot.policy import Policy
from bot.services.criteria import criterion_title
from bot.services.results import PeriodResult, Results, Verdict
from bot.services.scoring import PeriodScore
from handlers.callbacks import action
from handlers.screens import appeals as appeal_screens
from handlers.screens import leave as leave_screens
from handlers.screens import publication as publication_screens
from handlers.screens.common import (
    band_label,
    esc,
    figure,
    group_points_lines,
    groups_line,
    period_label,
    status_label,
)
from handlers.screens.entries import adjustment_text
from models.enums import ProductKind

PREFIX = "rs"
DETAIL = action(PREFIX, "d", "period_id:id")  # how the score of one of the caller's periods was computed
CHART = action(PREFIX, "c")
BACK = action(PREFIX, "b")  # back to the overview
DETAILED = 3  # the latest periods get a 🔎 button and their indicator groups' line


# ---------------------------------------------------------------- the one truth of a period

def rated_line(verdict: Verdict) -> str:
    """"⭐ Evaluated: 86,9 points — Well completed duties (by …, on …)"."""
    text = _("⭐ Evaluated: <b>{score} points — {band}</b>").format(
        score=fmt_score(verdict.total), band=band_label(verdict.band))
    if verdict.by:
        who = esc(verdict.by)
        if verdict.on_behalf_of:
            who += " " + _("(on behalf of {name})").format(name=esc(verdict.on_behalf_of))
        text += " " + (_("(by {name} on {date})").format(name=who, date=fmt_local_date(
            verdict.at)) if verdict.at else _("(by {name})").format(name=who))
    return text


def verdict_notes(verdict: Verdict) -> list[str]:
    """Why the evaluated result is what it is, where it is not plain arithmetic: the general
    criteria scored differently from the self-assessment, a band that is not the one of the
    points, the evaluator's reason, figures changed after the rating."""
    lines = []
    if verdict.rated and verdict.general_changed:
        lines.append(_("General criteria: self-assessed {own}, scored {general} by the "
                       "evaluator").format(own=fmt_score(verdict.self_general),
                                           general=fmt_score(verdict.general)))
    if verdict.forced:
        lines.append(_("The points correspond to “{points_band}”; the band is “{band}” because "
                       "of a disciplinary measure or another ground of the decree recorded "
                       "this year.").format(points_band=band_label(verdict.points_band),
                                            band=band_label(verdict.band)))
    if verdict.reason:
        lines.append(_("Evaluator's reason: {reason}").format(reason=esc(verdict.reason)))
    if verdict.changed_since:
        lines.append(_("The figures changed after the evaluation: they now give {score} "
                       "points; the evaluated result stays {total} — {band}.").format(
            score=fmt_score(verdict.recomputed), total=fmt_score(verdict.total),
            band=band_label(verdict.band)))
    return lines


def score_lines(verdict: Verdict, approved: bool = False) -> list[str]:
    """The period's score where a cadre reads it (📝 the report): evaluated, or projected
    until the evaluation (`approved`: every product approved, the evaluation is next)."""
    if verdict.rated:
        return [rated_line(verdict), *verdict_notes(verdict)]
    text = _("Projected score: <b>{score}</b> — {band}").format(
        score=fmt_score(verdict.total), band=band_label(verdict.band))
    if verdict.adjustments:
        text += " " + _("(with the evaluator's adjusted figures)")
    if approved:
        return [text, _("⏳ Waiting for your evaluator's evaluation: the result is final "
                        "then.")]
    return [text]


def overview(results: Results, policy: Policy) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("📊 <b>My results</b>"), ""]
    rated_year = results.annual_rating is not None and results.annual_rating.band
    if not results.periods and not rated_year:
        lines.append(_("No results yet. Start with “📝 KPI report”."))
        return "\n".join(lines), InlineKeyboardMarkup(
            [*appeal_screens.result_buttons(results.appealable, results.has_appeals),
             [_leave_button()], *_published_row(policy)])
    for index, r in enumerate(results.periods):
        state = _("rated") if r.rated else status_label(r.status)
        lines.append(_("<b>{period}</b>: {score} points — {band} ({state})").format(
            period=period_label(r.period), score=fmt_score(r.total), band=band_label(r.band),
            state=state))
        groups = r.sheet.score.task.groups
        # the indicator groups of the latest periods (those with a 🔎 button), when there
        # are several: one short line each, the rest of the list stays one line a period
        if index < DETAILED and len(groups) > 1:
            lines.append("    " + groups_line(groups))
    lines.append("")
    annual = results.annual
    this_year = [r for r in results.periods if r.period.year == results.year]
    if rated_year:
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
        period=period_label(r.period)), r.period.id)] for r in results.periods[:DETAILED]]
    rows += appeal_screens.result_buttons(results.appealable, results.has_appeals)
    if results.periods:
        rows.append([CHART.button(_("📈 Chart of the last 12 periods"))])
    rows.append([_leave_button()])
    rows += _published_row(policy)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _leave_button():
    """🏖 declaring time away from work starts here (the main menu's labels are fixed)."""
    return leave_screens.MINE.button(_("🏖 Leave (annual, sick, maternity, study)"))


def _published_row(policy: Policy) -> list[list]:
    """📋 the agency's published lists, when the province publishes any (issue #24)."""
    if not policy.publication.enabled:
        return []
    return [[publication_screens.LISTS.button(publication_screens.entry_label())]]


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


def group_breakdown_lines(task) -> list[str]:
    """The task score by indicator group: each group's percentage and points; for a leader
    the points of d, đ and e apart, so the lines add up to the task score."""
    if not task.groups:
        return []
    lines = ["", _("<b>By indicator group</b> (weighted mean of (a + b + c) / 3):")]
    lines += group_points_lines(task.groups)
    if task.leader is not None:
        lines.append(_("• d, đ, e (leader): {points} points").format(
            points=fmt_score(task.leader_points)))
    return lines


def breakdown_text(result: PeriodResult, score: PeriodScore, policy: Policy) -> str:
    sp = policy.scoring
    pct = fmt_percent
    verdict = result.verdict
    lines = [_("🔎 <b>How the score was computed — {period}</b>").format(
        period=period_label(result.period))]
    if verdict is not None and verdict.rated:
        lines.append(rated_line(verdict))
    else:
        lines.append(_("Projected: not evaluated yet."))
    lines.append("")
    entries = {line.product.id: line.entry.id for line in result.sheet.lines}
    adjustments = verdict.adjustments if verdict is not None else {}
    for index, p in enumerate(score.task.products, 1):
        f = p.figures
        changes = adjustments.get(entries.get(f.product_type_id), ())
        if f.kind == ProductKind.RATE:
            lines.append(_("{index}. <b>{name}</b> (rate, target {target}%, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=figure(f.assigned),
                coef=figure(f.coefficient), weight=figure(p.weight)))
            lines += ["    ✏️ " + adjustment_text(c, f.kind) for c in changes]
            lines.append("    " + _("achieved {done}% → a = b = c = {value}").format(
                done=figure(f.done), value=pct(p.a)))
        else:
            lines.append(_("{index}. <b>{name}</b> (target {target}, coefficient {coef}, "
                           "weight {weight})").format(
                index=index, name=esc(f.name), target=figure(f.assigned),
                coef=figure(f.coefficient), weight=figure(p.weight)))
            lines += ["    ✏️ " + adjustment_text(c, f.kind) for c in changes]
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
    lines += group_breakdown_lines(task)
    parts = []
    for criterion in sp.general_criteria:
        parts.append(f"{esc(criterion_title(criterion))} "
                     f"{figure(score.general_detail.get(criterion.key, 0))}")
    lines.append(_("General criteria: {parts} = {points}").format(
        parts=" + ".join(parts), points=fmt_score(score.general_points)))
    if verdict is not None and (verdict.forced or verdict.changed_since):
        # the points' band, then why the result differs (never a bare second band)
        lines.append(_("<b>Total: {task} + {general} = {total} points</b>, which corresponds "
                       "to “{band}”").format(
            task=fmt_score(task.points), general=fmt_score(score.general_points),
            total=fmt_score(score.total), band=band_label(score.computed_band)))
    else:
        lines.append(_("<b>Total: {task} + {general} = {total} → {band}</b>").format(
            task=fmt_score(task.points), general=fmt_score(score.general_points),
            total=fmt_score(score.total), band=band_label(score.band)))
    if verdict is not None:
        lines += verdict_notes(verdict)
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
