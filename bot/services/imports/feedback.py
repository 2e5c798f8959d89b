"""The people's voice on service (issue #24 part 5; Bắc Ninh's resolution: "cơ chế tiếp
nhận, xử lý thông tin phản ánh"; Tuyên Quang, Hưng Yên: the people's satisfaction counts):

- `cadrebot import satisfaction FILE`: satisfaction rates (the provincial public-service
  portal's, usually) per unit or cadre × period × `rate` product of the catalogue. A unit's
  row goes to every active cadre of that unit (the unit itself, not its sub-units) whose
  position has that product; a cadre's own row wins over their unit's. The rate becomes the
  entry's achieved percentage, so it counts in the score; the entry is marked imported and
  approved at once: the figure is the source's, not the cadre's (the cadre cannot change it,
  bot.services.kpi), and not reviewed. A locked period is refused.
- `cadrebot import feedback FILE`: feedback records about a cadre or a unit (code, date,
  source, content, outcome), matched by their code: re-importing the file with the outcome
  filled in updates the records.

Both follow the importers' rules (bot.services.imports.apply): every row checked, every
problem listed at once, --dry-run, --skip-invalid, idempotent, changes audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, field_validator, model_validator
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.services import audit, periods
from bot.services.imports import cells, schemas
from bot.services.imports.apply import (
    Problem,
    Progress,
    Report,
    _audit_rows,
    _duplicates,
    _finish,
    _validated,
    _write_rows,
)
from bot.services.imports.reading import Column
from bot.services.kpi import period_type_of_unit
from models import AuditLog, Cadre, Entry, Feedback, OrgUnit, Period, ProductType
from models.enums import EntryStatus, PeriodStatus, PeriodType, ProductKind

QUARTER_WORDS = ("quy ", "q")


def _period(value) -> tuple[str, int, int]:
    """A month or a quarter as offices write it: 2026-11, 11/2026, 2026-Q4, Q4/2026,
    Quý 4/2026 — or a date cell (Excel turns "2026-11" into 01/11/2026): its month."""
    if isinstance(value, datetime | date):
        return PeriodType.MONTH.value, value.year, value.month
    raw = cells.fold(value)
    if not raw:
        raise cells.CellError(_("must not be empty"))
    for word in QUARTER_WORDS:  # "quy 4/2026", "q4/2026"
        if raw.startswith(word) and "/" in raw:
            number, _sep, year = raw[len(word):].partition("/")
            raw = f"{year.strip()}-q{number.strip()}"
            break
    if "/" in raw:  # "11/2026"
        month, _sep, year = raw.partition("/")
        raw = f"{year.strip()}-{month.strip()}"
    try:
        kind, year, number = periods.parse_period_code(raw)
    except periods.BadPeriodCode:
        kind = None
    if kind is None or kind == PeriodType.YEAR or not 2000 <= year <= 2100:
        raise cells.CellError(_("“{value}” is not a month or a quarter (write 2026-11, 11/2026 "
                                "or 2026-Q4)").format(value=cells.shown(value)))
    return kind.value, year, number


def _rate(value) -> float:
    number = cells.parse_decimal(value)
    if number is None:
        raise cells.CellError(_("must not be empty"))
    if not 0 <= number <= 100:
        raise cells.CellError(_("a percentage is between 0 and 100"))
    return number


def _one_subject(row):
    if bool(row.unit) == bool(row.cadre):
        raise cells.CellError(_("give either “Mã đơn vị” or “Mã cán bộ” (one of them)"))
    return row


class SatisfactionRow(BaseModel):
    unit: str | None = None
    cadre: str | None = None
    period: tuple[str, int, int]
    product: str
    rate: float
    source: str | None = None

    _unit = field_validator("unit", "cadre", mode="before")(
        lambda v: schemas._optional_code(v))
    _period = field_validator("period", mode="before")(lambda v: _period(v))
    _product = field_validator("product", mode="before")(lambda v: schemas._code(v))
    _rate = field_validator("rate", mode="before")(lambda v: _rate(v))
    _source = field_validator("source", mode="before")(lambda v: schemas._optional_text(v, 120))
    _subject = model_validator(mode="after")(_one_subject)


SATISFACTION_COLUMNS = [
    Column("unit", "Mã đơn vị", required=False), Column("cadre", "Mã cán bộ", required=False),
    Column("period", "Kỳ"), Column("product", "Mã sản phẩm"),
    Column("rate", "Tỷ lệ (%)", aliases=("Tỷ lệ", "Tỷ lệ hài lòng (%)", "Tỷ lệ hài lòng",
                                         "Mức độ hài lòng (%)")),
    Column("source", "Nguồn", required=False),
]


class FeedbackRow(BaseModel):
    code: str
    unit: str | None = None
    cadre: str | None = None
    received_on: date
    source: str
    content: str
    outcome: str | None = None

    _code = field_validator("code", mode="before")(lambda v: schemas._code(v))
    _unit = field_validator("unit", "cadre", mode="before")(
        lambda v: schemas._optional_code(v))
    _day = field_validator("received_on", mode="before")(lambda v: _required_date(v))
    _source = field_validator("source", mode="before")(lambda v: schemas._required_text(v, 120))
    _content = field_validator("content", mode="before")(
        lambda v: schemas._required_text(v, 4000))
    _outcome = field_validator("outcome", mode="before")(
        lambda v: schemas._optional_text(v, 4000))
    _subject = model_validator(mode="after")(_one_subject)


def _required_date(value) -> date:
    day = cells.parse_date(value)
    if day is None:
        raise cells.CellError(_("must not be empty"))
    return day


FEEDBACK_COLUMNS = [
    Column("code", "Mã phản ánh", aliases=("Số phản ánh",)),
    Column("unit", "Mã đơn vị", required=False), Column("cadre", "Mã cán bộ", required=False),
    Column("received_on", "Ngày tiếp nhận", aliases=("Ngày",)), Column("source", "Nguồn"),
    Column("content", "Nội dung"), Column("outcome", "Kết quả xử lý", required=False),
]


def _period_text(kind: str, year: int, number: int) -> str:
    return f"{year}-Q{number}" if kind == PeriodType.QUARTER.value else f"{year}-{number:02d}"


@dataclass(frozen=True)
class _Figure:
    cadre: Cadre
    product: ProductType
    period: tuple[str, int, int]
    rate: float
    source: str | None
    own_row: bool  # the cadre's own row (wins over the unit's)


# ---------------------------------------------------------------- satisfaction

async def import_satisfaction(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                              dry_run=False, skip_invalid=False,
                              progress: Progress | None = None) -> Report:
    report = Report("satisfaction")
    table, rows = _validated(path, sheet, SATISFACTION_COLUMNS, SatisfactionRow, report,
                             progress)
    h = table.headers
    _duplicates(rows, lambda r: (r.unit or "", r.cadre or "", _period_text(*r.period),
                                 r.product), h["product"], report)
    units = {u.code: u for u in await session.scalars(select(OrgUnit))}
    cadres = {c.code: c for c in await session.scalars(select(Cadre))}
    products = {}  # (position, code) → the product
    rate_codes = set()
    for p in await session.scalars(select(ProductType).where(ProductType.active.is_(True))):
        products[(p.position_id, p.code)] = p
        if p.kind == ProductKind.RATE.value:
            rate_codes.add(p.code)
    kinds: dict[int | None, str] = {}

    async def kind_of(unit_id):
        if unit_id not in kinds:
            kinds[unit_id] = (await period_type_of_unit(session, unit_id)).value
        return kinds[unit_id]

    for number, row in rows:
        if row is None:
            continue
        if row.cadre:
            cadre = cadres.get(row.cadre)
            if cadre is None or not cadre.active:
                report.problems.append(Problem(number, h.get("cadre"), _(
                    "no active cadre with code {code}").format(code=row.cadre)))
                continue
            product = products.get((cadre.position_id, row.product))
            if product is None or product.kind != ProductKind.RATE.value:
                report.problems.append(Problem(number, h["product"], _(
                    "the job position of {cadre} has no rate product {code} in the "
                    "catalogue").format(cadre=row.cadre, code=row.product)))
            unit_id = cadre.unit_id
        else:
            unit = units.get(row.unit)
            if unit is None:
                report.problems.append(Problem(number, h.get("unit"), _(
                    "the unit {code} does not exist (import the units first)").format(
                    code=row.unit)))
                continue
            if row.product not in rate_codes:
                report.problems.append(Problem(number, h["product"], _(
                    "the catalogue has no rate product {code}").format(code=row.product)))
            unit_id = unit.id
        if await kind_of(unit_id) != row.period[0]:
            report.problems.append(Problem(number, h["period"], _(
                "{code} is evaluated by the {kind}, not by the {given}").format(
                code=row.cadre or row.unit,
                kind=_("quarter") if await kind_of(unit_id) == PeriodType.QUARTER.value
                else _("month"),
                given=_("quarter") if row.period[0] == PeriodType.QUARTER.value
                else _("month"))))
    existing_periods = {(p.kind, p.year, p.number): p for p in await session.scalars(
        select(Period).where(Period.kind != PeriodType.YEAR.value))}
    for number, row in rows:
        if row is None:
            continue
        period = existing_periods.get(row.period)
        if period is None:  # a period starts in the bot on its first day (reminders, reports)
            report.problems.append(Problem(number, h["period"], _(
                "the period {period} has not started in the bot yet").format(
                period=_period_text(*row.period))))
        elif period.status == PeriodStatus.LOCKED.value:
            report.problems.append(Problem(number, h["period"], _(
                "the period {period} is locked: nothing can be changed any more").format(
                period=_period_text(*row.period))))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    figures: dict[tuple, _Figure] = {}
    members: dict[int, list[Cadre]] = {}
    for cadre in cadres.values():
        if cadre.active:
            members.setdefault(cadre.unit_id, []).append(cadre)
    for _number, row in good:
        if row.cadre:
            cadre = cadres[row.cadre]
            found = [(cadre, products[(cadre.position_id, row.product)])]
        else:
            found = [(c, products[(c.position_id, row.product)])
                     for c in members.get(units[row.unit].id, [])
                     if (c.position_id, row.product) in products
                     and products[(c.position_id, row.product)].kind == ProductKind.RATE.value]
            if not found:
                report.warnings.append(_("Nobody in unit {unit} has the product {code}: the row "
                                         "of {period} changes nothing.").format(
                    unit=row.unit, code=row.product, period=_period_text(*row.period)))
        for cadre, product in found:
            key = (cadre.id, row.period, product.id)
            if key in figures and figures[key].own_row and not row.cadre:
                continue  # the cadre's own row wins over the unit's
            figures[key] = _Figure(cadre, product, row.period, row.rate, row.source,
                                   bool(row.cadre))
    entries = {}
    period_ids = {key: p.id for key, p in existing_periods.items()}
    if figures:
        for entry in await session.scalars(select(Entry).where(
                Entry.period_id.in_({period_ids[f.period] for f in figures.values()}),
                Entry.cadre_id.in_({f.cadre.id for f in figures.values()}))):
            entries[(entry.cadre_id, entry.period_id, entry.product_type_id)] = entry
    creates, updates, audits = [], [], []
    for f in sorted(figures.values(), key=lambda f: (f.cadre.code, f.period, f.product.code)):
        label = _("{rate}% of {product} for {code} in {period}").format(
            rate=cells.shown(f.rate), product=f.product.code, code=f.cadre.code,
            period=_period_text(*f.period))
        period_id = period_ids[f.period]
        entry = entries.get((f.cadre.id, period_id, f.product.id))
        source = f.source or path.name[:120]
        if entry is not None and entry.imported_at is not None \
                and entry.quantity_done == f.rate and entry.imported_source == source:
            report.unchanged += 1
            continue
        report.changes.append(label)
        if dry_run:
            if entry is None:
                report.created += 1
            else:
                report.updated += 1
            continue
        values = {"quantity_done": f.rate, "quantity_passed": f.rate, "quantity_on_time": f.rate,
                  "status": EntryStatus.APPROVED.value, "imported_at": now,
                  "imported_source": source, "decided_at": now, "decided_by_id": None,
                  "adjusted": False, "updated_at": now}
        if entry is None:
            creates.append({"cadre_id": f.cadre.id, "period_id": period_id,
                            "product_type_id": f.product.id, "version": 1,
                            "decided_version": 1, "created_at": now, **values})
        else:
            updates.append((entry.id, values | {"decided_version": entry.version}))
            audits.append((entry.id, {"quantity_done": entry.quantity_done,
                                      "status": entry.status,
                                      "imported_source": entry.imported_source},
                           {"quantity_done": f.rate, "status": EntryStatus.APPROVED.value,
                            "imported_source": source}))
    if dry_run:
        return report
    report.created, report.updated = len(creates), len(updates)
    await _write_rows(session, Entry, creates, updates)
    if audits:
        await session.execute(insert(AuditLog), _audit_rows("entry", audits, now))
    if creates or updates:
        audit.record(session, at=now, action="import_satisfaction", object_type="file",
                     actor_label="import",
                     after={"file": path.name, "created": len(creates),
                            "updated": len(updates)})
    report.written = True
    return report


# ---------------------------------------------------------------- feedback records

FEEDBACK_FIELDS = ("cadre_id", "unit_id", "received_on", "source", "content", "outcome")


async def import_feedback(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                          dry_run=False, skip_invalid=False,
                          progress: Progress | None = None) -> Report:
    report = Report("feedback")
    table, rows = _validated(path, sheet, FEEDBACK_COLUMNS, FeedbackRow, report, progress)
    h = table.headers
    _duplicates(rows, lambda r: r.code, h["code"], report)
    units = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all())
    cadres = dict((await session.execute(select(Cadre.code, Cadre.id))).all())
    for number, row in rows:
        if row is None:
            continue
        if row.cadre and row.cadre not in cadres:
            report.problems.append(Problem(number, h.get("cadre"), _(
                "no cadre with code {code} (import the roster first)").format(code=row.cadre)))
        if row.unit and row.unit not in units:
            report.problems.append(Problem(number, h.get("unit"), _(
                "the unit {code} does not exist (import the units first)").format(
                code=row.unit)))
        if row.received_on > now.date():
            report.problems.append(Problem(number, h["received_on"],
                                           _("the date is in the future")))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    existing = {f.code: f for f in await session.scalars(select(Feedback))}
    creates, updates, audits = [], [], []
    for _number, row in good:
        values = {"cadre_id": cadres.get(row.cadre) if row.cadre else None,
                  "unit_id": units.get(row.unit) if row.unit else None,
                  "received_on": row.received_on, "source": row.source,
                  "content": row.content, "outcome": row.outcome}
        current = existing.get(row.code)
        if current is None:
            creates.append({"code": row.code, **values, "created_at": now, "updated_at": now})
            report.changes.append(_("feedback {code} about {subject}").format(
                code=row.code, subject=row.cadre or row.unit))
            continue
        before = {k: getattr(current, k) for k in FEEDBACK_FIELDS}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if changed:
            updates.append((current.id, changed | {"updated_at": now}))
            audits.append((current.id, {k: before[k] for k in changed}, changed))
            report.changes.append(_("update feedback {code}").format(code=row.code))
        else:
            report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if dry_run:
        return report
    await _write_rows(session, Feedback, creates, updates)
    if audits:
        await session.execute(insert(AuditLog), _audit_rows("feedback", audits, now))
    report.written = True
    return report


# `cadrebot import satisfaction|feedback` and the files the board sends in the chat
IMPORTERS = {"satisfaction": import_satisfaction, "feedback": import_feedback}
