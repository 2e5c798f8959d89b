"""Excel exports for the board (Vietnamese headers): evaluations of a period with the
audit trail of its decisions. Bulk queries: a handful per export, not one per cadre."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, _
from bot.policy import Policy
from bot.services.numbers import shown_score
from bot.services.scoring import ProductFigures, score_task
from models import (
    AuditLog,
    Cadre,
    Entry,
    Evaluation,
    JobPosition,
    OrgUnit,
    Period,
    ProductType,
    Target,
)
from models.enums import Band, ProductKind

BAND_TEXT = {
    Band.EXCELLENT.value: N_("Excellently completed duties"),
    Band.GOOD.value: N_("Well completed duties"),
    Band.DONE.value: N_("Completed duties"),
    Band.FAILED.value: N_("Did not complete duties"),
}
EVALUATION_HEADERS = [
    N_("Cadre code"), N_("Full name"), N_("Unit"), N_("Job position"), N_("Title"),
    N_("a (quantity) %"), N_("b (quality) %"), N_("c (timeliness) %"), N_("Task score"),
    N_("General criteria"), N_("Total"), N_("Band by score"), N_("Band"),
    N_("Reason for another band"), N_("Evaluator"), N_("Rated by"), N_("On behalf of"),
    N_("Rated at"), N_("Products approved"), N_("Sent late"), N_("Flags"),
]
AUDIT_HEADERS = [N_("Time"), N_("Who"), N_("Action"), N_("Object"), N_("Before"), N_("After"),
                 N_("Note")]
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_CHUNK = 10_000


def band_text(value: str | None) -> str:
    return _(BAND_TEXT[value]) if value in BAND_TEXT else ""


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_append(ws, values: list) -> None:
    """Append a row of stored values. Text stays text, never a formula: a cell whose text
    starts like one (=, +, -, @, tab, CR) gets Excel's quote prefix, so editing it later does
    not run it either (OWASP CSV/formula injection); characters a worksheet cannot hold
    (control characters) are dropped, so no stored text can make an export fail."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


def _sheet(wb: Workbook, title: str, headers: list[str], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    safe_append(ws, [_(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    return ws


def _widths(ws, widths: dict[int, int]) -> None:
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width


YEAR_HEADERS = [
    N_("Cadre code"), N_("Full name"), N_("Unit"), N_("Agency"), N_("Group with similar duties"),
    N_("Months worked"), N_("Months evaluated"), N_("Score (average weighted by months)"),
    N_("Level by the points"), N_("Proposed band"), N_("Annual quality rating"), N_("Reason"),
    N_("State"), N_("Planning proposals"),
]
YEAR_STATE = {"proposed": N_("proposed, list not closed"), "rated": N_("closed")}


def _only(query, cadre_ids: Collection[int] | None):
    """An export of some cadres only (an evaluator's own team), or of all when None."""
    return query if cadre_ids is None else query.where(Cadre.id.in_(list(cadre_ids)))


async def export_year(session: AsyncSession, period: Period, policy: Policy, path: Path,
                      cadre_ids: Collection[int] | None = None) -> int:
    """The annual quality rating, one row per active cadre (of `cadre_ids` only, when
    given): what the agency lists hold. The final band is filled only once the agency's list
    is closed; the planning proposals follow from it (a second sheet lists them)."""
    from bot.services.annual import (
        CLOSING_REASON,
        annual_drafts,
        flag_text,
        flagged,
        group_text,
    )

    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    cadres = list(await session.scalars(_only(select(Cadre).where(Cadre.active.is_(True)),
                                              cadre_ids).order_by(Cadre.unit_id, Cadre.code)))
    wb = Workbook()
    ws = _sheet(wb, _("Annual rating"), YEAR_HEADERS, first=True)
    for start in range(0, len(cadres), 2000):
        for d in await annual_drafts(session, policy, cadres[start:start + 2000], period.year):
            ev = d.evaluation if d.proposed else None
            reason = ev.band_reason if ev else None
            safe_append(ws, [
                d.cadre.code, d.cadre.full_name, units.get(d.cadre.unit_id, ""),
                units.get(d.agency_id, ""), group_text(d.duty_group),
                int(d.months_worked * 10 + 1e-6) / 10, d.score.months_rated,
                shown_score(d.total) if d.total is not None else None,
                band_text(d.computed_band.value) if d.computed_band else _("not rated"),
                band_text(ev.proposed_band) if ev else "",
                band_text(ev.band) if d.final else "",
                _("within the cap at closing") if reason == CLOSING_REASON else (reason or ""),
                _(YEAR_STATE[ev.status]) if ev else "",
                "; ".join(flag_text(f) for f in (ev.flags or [])) if d.final else "",
            ])
    _widths(ws, {1: 12, 2: 26, 3: 28, 4: 28, 5: 22, 9: 28, 10: 28, 11: 28, 12: 30, 13: 22,
                 14: 50})
    flags_ws = _sheet(wb, _("Planning proposals"), [N_("Cadre code"), N_("Full name"),
                                                     N_("Unit"), N_("Annual quality rating"),
                                                     N_("Planning proposals")])
    for cadre, flags, band in await flagged(session, period.year):
        if cadre_ids is not None and cadre.id not in cadre_ids:
            continue
        safe_append(flags_ws, [cadre.code, cadre.full_name, units.get(cadre.unit_id, ""),
                               band_text(band), "; ".join(flag_text(f) for f in flags)])
    _widths(flags_ws, {1: 12, 2: 26, 3: 28, 4: 28, 5: 60})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(cadres)


async def export_evaluations(session: AsyncSession, period: Period, policy: Policy,
                             path: Path, tz: ZoneInfo,
                             cadre_ids: Collection[int] | None = None) -> int:
    """One row per active cadre (of `cadre_ids` only, when given: an evaluator's team, with
    the audit trail of their entries and evaluations only); returns the number of rows. A
    year is the annual quality rating (export_year)."""
    if period.kind == "year":
        return await export_year(session, period, policy, path, cadre_ids)
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.name))).all())
    names = dict((await session.execute(select(Cadre.id, Cadre.full_name))).all())
    products = {p.id: p for p in await session.scalars(select(ProductType))}
    targets = {(t.cadre_id, t.product_type_id): t.quantity for t in await session.scalars(
        select(Target).where(Target.period_id == period.id))}
    entries = defaultdict(list)
    for e in await session.scalars(select(Entry).where(Entry.period_id == period.id)):
        if cadre_ids is None or e.cadre_id in cadre_ids:
            entries[e.cadre_id].append(e)
    evaluations = {e.cadre_id: e for e in await session.scalars(
        select(Evaluation).where(Evaluation.period_id == period.id))
        if cadre_ids is None or e.cadre_id in cadre_ids}

    wb = Workbook()
    ws = _sheet(wb, _("Evaluations"), EVALUATION_HEADERS, first=True)
    count = 0
    for cadre in await session.scalars(_only(select(Cadre).where(Cadre.active.is_(True)),
                                             cadre_ids).order_by(Cadre.unit_id, Cadre.code)):
        figures = []
        for e in entries.get(cadre.id, []):
            p = products[e.product_type_id]
            adj = e.adjusted
            figures.append(ProductFigures(
                p.id, p.name, ProductKind(p.kind), p.coefficient,
                targets.get((cadre.id, p.id), p.default_target),
                (e.adj_quantity_done if adj else e.quantity_done) or 0,
                (e.adj_quantity_passed if adj else e.quantity_passed) or 0,
                (e.adj_quantity_on_time if adj else e.quantity_on_time) or 0,
                (e.adj_failed_reviews if adj else e.failed_reviews) or 0,
                (e.adj_delays if adj else e.delays) or 0, e.exemption_accepted))
        task = score_task(figures, policy.scoring) if figures else None
        ev = evaluations.get(cadre.id)
        own = entries.get(cadre.id, [])
        safe_append(ws, [
            cadre.code, cadre.full_name, units.get(cadre.unit_id, ""),
            positions.get(cadre.position_id, ""), cadre.title or "",
            round(task.a * 100, 1) if task else None, round(task.b * 100, 1) if task else None,
            round(task.c * 100, 1) if task else None,
            shown_score(ev.task_score) if ev and ev.task_score is not None else None,
            shown_score(ev.general_score) if ev and ev.general_score is not None else None,
            shown_score(ev.total_score) if ev and ev.total_score is not None else None,
            band_text(ev.computed_band) if ev else "", band_text(ev.band) if ev else "",
            (ev.band_reason or "") if ev else "", names.get(cadre.evaluator_id, ""),
            names.get(ev.rated_by_id, "") if ev else "", names.get(ev.rated_for_id, "") if ev else "",
            ev.rated_at.astimezone(tz).replace(tzinfo=None) if ev and ev.rated_at else None,
            f"{sum(e.status == 'approved' for e in own)}/{len(own)}",
            _("yes") if any(e.is_late for e in own) else "",
            "",
        ])
        count += 1
    for row in ws.iter_rows(min_row=2, min_col=18, max_col=18):
        row[0].number_format = "DD/MM/YYYY HH:MM"
    _widths(ws, {1: 12, 2: 26, 3: 28, 4: 26, 5: 22, 12: 28, 13: 28, 14: 30, 15: 24, 16: 24,
                 17: 24, 18: 17})

    audit_ws = _sheet(wb, _("Audit log"), AUDIT_HEADERS)
    entry_ids = [e.id for rows in entries.values() for e in rows]
    eval_ids = [e.id for e in evaluations.values()]
    logs = [] if cadre_ids is not None else list(await session.scalars(select(AuditLog).where(
        AuditLog.object_type == "period", AuditLog.object_id == period.id)))
    for kind, ids in (("entry", entry_ids), ("evaluation", eval_ids)):
        for start in range(0, len(ids), ID_CHUNK):  # PostgreSQL: ≤ 32,767 parameters
            logs += await session.scalars(select(AuditLog).where(
                AuditLog.object_type == kind, AuditLog.object_id.in_(ids[start:start + ID_CHUNK])))
    logs.sort(key=lambda log: (log.at, log.id))
    for log in logs:
        safe_append(audit_ws, [log.at.astimezone(tz).replace(tzinfo=None),
                         names.get(log.actor_id, log.actor_label or ""), log.action,
                         f"{log.object_type} #{log.object_id}", _compact(log.before),
                         _compact(log.after), log.note or ""])
    for row in audit_ws.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "DD/MM/YYYY HH:MM"
    _widths(audit_ws, {1: 17, 2: 24, 3: 18, 4: 16, 5: 40, 6: 50, 7: 30})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return count


def _compact(value: dict | None) -> str:
    if not value:
        return ""
    return "; ".join(f"{k}={v}" for k, v in value.items())



NOTICE_HEADERS = [N_("Notice"), N_("Created"), N_("Text"), N_("Recipients"), N_("Sent"),
                  N_("Failed"), N_("Blocked the bot"), N_("Acknowledged")]
DELIVERY_HEADERS = [N_("Notice"), N_("Cadre code"), N_("Full name"), N_("Unit"), N_("Status"),
                    N_("Sent at"), N_("Acknowledged at"), N_("Error")]
DELIVERY_STATUS = {"queued": N_("waiting"), "sending": N_("sending"), "sent": N_("sent"),
                   "failed": N_("failed"), "blocked": N_("blocked the bot")}
# Telegram's error texts (stored as it gave them) in words the Board reads; matched lowercased
TELEGRAM_ERRORS = [
    ("chat not found", N_("Telegram does not know this chat (the person has not opened the "
                          "bot, or the account was linked wrongly)")),
    ("blocked by the user", N_("the person has blocked the bot")),
    ("user is deactivated", N_("the person's Telegram account was deleted")),
    ("429", N_("Telegram asked to slow down; it will be sent again")),
    ("timed out", N_("Telegram did not answer in time")),
]


def delivery_error(error: str | None) -> str:
    """What went wrong with a delivery, in Vietnamese; Telegram's own text is kept after it
    for the IT office when it is not one of the known ones."""
    if not error:
        return ""
    lowered = error.lower()
    for needle, text in TELEGRAM_ERRORS:
        if needle in lowered:
            return _(text)
    return _("Telegram error: {error}").format(error=error)


async def export_notices(session: AsyncSession, path: Path, tz: ZoneInfo) -> int:
    """Every notice with its statistics, and one row per recipient (who got it, who confirmed)."""
    from models import Notice, NoticeDelivery

    def local(value):
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    cadres = {c.id: c for c in await session.scalars(select(Cadre))}
    wb = Workbook()
    ws = _sheet(wb, _("Notices"), NOTICE_HEADERS, first=True)
    per_notice: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deliveries = list(await session.scalars(select(NoticeDelivery).order_by(
        NoticeDelivery.notice_id, NoticeDelivery.id)))
    for d in deliveries:
        per_notice[d.notice_id][d.status] += 1
        per_notice[d.notice_id]["ack"] += d.acknowledged_at is not None
    notices = list(await session.scalars(select(Notice).order_by(Notice.id)))
    for n in notices:
        counts = per_notice[n.id]
        safe_append(ws, [n.id, local(n.created_at), n.text, n.recipient_count, counts["sent"],
                   counts["failed"], counts["blocked"], counts["ack"]])
    _widths(ws, {2: 17, 3: 60})
    rows = _sheet(wb, _("Recipients"), DELIVERY_HEADERS)
    for d in deliveries:
        cadre = cadres.get(d.cadre_id)
        safe_append(rows, [d.notice_id, cadre.code if cadre else "", cadre.full_name if cadre else "",
                     units.get(cadre.unit_id, "") if cadre else "", _(DELIVERY_STATUS[d.status]),
                     local(d.sent_at), local(d.acknowledged_at), delivery_error(d.error)])
    _widths(rows, {2: 12, 3: 26, 4: 30, 5: 16, 6: 17, 7: 17, 8: 40})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(notices)


def digest_workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """An .xlsx of titled tables (headers already in Vietnamese), as bytes to send."""
    import io

    wb = Workbook()
    for index, (title, headers, rows) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title[:31]
        safe_append(ws, headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for row in rows:
            safe_append(ws, row)
        ws.freeze_panes = "A2"
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 50)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
