"""📈 Tổng hợp: what the evaluator's digest and the board's province overview say, their
charts, their buttons, the drill-down by unit and the Excel file. Also what the operator's
`cadrebot digest` prints. Pure: data in, text (and PNG/xlsx bytes) out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.charts import BAND_COLORS, bars_png, scores_png
from bot.i18n import N_, _, fmt_figure, fmt_number, fmt_percent, fmt_score
from bot.services import digests
from bot.services.exports import digest_workbook
from bot.services.numbers import shown_score
from bot.services.scoring import band_of
from bot.services.words import indicator_group
from handlers.callbacks import action
from handlers.screens import review
from handlers.screens.chatfiles import files_button
from handlers.screens.common import (
    BAND_LABELS,
    Screen,
    band_label,
    esc,
    groups_line,
    pager,
    period_label,
    shorten,
)
from handlers.screens.training import category_name
from models.enums import Band

if TYPE_CHECKING:
    from bot.policy import Bands
    from models import Period

PREFIX = "dg"
EXCEL = action(PREFIX, "x", "period_id:id")  # "📥 Tải Excel" of a period
PERIODS = action(PREFIX, "pp")  # "📅 Chọn kỳ khác"
PERIOD = action(PREFIX, "p", "period_id:id")  # the digest of a period
# the board's drill-down; the page was left out by the buttons that open a unit
UNIT = action(PREFIX, "u", "period_id:id", "unit_id:id", "page:n?")  # unit 0: the province

UNIT_PAGE = 20  # units a page of the drill-down
BAND_ORDER = list(BAND_LABELS)  # the best first
MAX_NAMES = 30  # names listed in a line of the digest

# A digest is sent as messages of (text, chart PNG or None, the chart's file name).
Part = tuple[str, bytes | None, str]


def _bands(counter) -> str:
    return " · ".join(f"{band_label(b)}: {counter.get(b.value, 0)}" for b in BAND_ORDER)


def supervisor_text(d: digests.Digest) -> str:
    lines = [_("📈 <b>Summary of {period}</b> — {count} cadres you evaluate").format(
        period=period_label(d.period), count=len(d.lines))]
    if d.expected:
        lines.append(_("Sent: {sent}/{total} · late: {late} · waiting for your approval: "
                       "{waiting} products").format(sent=len(d.submitted), total=len(d.expected),
                                                    late=len(d.late), waiting=d.waiting))
    else:
        lines.append(_("Nobody you evaluate has to report in this period."))
    if d.missing:
        names = ", ".join(esc(line.name) + (f" ({period_label(line.period)})" if line.period
                                            else "") for line in d.missing[:MAX_NAMES])
        more = len(d.missing) - MAX_NAMES
        lines.append(_("Not sent yet: {names}").format(names=names) +
                     (" " + _("and {count} more").format(count=more) if more > 0 else ""))
    if d.away:
        lines.append(_("🏖 On leave for the whole period (not expected): {names}").format(
            names=", ".join(esc(line.name) for line in d.away[:MAX_NAMES])))
    if d.average is not None:
        lines.append(_("Average score: {score}").format(score=fmt_score(d.average)))
    if len(d.groups) > 1:
        lines.append(_("By indicator group: {groups}").format(groups=groups_line(d.groups.items())))
    if d.overdue:
        lines.append(_("Training overdue: {names}").format(
            names=", ".join(esc(line.name) for line in d.overdue[:MAX_NAMES])))
    if d.bands:
        lines.append(_("Ratings: {bands}").format(bands=_bands(d.bands)))
    return "\n".join(lines)


def target_text(target) -> str:
    """"trên 25% đến năm 2030", "đạt 100% hằng năm", "đạt 95% mỗi kỳ"."""
    value = fmt_percent(target.target)
    compared = (_("above {value}") if target.comparison == ">" else _("reach {value}")).format(
        value=value)
    if target.deadline:
        when = esc(target.deadline)
    elif target.horizon == "period":
        when = _("each period")
    elif target.horizon == "yearly":
        when = _("every year")
    else:
        when = _("by {year}").format(year=target.horizon)
    return f"{compared} {when}"


BASIS_WORDS = {  # what the figure of an indicator counts, for "chưa đủ số liệu: 1/60 …"
    "on_time_share": N_("{measured}/{expected} reports"),
    "good_or_better_share": N_("{measured}/{expected} people evaluated"),
    "commune_good_or_better_share": N_("{measured}/{expected} people rated"),
}


def indicator_line(item) -> str:
    target = target_text(item.target)
    if item.value is not None and not item.enough_data and item.basis is not None:
        measured, expected = item.basis
        basis = _(BASIS_WORDS.get(item.target.metric, BASIS_WORDS["on_time_share"])).format(
            measured=fmt_number(measured), expected=fmt_number(expected))
        return _("• {name}: not enough data yet ({basis}) — target: {target}").format(
            name=esc(item.target.name), basis=basis, target=target)
    if item.value is None:
        return _("• {name}: no data yet — target: {target}").format(
            name=esc(item.target.name), target=target)
    value = fmt_percent(item.value, 1)
    trend = ""
    if item.value is not None and item.previous is not None:
        trend = " ↗" if item.value > item.previous else " ↘" if item.value < item.previous else " →"
    if item.reached:
        status = _("reached")
    elif item.gap:
        status = _("{gap} short").format(gap=fmt_percent(item.gap, 1))
    else:
        status = _("not above the target yet")
    return _("• {name}: {value}{trend} / target: {target} — {status}").format(
        name=esc(item.target.name), value=value, trend=trend, target=target_text(item.target),
        status=status)


def _sent_line(sent: int, total: int) -> str:
    """"Đã gửi báo cáo: 12/50 (24%)"; with nobody due to report, says so (never "0/0")."""
    if not total:
        return _("Reports sent: nobody has to report in this period.")
    return _("Reports sent: {sent}/{total} ({rate})").format(
        sent=fmt_number(sent), total=fmt_number(total), rate=fmt_percent(sent / total))


def notice_ack_line(notice_id: int, text: str, reached: int, acked: int) -> str:
    """A notice's acknowledgements over those it reached (never "1/0 confirmed")."""
    if not reached:
        return _("🔔 #{id} {text}: has not reached anyone yet").format(id=notice_id,
                                                                      text=esc(text))
    return _("🔔 #{id} {text}: {ack}/{sent} confirmed").format(
        id=notice_id, text=esc(text), ack=fmt_number(acked), sent=fmt_number(reached))


def board_text(d: digests.BoardDigest) -> str:
    lines = [_("📈 <b>Province overview — {period}</b>").format(period=period_label(d.period)),
             _sent_line(d.submitted, d.cadres)]
    if d.away:
        lines.append(_("🏖 On leave for the whole period (not counted): {count}").format(
            count=fmt_number(d.away)))
    if d.appeals_open:
        lines.append(_("📨 Kiến nghị not answered yet: {count} (overdue: {overdue})").format(
            count=fmt_number(d.appeals_open), overdue=fmt_number(d.appeals_overdue)))
    if d.indicators:
        lines.append(_("<b>Resolution targets</b> (largest gap first)"))
        for item in d.indicators:
            lines.append(indicator_line(item))
    if d.units:
        lines.append(_("<b>Units with the lowest submission</b>"))
        for row in d.units[:5]:
            avg = fmt_score(row.average) if row.average is not None else "—"
            lines.append(_("• {unit}: {rate} sent, average score {avg}").format(
                unit=esc(row.unit), rate=fmt_percent(row.rate), avg=avg))
    if d.bands:
        lines.append(_("Ratings: {bands}").format(bands=_bands(d.bands)))
    if len(d.groups) > 1:
        lines.append(_("By indicator group (rated reports): {groups}").format(
            groups=groups_line(d.groups.items())))
    if d.training:
        lines.append(_("<b>Training this year</b> (cadres with a verified course)"))
        for category, share in sorted(d.training.items()):
            lines.append(f"• {category_name(category)}: {fmt_percent(share)}")
    for notice_id, text, sent, acked in d.notices:
        lines.append(notice_ack_line(notice_id, shorten(text, 60), sent, acked))
    return "\n".join(lines)


def chart_band(line: digests.CadreLine, thresholds: Bands) -> Band:
    """The band a bar is coloured by: the rating when there is one (it may differ from the
    points, e.g. after a discipline), else the band of the exact score so far."""
    return Band(line.band) if line.band else band_of(line.total, thresholds)


def render_supervisor(period: Period, mine: digests.Digest) -> tuple[str, bytes | None]:
    """The text, and the scores as bars, best first, coloured by band, with the 90/70/50
    lines (the policy's thresholds)."""
    scored = sorted((line for line in mine.lines if line.total is not None),
                    key=lambda line: -line.total)
    bands = mine.thresholds
    png = scores_png(
        [line.name for line in scored], [line.total for line in scored],
        [BAND_COLORS[chart_band(line, bands).value] for line in scored],
        _("Scores of {period}").format(period=period_label(period)),
        [(value, _("≥ {points} {band}").format(points=fmt_figure(value), band=_(name)))
         for value, name in ((bands.excellent, N_("Excellent")), (bands.good, N_("Good")),
                             (bands.done, N_("Completed")))],
    ) if scored else None
    return supervisor_text(mine), png


def render_board(board: digests.BoardDigest) -> tuple[str, bytes]:
    png = bars_png([r.unit for r in board.units[:15]], [r.rate * 100 for r in board.units[:15]],
                   _("Reports sent by unit (%)"))
    return board_text(board), png


def render_digest(period: Period, mine: digests.Digest | None,
                  board: digests.BoardDigest | None) -> list[Part]:
    """One person's digest, ready to send, the board overview first; nothing for someone who
    evaluates nobody and is not on the board. CPU-bound (matplotlib, ~50 ms a chart):
    callers run it in a thread or a worker process, so the bot keeps answering while it
    draws."""
    parts = []
    if board is not None:
        parts.append((*render_board(board), "tong_hop.png"))
    if mine is not None and mine.lines:
        parts.append((*render_supervisor(period, mine), "diem.png"))
    return parts


def digest_keyboard(period: Period, board: bool) -> InlineKeyboardMarkup:
    buttons = [[EXCEL.button(_("📥 Download Excel"), period.id),
                review.PAGE.button(_("✅ Approvals"), 0)],
               [PERIODS.button(_("📅 Another period")), files_button(period.id)]]
    if board:
        buttons.append([UNIT.button(_("🏢 By unit"), period.id, 0)])
    return InlineKeyboardMarkup(buttons)


def not_for_you(label: str) -> str:
    """`label`: the menu item's, untranslated."""
    return _("“{label}” is only for evaluators and the Organization Board.").format(
        label=_(label))


def nobody_text() -> str:
    return _("You do not evaluate any cadre.")


def periods_screen(recent: list[Period]) -> Screen:
    rows = [[PERIOD.button(period_label(p), p.id)] for p in recent]
    return _("Which period?"), InlineKeyboardMarkup(rows)


def unit_screen(found: digests.UnitView, unit_id: int, page: int) -> Screen:
    """One level of the drill-down (`unit_id` as the button gave it: 0 for the province)."""
    period, view = found.period, found.breakdown
    title = view.unit.name if view.unit else _("the province")
    lines = [_("🏢 <b>{unit}</b> — {period}").format(unit=esc(title), period=period_label(period))]
    rows = []
    pages = max(1, -(-len(view.children) // UNIT_PAGE))
    page = min(max(page, 0), pages - 1)
    if pages > 1:
        lines.append(_("Units {first}–{last} of {count}").format(
            first=page * UNIT_PAGE + 1, count=len(view.children),
            last=min((page + 1) * UNIT_PAGE, len(view.children))))
    for unit, row in view.children[page * UNIT_PAGE:(page + 1) * UNIT_PAGE]:
        avg = fmt_score(row.average) if row.average is not None else "—"
        if not row.cadres:
            lines.append(_("• {unit}: nobody has to report in this period").format(
                unit=esc(unit.name)))
        else:
            lines.append(_("• {unit}: {sent}/{total} sent, average {avg}").format(
                unit=esc(unit.name), sent=row.submitted, total=row.cadres, avg=avg)
                + weakest_text(row))
        rows.append([UNIT.button(shorten(unit.name, 40), period.id, unit.id)])
    for line in view.cadres:
        state = (_("sent") if line.submitted else _("on leave") if line.on_leave
                 else _("not sent"))
        score = fmt_score(line.total) if line.total is not None else "—"
        lines.append(f"• {esc(line.name)}: {state} · {score}")
    if view.unit is not None and view.indicators:
        lines.append(_("<b>Resolution targets in {unit}</b>").format(unit=esc(view.unit.name)))
        lines += [indicator_line(item) for item in view.indicators]
    rows += pager(UNIT, page, page + 1 < pages, period.id, unit_id)
    if view.unit is not None and view.unit.parent_id is not None:
        rows.append([UNIT.button(_("⬆️ Up"), period.id, view.unit.parent_id)])
    else:  # the top: back to the province overview
        rows.append([PERIOD.button(_("📈 Province overview"), period.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def weakest_text(row: digests.UnitRow) -> str:
    """" · yếu nhất: Phục vụ 72%" — the unit's weakest indicator group over its rated
    reports; "" with fewer than two groups rated."""
    weakest = row.weakest
    if weakest is None:
        return ""
    group, value = weakest
    return " · " + _("weakest: {group} {percent}").format(
        group=indicator_group(group, short=True), percent=fmt_percent(value))


def _group_columns(found: list[dict[int, float]]) -> list[int]:
    return sorted({group for groups in found for group in groups})


def _percent_cell(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def excel_caption(period: Period) -> str:
    return _("📥 Summary of {period}").format(period=period_label(period))


def excel_name(period: Period) -> str:
    return f"tong_hop_{period.year}_{period.number:02d}.xlsx"


def excel_workbook(mine: digests.Digest, board: digests.BoardDigest | None) -> bytes:
    """"📥 Tải Excel": the cadres one evaluates, and for the board the province's sheets."""
    sheets = []
    # a column per indicator group present (issue #24 part 2): "Kết quả thực hiện nhiệm vụ (%)"
    groups = _group_columns([line.groups for line in mine.lines])
    headers = [_("Cadre code"), _("Full name"), _("Unit"), _("Sent"), _("Sent late"),
               _("Waiting for approval"), _("Total"), _("Band"),
               *[f"{indicator_group(g)} (%)" for g in groups]]
    sheets.append((_("Cadres"), headers, [
        [line.code, line.name, line.unit,
         _("yes") if line.submitted else _("on leave") if line.on_leave else _("no"),
         _("yes") if line.late else "", line.waiting,
         shown_score(line.total) if line.total is not None else None,
         band_label(line.band) if line.band else "",
         *[_percent_cell(line.groups.get(g)) for g in groups]] for line in mine.lines]))
    if board is not None:
        groups = _group_columns([r.groups for r in board.units])
        sheets.append((_("Units"), [_("Unit"), _("Cadres"), _("Sent"), _("Sent %"),
                                    _("Average score"),
                                    *[f"{indicator_group(g)} (%)" for g in groups],
                                    _("Weakest indicator group")],
                       [[r.unit, r.cadres, r.submitted, round(r.rate * 100, 1),
                         round(r.average, 1) if r.average is not None else None,
                         *[_percent_cell(r.groups.get(g)) for g in groups],
                         indicator_group(r.weakest[0]) if r.weakest else ""]
                        for r in board.units]))
        sheets.append((_("Resolution targets"), [_("Indicator"), _("Value %"), _("Target"),
                                                 _("Gap %")],
                       [[i.target.name, round(i.value * 100, 1) if i.value is not None else None,
                         target_text(i.target),
                         round(i.gap * 100, 1) if i.value is not None else None]
                        for i in board.indicators]))
        names = [i.target.name for i in board.unit_indicators[0][1]] \
            if board.unit_indicators else []
        sheets.append((_("Targets by unit"), [_("Unit"), *[f"{n} (%)" for n in names]],
                       [[unit, *[round(i.value * 100, 1) if i.value is not None else None
                                 for i in items]] for unit, items in board.unit_indicators]))
        sheets.append((_("Ratings"), [_("Band"), _("Cadres")],
                       [[band_label(b), board.bands.get(b.value, 0)] for b in BAND_ORDER]))
        sheets.append((_("Notices"), [_("Notice"), _("Text"), _("Sent"), _("Acknowledged")],
                       [list(n) for n in board.notices]))
        sheets.append((_("Training"), [_("Group"), _("Cadres with a verified course %")],
                       [[category_name(k), round(v * 100, 1)] for k, v in board.training.items()]))
    return digest_workbook(sheets)
