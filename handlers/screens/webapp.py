"""What the dashboard (Telegram Mini App) shows, as JSON: pure functions from the services'
results to plain dicts, with every word through gettext (the page's own labels included:
`labels()`), so locales/vi/LC_MESSAGES/messages.po stays the one place of the Vietnamese
text. Numbers travel raw (for sorting and charts) and formatted the Vietnamese way
(`1.234,5`, `85%`) by the one formatter the chat uses."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import TYPE_CHECKING

from bot.i18n import N_, _, fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_score
from bot.services.annual import cap_sentence, group_text
from bot.services.digests import UnitRow
from bot.services.exports import digest_workbook
from bot.services.numbers import shown_score
from handlers.screens.annual import group_line
from handlers.screens.common import BAND_LABELS, band_label, period_label
from handlers.screens.digest import indicator_line, target_text
from handlers.screens.training import category_name
from models.enums import Band

if TYPE_CHECKING:
    from bot.policy import Bands, ScoringPolicy
    from bot.services import dashboard
    from models import Period

BAND_ORDER = list(BAND_LABELS)  # the best first

# The page's own words (buttons, headings, column titles); the page reads them from /labels.
LABELS = {
    "title": N_("Dashboard"),
    "overview": N_("Province"),
    "units": N_("Units"),
    "team": N_("My team"),
    "year": N_("My year"),
    "notices": N_("Notices"),
    "loading": N_("Loading…"),
    "error": N_("Could not load the data. Pull down or try again."),
    "unauthorised": N_("This page must be opened from the bot's menu in Telegram."),
    "forbidden": N_("This view is not for you."),
    "retry": N_("Try again"),
    "excel": N_("📥 Download Excel"),
    "period": N_("Period"),
    "sent": N_("Sent"),
    "missing": N_("Not sent"),
    "late": N_("Late"),
    "on_time": N_("On time"),
    "away": N_("On leave"),
    "average": N_("Average score"),
    "bands": N_("Ratings"),
    "training": N_("Training done"),
    "targets": N_("Resolution targets"),
    "value": N_("Value"),
    "target": N_("Target"),
    "gap": N_("Gap"),
    "trend": N_("Trend"),
    "search": N_("Search a unit by name or code"),
    "people": N_("People"),
    "up": N_("⬆️ Up"),
    "province": N_("the province"),
    "cadres": N_("Cadres"),
    "waiting": N_("Waiting for your approval"),
    "open_approval": N_("✅ Open in the chat"),
    "score": N_("Score"),
    "band": N_("Band"),
    "by_period": N_("Scores by period"),
    "quota": N_("Annual rating: the agency's quota"),
    "not_proposed": N_("Not proposed yet"),
    "breakdown": N_("Breakdown"),
    "annual": N_("The year so far"),
    "acknowledged": N_("Acknowledged"),
    "delivered": N_("Delivered"),
    "nothing": N_("Nothing to show yet."),
    "sent_by_unit": N_("Reports sent by unit (%)"),
    "scores_chart": N_("Scores, best first"),
    "sort": N_("Sort by"),
    "name": N_("Name"),
    "more": N_("Show more ({count} more)"),
    "yes": N_("yes"),
    "no": N_("no"),
}


def labels() -> dict:
    words = {key: _(value) for key, value in LABELS.items()}
    words["band_names"] = {band.value: band_label(band) for band in BAND_ORDER}
    return words


def _score(value: float | None) -> str:
    return fmt_score(value) if value is not None else "—"


def _share(part: int, whole: int) -> str:
    return fmt_percent(part / whole) if whole else "—"


def period_json(period: Period) -> dict:
    return {"id": period.id, "label": period_label(period), "kind": period.kind,
            "year": period.year, "number": period.number,
            "deadline": fmt_date(period.submission_deadline)
            if period.submission_deadline else None}


def thresholds_json(bands: Bands) -> list[dict]:
    """The 90/70/50 lines of a chart (the policy's thresholds)."""
    return [{"value": value, "band": band.value,
             "label": _("≥ {points} {band}").format(points=fmt_number(value), band=_(name))}
            for value, band, name in ((bands.excellent, Band.EXCELLENT, N_("Excellent")),
                                      (bands.good, Band.GOOD, N_("Good")),
                                      (bands.done, Band.DONE, N_("Completed")))]


def bands_json(counter) -> list[dict]:
    return [{"band": b.value, "label": band_label(b), "count": counter.get(b.value, 0)}
            for b in BAND_ORDER]


def indicator_json(item) -> dict:
    return {"name": item.target.name, "value": item.value, "previous": item.previous,
            "target": item.target.target, "gap": item.gap, "reached": item.reached,
            "enough_data": item.enough_data,
            "value_text": fmt_percent(item.value, 1) if item.value is not None else "—",
            "target_text": target_text(item.target),
            "gap_text": fmt_percent(item.gap, 1) if item.gap else "",
            "line": indicator_line(item).lstrip("• ")}


def _unit_row(row: UnitRow) -> dict:
    return {"unit": row.unit, "cadres": row.cadres, "submitted": row.submitted,
            "rate": row.rate, "rate_text": _share(row.submitted, row.cadres),
            "average": row.average, "average_text": _score(row.average)}


def as_of_json(at: datetime, tz) -> dict:
    """When a stored board view was computed (the page says so above its figures)."""
    return {"as_of": at.isoformat(),
            "as_of_text": _("Figures as of {time}").format(time=fmt_datetime(at, tz))}


def short_label(period: Period) -> str:
    """A period on a chart's axis: "T11", "Q3"."""
    return (_("M{number}") if period.kind == "month" else _("Q{number}")).format(
        number=period.number)


def indicator_values(body: dict) -> dict[str, float | None]:
    """A stored overview's value of each target (by name): a point of the year's trend."""
    return {item["name"]: item["value"] for item in body.get("indicators", [])}


def with_target_trends(body: dict, year: list[Period], earlier: dict[int, dict]) -> dict:
    """Each target's trend over the periods of the year: the values of the overviews kept
    for the earlier periods (`earlier`: period id → indicator_values), this one's own; a
    period whose overview was never computed is a gap."""
    current = body["period"]["id"]
    for item in body["indicators"]:
        item["trend"] = [{"label": short_label(p),
                          "value": item["value"] if p.id == current
                          else earlier.get(p.id, {}).get(item["name"])} for p in year]
    return body


def overview_json(found: dashboard.Overview, policy_bands: Bands) -> dict:
    board = found.board
    return {
        "period": period_json(found.period),
        "periods": [period_json(p) for p in found.periods],
        "cadres": board.cadres, "submitted": board.submitted,
        "missing": board.cadres - board.submitted, "away": board.away,
        "sent_text": _("{sent}/{total} ({rate})").format(
            sent=fmt_number(board.submitted), total=fmt_number(board.cadres),
            rate=_share(board.submitted, board.cadres)),
        "bands": bands_json(board.bands),
        "units": [_unit_row(r) for r in board.units],
        "indicators": [indicator_json(i) for i in board.indicators],
        "training": [{"category": category_name(k), "share": v, "text": fmt_percent(v)}
                     for k, v in sorted(board.training.items())],
        "year": [{"period": period_label(p.period), "label": short_label(p.period),
                  "expected": p.expected,
                  "submitted": p.submitted,
                  "rate": p.submitted / p.expected if p.expected else None,
                  "average": p.average, "average_text": _score(p.average)}
                 for p in found.year],
        "thresholds": thresholds_json(policy_bands),
    }


def _figures(figures: dashboard.Figures) -> dict:
    return {"cadres": figures.cadres, "submitted": figures.submitted,
            "submitted_text": _share(figures.submitted, figures.cadres),
            "on_time": figures.on_time, "on_time_text": _share(figures.on_time, figures.cadres),
            "average": figures.average, "average_text": _score(figures.average),
            "trained": figures.trained, "trained_text": _share(figures.trained, figures.cadres),
            "bands": {b.value: figures.bands.get(b.value, 0) for b in BAND_ORDER}}


def unit_json(found: dashboard.UnitDrill, policy_bands: Bands) -> dict:
    return {
        "period": period_json(found.period),
        "unit": {"id": found.unit.id, "name": found.unit.name, "code": found.unit.code,
                 "parent_id": found.unit.parent_id} if found.unit else
        {"id": 0, "name": _("the province"), "code": "", "parent_id": None},
        "path": [{"id": u.id, "name": u.name} for u in found.path],
        "total": _figures(found.total),
        "children": [{"id": u.id, "name": u.name, "code": u.code, **_figures(f)}
                     for u, f in found.children],
        "people": [{"id": p.cadre_id, "code": p.code, "name": p.name,
                    "submitted": p.submitted, "on_time": p.on_time, "on_leave": p.on_leave,
                    "total": p.total, "total_text": _score(p.total), "band": p.band,
                    "band_text": band_label(p.band) if p.band else "",
                    "trained": p.trained, "state": _person_state(p.submitted, p.on_leave)}
                   for p in found.people],
        "thresholds": thresholds_json(policy_bands),
    }


def _person_state(submitted: bool, on_leave: bool) -> str:
    return _("sent") if submitted else _("on leave") if on_leave else _("not sent")


def search_json(units) -> list[dict]:
    return [{"id": u.id, "name": u.name, "code": u.code} for u in units]


def _plain(text: str) -> str:
    """A chat line (HTML) as the page's plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def quota_json(listing, scoring: ScoringPolicy) -> dict | None:
    """The agency's annual list and its cap of "Excellently completed" (handlers/screens/
    annual.py says it the same way in the chat)."""
    if listing is None:
        return None
    return {"agency": listing.agency_name, "year": listing.year, "closed": listing.closed,
            "title": _("Annual rating {year} — {agency}").format(year=listing.year,
                                                                 agency=listing.agency_name),
            "rule": _plain(cap_sentence(scoring, listing.outstanding)),
            "groups": [_plain(group_line(cap)) for cap in
                       sorted(listing.caps.values(), key=lambda c: group_text(c.group))],
            "over": sum(cap.over for cap in listing.caps.values()),
            "missing": len(listing.missing)}


def team_json(found: dashboard.Team, scoring: ScoringPolicy | None = None) -> dict:
    d = found.digest
    return {
        "quota": quota_json(found.quota, scoring) if scoring is not None else None,
        "period": period_json(found.period),
        "periods": [period_json(p) for p in found.periods],
        "cadres": len(d.expected), "submitted": len(d.submitted), "late": len(d.late),
        "waiting": d.waiting, "average": d.average, "average_text": _score(d.average),
        "bands": bands_json(d.bands),
        "people": [{"id": line.cadre_id, "code": line.code, "name": line.name,
                    # "✅ Mở trong khung chat": the report's approval screen (handlers/review.py)
                    "chat_link": f"rv_{line.cadre_id}_{(line.period or found.period).id}"
                    if line.waiting else None,
                    "unit": line.unit, "submitted": line.submitted, "late": line.late,
                    "waiting": line.waiting, "on_leave": line.on_leave,
                    "total": line.total, "total_text": _score(line.total),
                    "band": line.band, "band_text": band_label(line.band) if line.band else "",
                    "own_period": period_label(line.period) if line.period else None,
                    "state": _person_state(line.submitted, line.on_leave),
                    "overdue_training": line.overdue_training}
                   for line in d.lines],
        "thresholds": thresholds_json(d.thresholds),
    }


def own_year_json(found: dashboard.OwnYear, policy_bands: Bands) -> dict:
    results = found.results
    annual = results.annual
    return {
        "year": results.year,
        "periods": [{"period": period_label(r.period), "total": r.total,
                     "total_text": _score(r.total), "band": r.band.value,
                     "band_text": band_label(r.band), "rated": r.rated,
                     "breakdown": [
                         {"label": _("Task results"), "text": _score(r.sheet.score.task.points)},
                         {"label": _("General criteria"),
                          "text": _score(r.verdict.general if r.verdict
                                         else r.sheet.score.general_points)}],
                     "products": [line.product.name for line in r.sheet.lines]}
                    for r in reversed(results.periods) if r.period.year == results.year],
        "annual": {"total": annual.total, "total_text": _score(annual.total),
                   "band": annual.band.value if annual.band else None,
                   "band_text": band_label(annual.band) if annual.band else ""}
        if annual.total is not None else None,
        "training": [{"title": o.requirement.title, "status": o.status.value,
                      "hours_done": o.hours_done,
                      "hours_required": o.requirement.hours_required,
                      "text": _("{done}/{required} hours").format(
                          done=fmt_number(o.hours_done, 1),
                          required=fmt_number(o.requirement.hours_required or 0, 1))}
                     for o in found.obligations],
        "thresholds": thresholds_json(policy_bands),
    }


def notices_json(found: list) -> list[dict]:
    rows = []
    for item in found:
        stats = item.stats
        reached = stats.sent
        rows.append({"id": item.notice.id, "text": item.notice.text[:200],
                     "ack_kind": item.notice.ack_kind, "total": stats.total,
                     "delivered": reached, "acknowledged": stats.acknowledged,
                     "delivered_text": _share(reached, stats.total),
                     "acknowledged_text": _share(stats.acknowledged, reached)})
    return rows


# ---------------------------------------------------------------- the views as .xlsx

def unit_workbook(view: dict) -> bytes:
    """"📥 Tải Excel" of a drill-down level, from the very view the page shows (`unit_json`,
    as stored): its sub-units and its people."""
    bands = [band_label(b) for b in BAND_ORDER]
    units = [[c["name"], c["code"], c["cadres"], c["submitted"], c["on_time"],
              round(c["average"], 1) if c["average"] is not None else None, c["trained"],
              *[c["bands"].get(b.value, 0) for b in BAND_ORDER]] for c in view["children"]]
    people = [[p["code"], p["name"], p["state"], _("yes") if p["on_time"] else "",
               shown_score(p["total"]) if p["total"] is not None else None,
               p["band_text"], _("yes") if p["trained"] else ""] for p in view["people"]]
    return digest_workbook([
        (_("Units"), [_("Unit"), _("Code"), _("Cadres"), _("Sent"), _("On time"),
                      _("Average score"), _("Training done"), *bands], units),
        (_("Cadres"), [_("Cadre code"), _("Full name"), _("Sent"), _("On time"), _("Total"),
                       _("Band")], people)])


def workbook_name(view: str, period: Period | dict, unit_id: int | None = None) -> str:
    """The download's file name (`period`: a Period, or a view's "period")."""
    year, number = (period["year"], period["number"]) if isinstance(period, dict) \
        else (period.year, period.number)
    suffix = f"_{unit_id}" if unit_id else ""
    return f"bang_dieu_khien_{view}_{year}_{number:02d}{suffix}.xlsx"
