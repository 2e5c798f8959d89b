"""The forms an agency signs (Decree 335): each person's sheet — "phiếu theo dõi, đánh giá"
for a month or quarter, "phiếu xếp loại chất lượng" for the year — and the agency's summary
table with signature blocks, as .docx from replaceable templates (bot.forms), plus the same
table as .xlsx."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from bot import forms
from bot.i18n import _, fmt_figure, fmt_local_date, fmt_percent, fmt_score
from bot.policy import Policy
from bot.services.annual import (
    CLOSING_REASON,
    AnnualService,
    cap_sentence,
    flag_text,
    group_text,
)
from bot.services.criteria import criterion_title
from bot.services.exports import band_text, safe_append
from bot.services.kpi import KpiService, figures_of
from bot.services.units import UnitTree
from models import Period
from models.enums import PeriodType, ProductKind


@dataclass
class FormFile:
    name: str
    content: bytes


def _period_label(period: Period) -> str:
    if period.kind == PeriodType.MONTH.value:
        return _("Month {number}/{year}").format(number=period.number, year=period.year)
    if period.kind == PeriodType.QUARTER.value:
        return _("Quarter {number}/{year}").format(number=period.number, year=period.year)
    return _("Year {year}").format(year=period.year)


def _common(tree: UnitTree, agency_id: int, today: date) -> dict:
    agency = tree.units[agency_id]
    roots = [uid for uid in tree.chain(agency_id)][-1:]
    place = tree.units[roots[0]].name if roots else ""
    for prefix in ("Tỉnh ", "Thành phố "):
        place = place.removeprefix(prefix)
    parent = tree.units.get(agency.parent_id) if agency.parent_id else None
    return {"agency": agency.name, "agency_upper": (parent.name if parent else agency.name).upper(),
            "unit": agency.name.upper(), "place": place, "day": f"{today.day:02d}",
            "month": f"{today.month:02d}", "year_now": today.year}


def _xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    safe_append(ws, headers)
    for row in rows:
        safe_append(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _slug(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)


SUMMARY_FIELDS = ("index", "name", "title", "unit", "months", "score", "band", "note")


def _bundle(sheet_template: str, sheet_name: str, summary_name: str, common: dict,
            sheets: list[dict], summary: dict, rows: list[list], band_header: str,
            folder: Path | None, sheets_only: bool = False) -> list[FormFile]:
    """Each person's sheet (.docx), the agency's table with signatures (.docx) and the same
    table (.xlsx); the table's rows have the SUMMARY_FIELDS."""
    files = [FormFile(f"{sheet_name}.docx",
                      forms.render(sheet_template, {**common, "sheets": sheets}, folder))]
    if sheets_only:
        return files
    table = {**common, **summary,
             "rows": [dict(zip(SUMMARY_FIELDS, row, strict=True)) for row in rows]}
    headers = [_("No."), _("Full name"), _("Title"), _("Unit"), _("Months worked"), _("Score"),
               band_header, _("Note")]
    return files + [FormFile(f"{summary_name}.docx", forms.render(forms.SUMMARY, table, folder)),
                    FormFile(f"{summary_name}.xlsx", _xlsx(summary["title"], headers, rows))]


async def annual_forms(session, policy: Policy, annual: AnnualService, agency_id: int, year: int,
                       today: date, folder: Path | None = None,
                       only: set[int] | None = None, sheets_only: bool = False) -> list[FormFile]:
    """Each person's annual sheet, the agency's table and its .xlsx (`only`: these cadres,
    e.g. the ones an evaluator rates; `sheets_only`: the sheets alone)."""
    tree = await UnitTree.load(session)
    listing = await annual.agency_list(session, agency_id, year)
    common = _common(tree, agency_id, today)
    sheets, rows, counts = [], [], Counter()
    drafts = [d for d in listing.drafts if only is None or d.cadre.id in only]
    for index, d in enumerate(drafts, 1):
        ev = d.evaluation if d.proposed else None
        final = band_text(ev.band) if d.final else (
            _("not closed yet") if d.ratable else _("evaluated, not rated"))
        reason = ""
        if ev is not None and ev.band_reason == CLOSING_REASON:
            reason = _("Made “Well completed duties” within the cap when the list was closed.")
        elif ev is not None and ev.band_reason:
            reason = _("Reason: {reason}").format(reason=ev.band_reason)
        flags = "; ".join(flag_text(f) for f in (ev.flags or [])) if d.final and ev else ""
        months = fmt_figure(int(d.months_worked * 10 + 1e-6) / 10)
        sheets.append({
            "year": year, "name": d.cadre.full_name, "code": d.cadre.code,
            "title": d.cadre.title or "", "unit": tree.units[d.cadre.unit_id].name
            if d.cadre.unit_id in tree.units else "", "group": group_text(d.duty_group),
            "months_worked": months,
            "periods": [{"period": _period_label(p), "months": 3 if p.kind == "quarter" else 1,
                         "score": fmt_score(total), "band": ""} for p, total in d.periods],
            "score": fmt_score(d.total) if d.total is not None else "—",
            "band_by_points": band_text(d.computed_band.value) if d.computed_band
            else _("evaluated, not rated"),
            "proposed": band_text(ev.proposed_band) if ev else _("no proposal"),
            "reason": reason, "final": final, "flags": flags})
        if d.final:
            counts[ev.band] += 1
        rows.append([index, d.cadre.full_name, d.cadre.title or "",
                     sheets[-1]["unit"], months,
                     fmt_score(d.total) if d.total is not None else "—", final,
                     "; ".join(x for x in (reason, flags) if x)])
    totals = " · ".join(f"{band_text(band)}: {count}" for band, count in counts.items()) or "—"
    title = _("SUMMARY OF THE ANNUAL QUALITY RATING OF CIVIL SERVANTS, YEAR {year}").format(
        year=year)
    subtitle = (_("List closed on {date}").format(date=fmt_local_date(listing.closed_at))
                if listing.closed else _("Draft: the list is not closed yet"))
    summary = {"title": title, "subtitle": subtitle, "totals": totals,
               "competent_body": policy.scoring.competent_body,
               "cap": cap_sentence(policy.scoring, listing.outstanding)}
    code = _slug(tree.units[agency_id].code)
    return _bundle(forms.ANNUAL_SHEET, f"phieu_xep_loai_{year}_{code}",
                   f"tong_hop_xep_loai_{year}_{code}", common, sheets, summary, rows,
                   _("Annual quality rating"), folder, sheets_only)


def _pct(value: float) -> str:
    return fmt_percent(value)


async def period_forms(session, policy: Policy, kpi: KpiService, annual: AnnualService,
                       agency_id: int, period: Period, today: date,
                       folder: Path | None = None) -> list[FormFile]:
    """Each person's "phiếu theo dõi, đánh giá" of a month or quarter, and the table."""
    tree = await UnitTree.load(session)
    common = _common(tree, agency_id, today)
    scoring = policy.scoring
    label = _period_label(period)
    sheets, rows = [], []
    members = await annual.agency_members(session, agency_id)
    for sheet in await kpi.sheets_of_many(session, members, period):
        if not sheet.lines:
            continue
        cadre, evaluation, score = sheet.cadre, sheet.evaluation, sheet.score
        rated = evaluation is not None and evaluation.status == "rated"
        products = []
        for line, part in zip(sheet.lines, score.task.products, strict=True):
            f = figures_of(line)
            rate = line.product.kind == ProductKind.RATE
            products.append({
                "name": line.product.name,
                "target": f"{fmt_figure(line.target)}%" if rate else fmt_figure(line.target),
                "done": f"{fmt_figure(f.done)}%" if rate else fmt_figure(f.done),
                "passed": "" if rate else fmt_figure(f.passed),
                "failed": "" if rate else f.failed_reviews,
                "delays": "" if rate else f.delays,
                "a": _pct(part.a), "b": _pct(part.b), "c": _pct(part.c),
                "note": _("exemption accepted") if f.exempt and (f.failed_reviews or f.delays)
                else ""})
        own = (evaluation.self_criteria or {}) if evaluation else {}
        given = (evaluation.criteria or {}) if rated else {}
        criteria = [{"name": criterion_title(c), "max": fmt_figure(c.max_points),
                     "own": fmt_figure(own.get(c.key)), "given": fmt_figure(given.get(c.key))}
                    for c in scoring.general_criteria]
        formula = ("70 × (a + b + c + d + đ + e) / 6" if score.task.leader is not None
                   else "70 × (a + b + c) / 3").replace("70", fmt_figure(scoring.task_points))
        total = evaluation.total_score if rated else score.total
        band = band_text(evaluation.band) if rated else (
            band_text(score.band.value) + " " + _("(projected, not evaluated yet)"))
        unit = tree.units[cadre.unit_id].name if cadre.unit_id in tree.units else ""
        sheets.append({"period_upper": label.upper(), "name": cadre.full_name,
                       "code": cadre.code, "title": cadre.title or "", "unit": unit,
                       "task_max": fmt_figure(scoring.task_points), "products": products,
                       "task_formula": formula, "task_points": fmt_score(score.task.points),
                       "general_max": fmt_figure(scoring.general_points), "criteria": criteria,
                       "total": fmt_score(total), "band": band})
        rows.append([len(rows) + 1, cadre.full_name, cadre.title or "", unit, "",
                     fmt_score(total), band, ""])
    title = _("SUMMARY OF THE MONITORING AND EVALUATION OF CIVIL SERVANTS, {period}").format(
        period=label.upper())
    summary = {"title": title, "subtitle": "", "totals": str(len(rows)), "cap": "",
               "competent_body": policy.scoring.competent_body}
    code = _slug(tree.units[agency_id].code)
    suffix = f"{period.year}_{period.number:02d}" if period.kind == "month" \
        else f"{period.year}_Q{period.number}"
    return _bundle(forms.PERIOD_SHEET, f"phieu_danh_gia_{suffix}_{code}",
                   f"tong_hop_danh_gia_{suffix}_{code}", common, sheets, summary, rows,
                   _("Band"), folder)


async def forms_for(session, policy: Policy, kpi: KpiService, annual: AnnualService,
                    agency_id: int, period: Period, today: date,
                    folder: Path | None = None) -> list[FormFile]:
    if period.kind == PeriodType.YEAR.value:
        return await annual_forms(session, policy, annual, agency_id, period.year, today, folder)
    return await period_forms(session, policy, kpi, annual, agency_id, period, today, folder)
