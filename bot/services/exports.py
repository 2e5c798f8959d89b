"""Excel exports for the board (Vietnamese headers, SPEC §8–9). Each is a service function
that returns an `Export` (the .xlsx bytes to send, and its row count); `Export.write(path)`
writes it for the CLI:

    evaluations_workbook(session, period, policy, tz, evaluator_id=None)  a period (a year:
        the annual rating), with the audit sheet; evaluator_id: that evaluator's team only
    training_workbook(session, year, as_of, evaluator_id=None)  cadre × requirement status
    notices_workbook(session, tz)              notices and each recipient's delivery
    person_workbook(session, cadre, policy, tz)  everything stored about one person

Every sheet: the header frozen, filterable and printed on each page (landscape, fit to the
paper's width), numbers as numbers (scores with one decimal), stored codes as words, any
user text inert (never a formula). Bulk queries: a handful per export, not one per cadre."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
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
from bot.services import words
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
from models.enums import ProductKind

BAND_TEXT = words.BANDS
SCORE = "0.0"  # one decimal; Excel shows the decimal separator of its locale (89,9)
COUNT = "#,##0"  # a whole number (12.340 in a Vietnamese Excel)
DATE = "DD/MM/YYYY"
DATETIME = "DD/MM/YYYY HH:MM"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_CHUNK = 10_000


@dataclass(frozen=True)
class Col:
    """A column of an exported sheet: its header (an English msgid), width and the number
    format of its cells (None: text or General)."""

    header: str
    width: float = 14
    number_format: str | None = None


@dataclass(frozen=True)
class Export:
    """A finished workbook, ready to send (`content`) or to write (`write`), and how many
    rows its main sheet holds."""

    content: bytes
    rows: int

    def write(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.content)
        return self.rows


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


def header_row(ws, titles: list[str]) -> None:
    safe_append(ws, titles)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _sheet(wb: Workbook, title: str, columns: list[Col], first: bool = False):
    """A sheet with its header row (translated); `finish` formats it once it is filled."""
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    header_row(ws, [_(c.header) for c in columns])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    return ws


def finish(ws, columns: list[Col] | None = None) -> None:
    """What every exported sheet has: the header frozen and filterable, numbers formatted
    (scores with one decimal, counts as whole numbers, dates as dd/mm/yyyy) and a page set up
    to print: landscape, as wide as the paper, the header repeated on every page."""
    last = get_column_letter(max(ws.max_column, 1))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns or [], start=1):
        if column.number_format and ws.max_row > 1:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


CODE, NAME, UNIT = Col(N_("Cadre code"), 12), Col(N_("Full name"), 26), Col(N_("Unit"), 28)
YEAR_COLUMNS = [
    CODE, NAME, UNIT, Col(N_("Agency"), 28), Col(N_("Group with similar duties"), 22),
    Col(N_("Months worked"), 10, SCORE), Col(N_("Months evaluated"), 10, COUNT),
    Col(N_("Score (average weighted by months)"), 12, SCORE),
    Col(N_("Level by the points"), 28), Col(N_("Proposed band"), 28),
    Col(N_("Annual quality rating"), 28), Col(N_("Reason"), 30), Col(N_("State"), 22),
    Col(N_("Planning proposals"), 50),
]
FLAGGED_COLUMNS = [CODE, NAME, UNIT, Col(N_("Annual quality rating"), 28),
                   Col(N_("Planning proposals"), 60)]
YEAR_STATE = {"proposed": N_("proposed, list not closed"), "rated": N_("closed")}


async def year_workbook(session: AsyncSession, period: Period, policy: Policy) -> Export:
    """The annual quality rating, one row per active cadre: what the agency lists hold. The
    final band is filled only once the agency's list is closed; the planning proposals
    follow from it (a second sheet lists them)."""
    from bot.services.annual import (
        CLOSING_REASON,
        annual_drafts,
        flag_text,
        flagged,
        group_text,
    )

    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    cadres = list(await session.scalars(select(Cadre).where(Cadre.active.is_(True))
                                        .order_by(Cadre.unit_id, Cadre.code)))
    wb = Workbook()
    ws = _sheet(wb, _("Annual rating"), YEAR_COLUMNS, first=True)
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
    finish(ws, YEAR_COLUMNS)
    flags_ws = _sheet(wb, _("Planning proposals"), FLAGGED_COLUMNS)
    for cadre, flags, band in await flagged(session, period.year):
        safe_append(flags_ws, [cadre.code, cadre.full_name, units.get(cadre.unit_id, ""),
                               band_text(band), "; ".join(flag_text(f) for f in flags)])
    finish(flags_ws, FLAGGED_COLUMNS)
    return Export(workbook_bytes(wb), len(cadres))


EVALUATION_COLUMNS = [
    CODE, NAME, UNIT, Col(N_("Job position"), 26), Col(N_("Title"), 22),
    Col(N_("a (quantity) %"), 10, SCORE), Col(N_("b (quality) %"), 10, SCORE),
    Col(N_("c (timeliness) %"), 10, SCORE), Col(N_("Task score"), 10, SCORE),
    Col(N_("General criteria"), 10, SCORE), Col(N_("Total"), 10, SCORE),
    Col(N_("Band by score"), 28), Col(N_("Band"), 28), Col(N_("Reason for another band"), 30),
    Col(N_("Evaluator"), 24), Col(N_("Rated by"), 24), Col(N_("On behalf of"), 24),
    Col(N_("Rated at"), 17, DATETIME), Col(N_("Products approved"), 10, COUNT),
    Col(N_("Products reported"), 10, COUNT), Col(N_("Products sent late"), 10, COUNT),
    Col(N_("Flags"), 40),
]
AUDIT_COLUMNS = [Col(N_("Time"), 17, DATETIME), Col(N_("Who"), 24), Col(N_("Action"), 30),
                 Col(N_("Object"), 30), Col(N_("Before"), 40), Col(N_("After"), 50),
                 Col(N_("Note"), 30)]


def flags_text(flags: list | None) -> str:
    from bot.services.annual import flag_text

    return "; ".join(flag_text(f) for f in (flags or []))


async def evaluations_workbook(session: AsyncSession, period: Period, policy: Policy,
                               tz: ZoneInfo, evaluator_id: int | None = None) -> Export:
    """One row per active cadre (with `evaluator_id`: only the cadres that person evaluates,
    an evaluator's own team), and the audit log of the period's decisions about them. A year
    is the annual quality rating (year_workbook, the whole province)."""
    if period.kind == "year":
        return await year_workbook(session, period, policy)
    team = select(Cadre).where(Cadre.active.is_(True))
    if evaluator_id is not None:
        team = team.where(Cadre.evaluator_id == evaluator_id)
    cadres = list(await session.scalars(team.order_by(Cadre.unit_id, Cadre.code)))
    wanted = {c.id for c in cadres}
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.name))).all())
    names = dict((await session.execute(select(Cadre.id, Cadre.full_name))).all())
    codes = dict((await session.execute(select(Cadre.id, Cadre.code))).all())
    products = {p.id: p for p in await session.scalars(select(ProductType))}
    targets = {(t.cadre_id, t.product_type_id): t.quantity for t in await session.scalars(
        select(Target).where(Target.period_id == period.id))}
    entries = defaultdict(list)
    for e in await session.scalars(select(Entry).where(Entry.period_id == period.id)):
        if e.cadre_id in wanted:
            entries[e.cadre_id].append(e)
    evaluations = {e.cadre_id: e for e in await session.scalars(
        select(Evaluation).where(Evaluation.period_id == period.id)) if e.cadre_id in wanted}

    # a column per indicator group of the catalogue, after a, b and c (issue #24 part 2)
    groups = sorted({p.indicator_group or 1 for p in products.values()})
    columns = [*EVALUATION_COLUMNS[:8],
               *[Col(f"{words.indicator_group(g)} (%)", 12, SCORE) for g in groups],
               *EVALUATION_COLUMNS[8:]]
    wb = Workbook()
    ws = _sheet(wb, _("Evaluations"), columns, first=True)
    count = 0
    for cadre in cadres:
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
                (e.adj_delays if adj else e.delays) or 0, e.exemption_accepted,
                group=p.indicator_group or 1))
        task = score_task(figures, policy.scoring) if figures else None
        by_group = {g.group: g.percent for g in task.groups} if task else {}
        ev = evaluations.get(cadre.id)
        own = entries.get(cadre.id, [])
        safe_append(ws, [
            cadre.code, cadre.full_name, units.get(cadre.unit_id, ""),
            positions.get(cadre.position_id, ""), cadre.title or "",
            round(task.a * 100, 1) if task else None, round(task.b * 100, 1) if task else None,
            round(task.c * 100, 1) if task else None,
            *[round(by_group[g] * 100, 1) if g in by_group else None for g in groups],
            shown_score(ev.task_score) if ev and ev.task_score is not None else None,
            shown_score(ev.general_score) if ev and ev.general_score is not None else None,
            shown_score(ev.total_score) if ev and ev.total_score is not None else None,
            band_text(ev.computed_band) if ev else "", band_text(ev.band) if ev else "",
            (ev.band_reason or "") if ev else "", names.get(cadre.evaluator_id, ""),
            names.get(ev.rated_by_id, "") if ev else "", names.get(ev.rated_for_id, "") if ev else "",
            ev.rated_at.astimezone(tz).replace(tzinfo=None) if ev and ev.rated_at else None,
            sum(e.status == "approved" for e in own), len(own), sum(e.is_late for e in own),
            flags_text(ev.flags) if ev else "",
        ])
        count += 1
    finish(ws, columns)

    audit_ws = _sheet(wb, _("Audit log"), AUDIT_COLUMNS)
    entry_ids = [e.id for rows in entries.values() for e in rows]
    eval_ids = [e.id for e in evaluations.values()]
    logs = list(await session.scalars(select(AuditLog).where(
        AuditLog.object_type == "period", AuditLog.object_id == period.id)))
    if evaluator_id is not None:  # a team's sheet: only its own people's sendings
        logs = [log for log in logs if log.actor_id in wanted]
    for kind, ids in (("entry", entry_ids), ("evaluation", eval_ids)):
        for start in range(0, len(ids), ID_CHUNK):  # PostgreSQL: ≤ 32,767 parameters
            logs += await session.scalars(select(AuditLog).where(
                AuditLog.object_type == kind, AuditLog.object_id.in_(ids[start:start + ID_CHUNK])))
    logs.sort(key=lambda log: (log.at, log.id))
    about = {e.id: (e.cadre_id, products[e.product_type_id].name)
             for rows in entries.values() for e in rows}
    about_eval = {e.id: e.cadre_id for e in evaluations.values()}
    shown = words.period_name(period.kind, period.number, period.year)
    for log in logs:
        safe_append(audit_ws, [
            log.at.astimezone(tz).replace(tzinfo=None), _actor(log, names),
            words.action_text(log.action),
            _("period {name}").format(name=shown) if log.object_type == "period"
            else _object(log, about, about_eval, codes, names),
            words.details(log.before, log.object_type, names),
            words.details(log.after, log.object_type, names), log.note or ""])
    finish(audit_ws, AUDIT_COLUMNS)
    return Export(workbook_bytes(wb), count)


async def export_evaluations(session: AsyncSession, period: Period, policy: Policy,
                             path: Path, tz: ZoneInfo) -> int:
    """evaluations_workbook written to `path`; returns the number of rows."""
    return (await evaluations_workbook(session, period, policy, tz)).write(path)


ACTOR_LABELS = {"operator": N_("operator (command line)"), "import": N_("import from a file"),
                "phone": N_("the person (shared phone number)"),
                "invite": N_("the person (activation code)")}


def _actor(log: AuditLog, names: dict[int, str]) -> str:
    if log.actor_id is not None:
        return names.get(log.actor_id, f"#{log.actor_id}")
    return words.word(ACTOR_LABELS, log.actor_label)


def _object(log: AuditLog, entries: dict, evaluations: dict, codes: dict, names: dict) -> str:
    """"sản phẩm #12" with whose it is and which product, when the export knows it."""
    text = words.object_text(log.object_type, log.object_id)
    if log.object_type == "entry" and log.object_id in entries:
        cadre_id, product = entries[log.object_id]
        return f"{text}: {names.get(cadre_id, '')} ({codes.get(cadre_id, '')}) — {product}"
    if log.object_type == "evaluation" and log.object_id in evaluations:
        cadre_id = evaluations[log.object_id]
        return f"{text}: {names.get(cadre_id, '')} ({codes.get(cadre_id, '')})"
    return text


NOTICE_COLUMNS = [Col(N_("Notice"), 8, COUNT), Col(N_("Created"), 17, DATETIME),
                  Col(N_("Text"), 60), Col(N_("Recipients"), 11, COUNT), Col(N_("Sent"), 11, COUNT),
                  Col(N_("Failed"), 11, COUNT), Col(N_("Blocked the bot"), 11, COUNT),
                  Col(N_("Acknowledged"), 11, COUNT)]
DELIVERY_COLUMNS = [Col(N_("Notice"), 8, COUNT), CODE, NAME, Col(N_("Unit"), 30),
                    Col(N_("Status"), 16), Col(N_("Sent at"), 17, DATETIME),
                    Col(N_("Acknowledged at"), 17, DATETIME), Col(N_("Error"), 40)]
DELIVERY_STATUS = words.DELIVERY
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


async def notices_workbook(session: AsyncSession, tz: ZoneInfo) -> Export:
    """Every notice with its statistics, and one row per recipient (who got it, who confirmed)."""
    from models import Notice, NoticeDelivery

    def local(value):
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    cadres = {c.id: c for c in await session.scalars(select(Cadre))}
    wb = Workbook()
    ws = _sheet(wb, _("Notices"), NOTICE_COLUMNS, first=True)
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
    finish(ws, NOTICE_COLUMNS)
    rows = _sheet(wb, _("Recipients"), DELIVERY_COLUMNS)
    for d in deliveries:
        cadre = cadres.get(d.cadre_id)
        safe_append(rows, [d.notice_id, cadre.code if cadre else "",
                           cadre.full_name if cadre else "",
                           units.get(cadre.unit_id, "") if cadre else "",
                           words.word(DELIVERY_STATUS, d.status), local(d.sent_at),
                           local(d.acknowledged_at), delivery_error(d.error)])
    finish(rows, DELIVERY_COLUMNS)
    return Export(workbook_bytes(wb), len(notices))


async def export_notices(session: AsyncSession, path: Path, tz: ZoneInfo) -> int:
    return (await notices_workbook(session, tz)).write(path)


def _guessed_format(values: list) -> str | None:
    """A column of numbers: whole numbers as counts, others with one decimal; dates."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return COUNT
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return SCORE
    if all(isinstance(v, datetime) for v in present):
        return DATETIME
    if all(isinstance(v, date) for v in present):
        return DATE
    return None


def digest_workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """An .xlsx of titled tables (headers already in Vietnamese), as bytes to send; numbers,
    widths and the print setup follow from the values."""
    wb = Workbook()
    for index, (title, headers, rows) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title[:31]
        header_row(ws, headers)
        for row in rows:
            safe_append(ws, row)
        columns = []
        for position, header in enumerate(headers):
            values = [row[position] if position < len(row) else None for row in rows]
            longest = max([len(str(header)) // 2 + 2,
                           *(len(str(v)) for v in values[:500] if v is not None)], default=10)
            columns.append(Col(header, min(max(longest + 2, 10), 50), _guessed_format(values)))
            ws.column_dimensions[get_column_letter(position + 1)].width = columns[-1].width
        finish(ws, columns)
    return workbook_bytes(wb)


# ---------------------------------------------------------------- training (SPEC §8, §9)

TRAINING_STATUS = {"done": N_("✅ done"), "in_progress": N_("⏳ in progress"),
                   "due_soon": N_("⚠️ due soon"), "overdue": N_("❌ overdue")}
STATUS_ORDER = list(TRAINING_STATUS)
OBLIGATION_COLUMNS = [
    CODE, NAME, UNIT, Col(N_("Requirement code"), 12), Col(N_("Training group"), 30),
    Col(N_("Requirement"), 36), Col(N_("Due date"), 12, DATE), Col(N_("Status"), 18),
    Col(N_("Verified hours"), 10, SCORE), Col(N_("Hours waiting for verification"), 12, SCORE),
    Col(N_("Hours required"), 10, SCORE), Col(N_("Hours done %"), 10, SCORE),
    Col(N_("Level required"), 14), Col(N_("Level held"), 14),
]


def _summary_columns(first: str) -> list[Col]:
    return [Col(first, 34), Col(N_("Cadres"), 10, COUNT), Col(N_("Obligations"), 12, COUNT),
            *[Col(label, 12, COUNT) for label in TRAINING_STATUS.values()],
            Col(N_("Done %"), 10, SCORE)]


async def training_workbook(session: AsyncSession, year: int, as_of: date,
                            evaluator_id: int | None = None) -> Export:
    """Training status (SPEC §4.6, §9 `export training`): one row per active cadre × the
    requirement that applies to them, with the status the cadre sees in 📚 Bồi dưỡng as of
    `as_of` (bot/services/training.py decides it), and the counts per unit and per group.
    With `evaluator_id`, only the cadres that person evaluates. Returns the number of
    cadre × requirement rows."""
    from bot.services import training

    requirements = [r for r in await training.active_requirements(session)
                    if r.year in (None, year)]
    requirements.sort(key=lambda r: (r.due_date or date.max, r.code))
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    team = select(Cadre).where(Cadre.active.is_(True))
    if evaluator_id is not None:
        team = team.where(Cadre.evaluator_id == evaluator_id)
    cadres = list(await session.scalars(team.order_by(Cadre.unit_id, Cadre.code)))
    found = await training.obligations_of_many(session, cadres, as_of, requirements)
    wb = Workbook()
    ws = _sheet(wb, _("Training"), OBLIGATION_COLUMNS, first=True)
    by_unit: dict[int | None, dict] = defaultdict(lambda: {"cadres": set(),
                                                          **dict.fromkeys(STATUS_ORDER, 0)})
    by_category: dict[str, dict] = defaultdict(lambda: {"cadres": set(),
                                                       **dict.fromkeys(STATUS_ORDER, 0)})
    count = 0
    for cadre in cadres:
        for o in found.get(cadre.id, []):
            r = o.requirement
            required = r.hours_required
            safe_append(ws, [
                cadre.code, cadre.full_name, units.get(cadre.unit_id, ""), r.code,
                words.word(words.CATEGORIES, r.category), r.title, r.due_date,
                _(TRAINING_STATUS[o.status.value]), o.hours_done, o.hours_pending,
                required, min(100.0, round(o.hours_done / required * 100, 1)) if required else None,
                words.word(words.THEORY, r.level_required),
                words.word(words.THEORY, cadre.theory_level or "none") if r.level_required else "",
            ])
            for group in (by_unit[cadre.unit_id], by_category[r.category]):
                group["cadres"].add(cadre.id)
                group[o.status.value] += 1
            count += 1
    finish(ws, OBLIGATION_COLUMNS)

    def summary(title: str, first: str, groups: list[tuple[str, dict]]) -> None:
        columns = _summary_columns(first)
        sheet = _sheet(wb, title, columns)
        for name, g in groups:
            total = sum(g[s] for s in STATUS_ORDER)
            safe_append(sheet, [name, len(g["cadres"]), total, *[g[s] for s in STATUS_ORDER],
                                round(g["done"] / total * 100, 1) if total else None])
        finish(sheet, columns)

    summary(_("By unit"), N_("Unit"), sorted(
        ((units.get(uid, ""), g) for uid, g in by_unit.items()), key=lambda item: item[0]))
    summary(_("By group"), N_("Training group"), [
        (words.word(words.CATEGORIES, c), by_category[c]) for c in words.CATEGORIES
        if c in by_category])
    return Export(workbook_bytes(wb), count)


# ---------------------------------------------------------------- one person (Decree 13/2023)

def _local(tz: ZoneInfo):
    def convert(value):
        return value.astimezone(tz).replace(tzinfo=None) if value is not None else None
    return convert


def _person_sheets(tz: ZoneInfo, names: dict[int, str], units: dict[int, str],
                   positions: dict[int, str], products: dict[int, str],
                   periods: dict[int, str], entry_period: dict[int, int],
                   evaluation_period: dict[int, int] | None = None) -> dict:
    """Per table of privacy.everything_about: the sheet's title, and per stored column its
    header, how its value reads and its number format. Columns left out are the database's
    bookkeeping (row ids, versions, worker leases), listed in PERSON_INTERNAL."""
    local = _local(tz)
    name = names.get
    same = None  # the value as stored

    def of(vocabulary):
        return lambda v: words.word(vocabulary, v)

    return {
        "cadres": (N_("Profile"), [
            ("code", N_("Cadre code"), same, None), ("full_name", N_("Full name"), same, None),
            ("birth_date", N_("Birth date"), same, DATE),
            ("gender", N_("Gender"), of(words.GENDERS), None),
            ("phone", N_("Phone"), same, None),
            ("staff_type", N_("Staff type"), of(words.STAFF_TYPES), None),
            ("unit_id", N_("Unit"), units.get, None),
            ("position_id", N_("Job position"), positions.get, None),
            ("title", N_("Title"), same, None), ("is_leader", N_("Leader"), words.yes_no, None),
            ("evaluator_id", N_("Evaluator"), name, None),
            ("party_member", N_("Party member"), words.yes_no, None),
            ("theory_level", N_("Political theory"), of(words.THEORY), None),
            ("education", N_("Education"), of(words.EDUCATION), None),
            ("in_planning", N_("In planning"), words.yes_no, None),
            ("management_tier", N_("Management tier"), of(words.TIERS), None),
            ("start_date", N_("Start date"), same, DATE),
            ("active", N_("Active"), words.yes_no, None),
            ("telegram_user_id", N_("Telegram account"), same, None),
            ("telegram_chat_id", N_("Telegram chat"), same, None),
            ("linked_at", N_("Linked at"), local, DATETIME),
            ("reachable", N_("Reachable on Telegram"), words.yes_no, None),
            ("reminders_enabled", N_("Reminders on"), words.yes_no, None),
            ("snoozed_until", N_("Reminders snoozed until"), local, DATETIME),
            ("forgotten_at", N_("Contact data removed at"), local, DATETIME),
            ("created_at", N_("Created"), local, DATETIME),
            ("updated_at", N_("Updated"), local, DATETIME),
        ]),
        "entries": (N_("Products reported"), [
            ("period_id", N_("Period"), periods.get, None),
            ("product_type_id", N_("Product"), products.get, None),
            ("status", N_("Status"), of(words.ENTRY_STATUS), None),
            ("quantity_done", N_("Quantity done"), same, SCORE),
            ("quantity_passed", N_("Passed quality review"), same, SCORE),
            ("quantity_on_time", N_("On time"), same, SCORE),
            ("failed_reviews", N_("Failed reviews"), same, COUNT),
            ("delays", N_("Delays"), same, COUNT),
            ("exemption_note", N_("Objective cause"), same, None),
            ("exemption_status", N_("Exemption"), of(words.EXEMPTION), None),
            ("exemption_decided_by_id", N_("Exemption decided by"), name, None),
            ("note", N_("Note"), same, None),
            ("adjusted", N_("Figures adjusted"), words.yes_no, None),
            ("adj_quantity_done", N_("Adjusted: quantity done"), same, SCORE),
            ("adj_quantity_passed", N_("Adjusted: passed quality review"), same, SCORE),
            ("adj_quantity_on_time", N_("Adjusted: on time"), same, SCORE),
            ("adj_failed_reviews", N_("Adjusted: failed reviews"), same, COUNT),
            ("adj_delays", N_("Adjusted: delays"), same, COUNT),
            ("submitted_at", N_("Sent at"), local, DATETIME),
            ("is_late", N_("Sent late"), words.yes_no, None),
            ("decided_at", N_("Decided at"), local, DATETIME),
            ("decided_by_id", N_("Decided by"), name, None),
            ("decided_for_id", N_("On behalf of"), name, None),
            ("return_reason", N_("Reason for returning"), same, None),
            ("imported_at", N_("Imported at"), local, DATETIME),
            ("imported_source", N_("Imported from"), same, None),
            ("returned_figures", N_("Figures when returned"), _figures, None),
            ("created_at", N_("Created"), local, DATETIME),
            ("updated_at", N_("Updated"), local, DATETIME),
        ]),
        "evidence": (N_("Evidence"), [
            ("entry_id", N_("Period"), lambda v: periods.get(entry_period.get(v)), None),
            ("kind", N_("Kind"), of(words.EVIDENCE), None),
            ("file_name", N_("File name"), same, None), ("mime_type", N_("File type"), same, None),
            ("file_size", N_("Size (bytes)"), same, COUNT), ("url", N_("Link"), same, None),
            ("file_id", N_("Telegram file"), same, None),
            ("file_unique_id", N_("Telegram file (unique)"), same, None),
            ("created_at", N_("Created"), local, DATETIME),
        ]),
        "entry_adjustments": (N_("Adjustments by the evaluator"), [
            ("entry_id", N_("Period"), lambda v: periods.get(entry_period.get(v)), None),
            ("figure", N_("Figure"), of(words.ADJUSTED_FIGURES), None),
            ("old", N_("Before"), same, SCORE), ("new", N_("After"), same, SCORE),
            ("reason", N_("Reason"), same, None),
            ("by_id", N_("Adjusted by"), name, None),
            ("for_id", N_("On behalf of"), name, None),
            ("at", N_("Time"), local, DATETIME),
        ]),
        "leaves": (N_("Leave"), [
            ("kind", N_("Kind"), lambda v: words.word(words.LEAVES, v), None),
            ("starts_on", N_("From"), same, DATE), ("ends_on", N_("To"), same, DATE),
            ("note", N_("Note"), same, None),
            ("status", N_("Status"), of(words.LEAVE_STATUS), None),
            ("refusal_reason", N_("Reason for refusing"), same, None),
            ("created_by_id", N_("Recorded by"), name, None),
            ("created_by_label", N_("Recorded through"), same, None),
            ("created_at", N_("Recorded at"), local, DATETIME),
            ("decided_by_id", N_("Decided by"), name, None),
            ("decided_at", N_("Decided at"), local, DATETIME),
        ]),
        "evaluations": (N_("Evaluations"), [
            ("period_id", N_("Period"), periods.get, None),
            ("unit_id", N_("Unit"), units.get, None),
            ("status", N_("State"), of(words.EVALUATION_STATUS), None),
            ("task_score", N_("Task score"), _score, SCORE),
            ("general_score", N_("General criteria"), _score, SCORE),
            ("total_score", N_("Total"), _score, SCORE),
            ("unit_result", N_("d (results of the unit led) %"), _percent, SCORE),
            ("organising", N_("đ (organising) %"), _percent, SCORE),
            ("rallying", N_("e (rallying) %"), _percent, SCORE),
            ("computed_band", N_("Band by score"), of(words.BANDS), None),
            ("proposed_band", N_("Proposed band"), of(words.BANDS), None),
            ("band", N_("Band"), of(words.BANDS), None),
            ("band_reason", N_("Reason for another band"), same, None),
            ("flags", N_("Flags"), flags_text, None),
            ("months_worked", N_("Months worked"), same, SCORE),
            ("agency_id", N_("Agency"), units.get, None),
            ("duty_group", N_("Group with similar duties"), _group, None),
            ("proposed_by_id", N_("Proposed by"), name, None),
            ("proposed_at", N_("Proposed at"), local, DATETIME),
            ("rated_by_id", N_("Rated by"), name, None),
            ("rated_for_id", N_("On behalf of"), name, None),
            ("rated_at", N_("Rated at"), local, DATETIME),
        ]),
        "appeals": (N_("Kiến nghị"), [
            ("evaluation_id", N_("Period"),
             lambda v: periods.get((evaluation_period or {}).get(v), ""), None),
            ("reason", N_("Reason"), same, None),
            ("file_kind", N_("File"), of(words.EVIDENCE), None),
            ("file_id", N_("Telegram file"), same, None),
            ("sent_at", N_("Sent at"), local, DATETIME),
            ("handler_id", N_("Who answers"),
             lambda v: name(v) if v else _("Organization Board"), None),
            ("due_on", N_("Answer due"), same, DATE),
            ("status", N_("Status"), of(words.APPEAL_STATUS), None),
            ("outcome", N_("Answer"), of(words.APPEAL_OUTCOME), None),
            ("answer", N_("Reason of the answer"), same, None),
            ("answered_by_id", N_("Answered by"), name, None),
            ("answered_at", N_("Answered at"), local, DATETIME),
            ("band_before", N_("Band before"), of(words.BANDS), None),
            ("total_before", N_("Total before"), _score, SCORE),
            ("band_after", N_("Band after"), of(words.BANDS), None),
            ("total_after", N_("Total after"), _score, SCORE),
        ]),
        "training_records": (N_("Courses"), [
            ("title", N_("Course"), same, None),
            ("category", N_("Training group"), of(words.CATEGORIES), None),
            ("provider", N_("Provider"), same, None),
            ("start_date", N_("From"), same, DATE), ("end_date", N_("To"), same, DATE),
            ("hours", N_("Hours"), same, SCORE),
            ("certificate_no", N_("Certificate number"), same, None),
            ("certificate_kind", N_("Certificate file"), of(words.EVIDENCE), None),
            ("certificate_file_id", N_("Telegram file"), same, None),
            ("status", N_("Status"), of(words.TRAINING_RECORD), None),
            ("verifier_id", N_("Verified by"), name, None),
            ("verified_at", N_("Verified at"), local, DATETIME),
            ("reject_reason", N_("Reason for rejecting"), same, None),
            ("created_at", N_("Declared at"), local, DATETIME),
        ]),
        "notice_deliveries": (N_("Notices received"), [
            ("notice_id", N_("Notice"), same, COUNT),
            ("status", N_("Status"), of(words.DELIVERY), None),
            ("attempts", N_("Attempts"), same, COUNT),
            ("sent_at", N_("Sent at"), local, DATETIME),
            ("acknowledged_at", N_("Acknowledged at"), local, DATETIME),
            ("error", N_("Error"), delivery_error, None),
        ]),
        "feedback": (N_("Feedback from the people"), [
            ("code", N_("Number"), same, None),
            ("received_on", N_("Received on"), same, DATE),
            ("source", N_("Source"), same, None), ("content", N_("Content"), same, None),
            ("outcome", N_("Outcome"), same, None),
            ("created_at", N_("Recorded at"), local, DATETIME),
            ("updated_at", N_("Updated"), local, DATETIME),
        ]),
        "reminder_log": (N_("Reminders sent"), [
            ("subject", N_("Subject"), same, None), ("step", N_("Step"), same, None),
            ("sent_at", N_("Sent at"), local, DATETIME),
        ]),
        "audit_log": (N_("Audit log"), [
            ("at", N_("Time"), local, DATETIME),
            ("actor_id", N_("Who"), name, None),
            ("actor_label", N_("Recorded by"), lambda v: words.word(ACTOR_LABELS, v), None),
            ("action", N_("Action"), words.action_text, None),
            ("object_type", N_("Object"), lambda v: words.word(words.OBJECTS, v), None),
            ("object_id", N_("Number"), same, COUNT),
            ("before", N_("Before"), None, None), ("after", N_("After"), None, None),
            ("note", N_("Note"), same, None),
        ]),
    }


# the database's own bookkeeping, not facts about the person (tests/test_exports.py checks
# that every stored column is either shown or listed here)
PERSON_INTERNAL = {"id", "cadre_id", "version", "decided_version", "claimed_by", "claimed_at",
                   "next_attempt_at", "telegram_message_id", "requirement_id",
                   "self_criteria", "criteria"}


def _score(value):
    return shown_score(value) if value is not None else None


def _figures(value: dict | None) -> str:
    """The figures kept when an entry was returned, in words ("quantity done: 125; …")."""
    if not value:
        return ""
    return "; ".join(f"{words.word(words.ADJUSTED_FIGURES, key)}: {words.figure(figure)}"
                     for key, figure in value.items() if key in words.ADJUSTED_FIGURES)


def _percent(value):
    return round(value * 100, 1) if value is not None else None


def _group(value):
    from bot.services.annual import group_text

    return group_text(value) if value else ""


async def person_workbook(session: AsyncSession, cadre: Cadre, policy: Policy,
                          tz: ZoneInfo) -> Export:
    """Everything stored about one person (`cadrebot export person`), in words: a sheet per
    kind of record, Vietnamese headers, codes as words, dates local, scores with one decimal,
    the general criteria one row each. Returns the number of records."""
    from bot.services.criteria import criterion_title
    from bot.services.privacy import everything_about

    data = await everything_about(session, cadre)
    names = dict((await session.execute(select(Cadre.id, Cadre.full_name))).all())
    units = dict((await session.execute(select(OrgUnit.id, OrgUnit.name))).all())
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.name))).all())
    products = dict((await session.execute(select(ProductType.id, ProductType.name))).all())
    periods = {p.id: words.period_name(p.kind, p.number, p.year)
               for p in await session.scalars(select(Period))}
    entry_period = {row["id"]: row["period_id"] for row in data["entries"]}
    evaluation_period = {row["id"]: row["period_id"] for row in data["evaluations"]}
    layout = _person_sheets(tz, names, units, positions, products, periods, entry_period,
                            evaluation_period)
    wb = Workbook()
    first = True
    for table, rows in data.items():
        title, spec = layout[table]
        columns = [Col(header, 18, fmt) for _key, header, _read, fmt in spec]
        ws = _sheet(wb, _(title), columns, first=first)
        first = False
        for row in rows:
            values = []
            for key, _header, read, _fmt in spec:
                value = row.get(key)
                if key in ("before", "after"):
                    value = words.details(value, row.get("object_type", ""), names)
                elif read is not None:
                    value = read(value)
                values.append(value)
            safe_append(ws, values)
        finish(ws, columns)
    titles = {c.key: criterion_title(c) for c in policy.scoring.general_criteria}
    criteria_columns = [Col(N_("Period"), 16), Col(N_("Criterion"), 50),
                        Col(N_("Self-assessment"), 14, SCORE), Col(N_("Evaluator's score"), 14,
                                                                   SCORE)]
    ws = _sheet(wb, _("General criteria"), criteria_columns)
    for row in data["evaluations"]:
        own, given = row.get("self_criteria") or {}, row.get("criteria") or {}
        for key in dict.fromkeys([*own, *given]):
            safe_append(ws, [periods.get(row["period_id"], ""), titles.get(key, key),
                             own.get(key), given.get(key)])
    finish(ws, criteria_columns)
    return Export(workbook_bytes(wb), sum(len(rows) for rows in data.values()))
