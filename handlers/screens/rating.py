"""⭐ Rating a month or quarter ("theo dõi, đánh giá"): what the evaluator reads and taps."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import _, fmt_figure, fmt_percent, fmt_score
from bot.policy import AbilityLevel, ScoringPolicy
from bot.services.criteria import criterion_description, criterion_title
from bot.services.rating import RatingDraft
from handlers.callbacks import action
from handlers.screens.common import band_label, esc, period_label

PREFIX = "ra"
START = action(PREFIX, "s", "id", "id")  # cadre, period
AGREE = action(PREFIX, "c", "id", "id")
CRITERION = action(PREFIX, "e", "id", "id", "n")  # … criterion index
POINTS = action(PREFIX, "k", "id", "id", "n", "n")  # … criterion index, tenths of a point
ORGANISING = action(PREFIX, "o", "id", "id", "n")  # … level index
RALLYING = action(PREFIX, "l", "id", "id", "n")
CONFIRM = action(PREFIX, "ok", "id", "id", "n")  # … evaluation version
MAX_PENDING_NAMES = 15


def start_screen(draft: RatingDraft, scoring: ScoringPolicy) -> tuple[str, InlineKeyboardMarkup]:
    cadre, period = draft.cadre, draft.period
    own = draft.evaluation.self_criteria or {}
    lines = [_("⭐ <b>Evaluation of {period} — {name}</b>").format(
        period=period_label(period), name=esc(cadre.full_name)),
        _("Self-assessment of the general criteria:")]
    for c in scoring.general_criteria:
        lines.append(f"• {esc(criterion_title(c))}: {fmt_figure(own.get(c.key))}/"
                     f"{fmt_figure(c.max_points)}")
    rows = [[AGREE.button(_("✅ Agree with the self-assessment"), cadre.id, period.id)],
            [CRITERION.button(_("✏️ Score the criteria again"), cadre.id, period.id, 0)]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def criterion_choices(max_points: float) -> list[float]:
    values = {max_points, max_points - 0.5, max_points - 1, max_points - 1.5,
              max_points - 2.5, max_points - 3.5, round(max_points / 2 * 2) / 2, 0.0}
    return sorted((v for v in values if v >= 0), reverse=True)


def criterion_screen(cadre_id: int, period_id: int, index: int,
                     scoring: ScoringPolicy) -> tuple[str, InlineKeyboardMarkup]:
    c = scoring.general_criteria[index]
    text = _("⭐ <b>{title}</b> (at most {max} points)").format(
        title=esc(criterion_title(c)), max=fmt_figure(c.max_points))
    if criterion_description(c):
        text += "\n" + esc(criterion_description(c))
    text += "\n" + _("Tap the points, or type them, e.g. 6,5.")
    row = [POINTS.button(fmt_figure(v), cadre_id, period_id, index, int(round(v * 10)))
           for v in criterion_choices(c.max_points)]
    return text, InlineKeyboardMarkup([row[:4], row[4:]])


def ability_screen(cadre_id: int, period_id: int, which: str,
                   levels: list[AbilityLevel]) -> tuple[str, InlineKeyboardMarkup]:
    """đ or e: each level with the condition that earns it, in the decree's words."""
    if which == "o":
        title = _("đ — ability to organise and carry out the tasks")
        button = ORGANISING
    else:
        title = _("e — capacity to rally and unite the civil servants under their management")
        button = RALLYING
    lines = [_("⭐ Leader's criterion <b>{title}</b>. Choose the level whose condition is "
               "met:").format(title=title)]
    for level in levels:
        lines.append(f"• <b>{fmt_percent(level.value)}</b>: {esc(level.condition)}")
    rows = [[button.button(fmt_percent(level.value), cadre_id, period_id, index)
             for index, level in enumerate(levels)]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def unit_result_line(draft: RatingDraft) -> str:
    d = draft.unit_result
    if d.managed == 0:
        return _("d (results of the agency, unit led): {value} — no civil servant under this "
                 "leader's management reports for this period").format(
            value=fmt_percent(d.value))
    if not d.known:
        names = ", ".join(esc(n) for n in d.pending_names[:MAX_PENDING_NAMES])
        more = d.pending - min(d.pending, MAX_PENDING_NAMES)
        text = _("d (results of the agency, unit led): pending — {pending}/{managed} not "
                 "evaluated yet: {names}").format(pending=d.pending, managed=d.managed,
                                                  names=names)
        if more:
            text += " " + _("and {count} more").format(count=more)
        return text
    if d.failed:
        return _("d (results of the agency, unit led): {value} — {failed} of the {managed} "
                 "civil servants managed did not complete their duties").format(
            value=fmt_percent(d.value), failed=d.failed, managed=d.managed)
    return _("d (results of the agency, unit led): {value} — all {managed} civil servants "
             "managed completed their duties or better").format(
        value=fmt_percent(d.value), managed=d.managed)


def summary_screen(draft: RatingDraft, can_rate: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The points and the band they correspond to; one button to confirm. A month or quarter
    has no quota: the quota is the annual rating's."""
    cadre, period, score = draft.cadre, draft.period, draft.score
    lines = [_("⭐ <b>Evaluation of {period} — {name}</b>").format(
        period=period_label(period), name=esc(cadre.full_name))]
    if draft.leader is not None:
        lines.append(unit_result_line(draft))
        lines.append(_("đ (organising and carrying out the tasks): {dd} · e (rallying and "
                       "uniting): {e}").format(dd=fmt_percent(draft.leader.organising),
                                               e=fmt_percent(draft.leader.rallying)))
    if draft.waiting_for_d:
        lines.append(_("Task-result criterion: waiting for d; general criteria {general}.").format(
            general=fmt_score(score.general_points)))
        lines.append(_("⏳ The evaluation of a leader waits until everyone under their "
                       "management has been evaluated for this period."))
        return "\n".join(lines), InlineKeyboardMarkup([])
    lines.append(_("Task-result criterion {task} + general criteria {general} = "
                   "<b>{total} points</b>").format(
        task=fmt_score(score.task.points), general=fmt_score(score.general_points),
        total=fmt_score(score.total)))
    if draft.disciplined:
        lines.append(_("⚠️ A disciplinary measure (or another ground of the decree) recorded "
                       "this year: “{band}”.").format(band=band_label(score.band)))
    else:
        lines.append(_("Corresponding level: <b>{band}</b>").format(band=band_label(score.band)))
    rows = []
    if can_rate:
        rows.append([CONFIRM.button(_("✅ Confirm: {total} points — {band}").format(
            total=fmt_score(score.total), band=band_label(score.band)),
            cadre.id, period.id, draft.evaluation.version)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def rated_text(draft: RatingDraft) -> str:
    return _("⭐ Evaluated {name} for {period}: {total} points — {band}.").format(
        name=esc(draft.cadre.full_name), period=period_label(draft.period),
        total=fmt_score(draft.score.total), band=band_label(draft.score.band))


def cadre_notice(draft: RatingDraft) -> str:
    return _("⭐ Your evaluation for {period}: {total} points — {band}. Open “📊 My results” "
             "to see how it was computed.").format(
        period=period_label(draft.period), total=fmt_score(draft.score.total),
        band=band_label(draft.score.band))
