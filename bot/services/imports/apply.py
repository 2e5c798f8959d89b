"""Check every row, then write all (or, with skip_invalid, the valid ones) in bulk:
create, update (audited old -> new), and for a full roster deactivate the missing.
Re-importing the same file changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.services.imports import schemas
from bot.services.imports.reading import Column, read_table
from models import (
    AgencyRating,
    AuditLog,
    Cadre,
    JobPosition,
    LeaderScope,
    OrgUnit,
    PastRating,
    ProductType,
    TrainingRequirement,
)

CHUNK = 1000
Progress = Callable[[int], None]


@dataclass
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row {row}, column “{column}”: {message}").format(
                row=self.row, column=self.column, message=self.message)
        return _("Row {row}: {message}").format(row=self.row, message=self.message)


@dataclass
class Report:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # for --dry-run, a line per change
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _validated(path: Path, sheet: str | None, columns: list[Column], model, report: Report,
               progress: Progress | None):
    table = read_table(path, columns, sheet)
    if table.unknown:
        report.warnings.append(_("Ignored unknown columns: {names}").format(
            names=", ".join(f"“{n}”" for n in table.unknown)))
    rows = []
    for number, values in table.rows:
        row, problems = schemas.validate(model, values)
        for key, message in problems:
            report.problems.append(Problem(number, table.headers.get(key, key), message))
        rows.append((number, row))
        if progress:
            progress(1)
    return table, rows


def _duplicates(rows, key: Callable, column: str, report: Report) -> set[int]:
    seen: dict = {}
    bad = set()
    for number, row in rows:
        if row is None:
            continue
        k = key(row)
        if k in seen:
            report.problems.append(Problem(number, column, _(
                "the code {code} already appears on row {first}").format(
                code=k if isinstance(k, str) else " / ".join(k), first=seen[k])))
            bad.add(number)
        else:
            seen[k] = number
    return bad


def _diff(current: dict, new: dict) -> dict:
    return {k: v for k, v in new.items() if current.get(k) != v}


def _columns(changed: dict, headers: dict[str, str]) -> str:
    """What changed, as the file's own column headers: "Chức vụ, Số điện thoại"."""
    names = []
    for key in changed:
        if key == "active":
            names.append(_("active again"))
        elif key != "updated_at":
            names.append(headers.get(key, headers.get(key.removesuffix("_id"), key)))
    return ", ".join(names)


def _describe(value) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _audit_rows(object_type: str, changes: list[tuple[int, dict, dict]], now: datetime) -> list[dict]:
    return [{"at": now, "actor_label": "import", "action": "import_update",
             "object_type": object_type, "object_id": object_id,
             "before": {k: _describe(v) for k, v in before.items()},
             "after": {k: _describe(v) for k, v in after.items()}}
            for object_id, before, after in changes]


async def _write_rows(session: AsyncSession, model, creates: list[dict],
                      updates: list[tuple[int, dict]]) -> None:
    for start in range(0, len(creates), CHUNK):
        await session.execute(insert(model), creates[start:start + CHUNK])
    rows = [{"id": object_id, **values} for object_id, values in updates]
    for start in range(0, len(rows), CHUNK):  # ORM bulk UPDATE by primary key
        await session.execute(update(model), rows[start:start + CHUNK])


def _finish(report: Report, rows) -> list:
    bad_rows = {p.row for p in report.problems if p.row is not None}
    report.rejected = len(bad_rows)
    return [(n, r) for n, r in rows if r is not None and n not in bad_rows]


# ---------------------------------------------------------------- units

async def import_units(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                       dry_run=False, skip_invalid=False, progress: Progress | None = None) -> Report:
    report = Report("units")
    table, rows = _validated(path, sheet, schemas.UNIT_COLUMNS, schemas.UnitRow, report, progress)
    _duplicates(rows, lambda r: r.code, table.headers["code"], report)
    existing = {u.code: u for u in await session.scalars(select(OrgUnit))}
    codes_in_file = {r.code for _n, r in rows if r is not None}
    for number, row in rows:
        if row is None or row.parent is None:
            continue
        if row.parent not in codes_in_file and row.parent not in existing:
            report.problems.append(Problem(number, table.headers["parent"], _(
                "the unit {code} exists neither in the file nor in the database").format(
                code=row.parent)))
        if row.parent == row.code:
            report.problems.append(Problem(number, table.headers["parent"],
                                           _("a unit cannot be its own parent")))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    fields = ("name", "level", "sector", "period_type", "is_agency")
    creates, updates, audits = [], [], []
    for _number, row in good:
        values = {f: getattr(row, f) for f in fields}
        current = existing.get(row.code)
        if current is None:
            creates.append({"code": row.code, **values, "active": True, "outstanding": False,
                            "created_at": now, "updated_at": now})
            report.changes.append(_("create unit {code}").format(code=row.code))
        else:
            changed = _diff({f: getattr(current, f) for f in fields} | {"active": current.active},
                            values | {"active": True})
            if changed:
                updates.append((current.id, changed | {"updated_at": now}))
                audits.append((current.id, {k: getattr(current, k) for k in changed}, changed))
                report.changes.append(_("update unit {code}: {fields}").format(
                    code=row.code, fields=_columns(changed, table.headers)))
            else:
                report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if dry_run:
        return report
    await _write_rows(session, OrgUnit, creates, updates)
    ids = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all())
    parents = {u.code: u.parent_id for u in existing.values()}
    for _number, row in good:
        wanted = ids.get(row.parent) if row.parent else None
        if parents.get(row.code, "new") != wanted:
            await session.execute(update(OrgUnit), [{"id": ids[row.code], "parent_id": wanted}])
            if row.code in parents:
                audits.append((ids[row.code], {"parent_id": parents[row.code]},
                               {"parent_id": wanted}))
                if not any(c == ids[row.code] for c, _v in updates):
                    report.updated += 1
                    report.unchanged -= 1
    if audits:
        await session.execute(insert(AuditLog), _audit_rows("org_unit", audits, now))
    report.written = True
    return report


# ---------------------------------------------------------------- catalogue

async def import_catalogue(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                           dry_run=False, skip_invalid=False,
                           progress: Progress | None = None) -> Report:
    report = Report("catalogue")
    table, rows = _validated(path, sheet, schemas.CATALOGUE_COLUMNS, schemas.CatalogueRow, report,
                             progress)
    _duplicates(rows, lambda r: (r.position_code, r.code), table.headers["code"], report)
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    positions = {p.code: p for p in await session.scalars(select(JobPosition))}
    position_creates, position_updates = {}, []
    for _number, row in good:
        current = positions.get(row.position_code)
        if current is None:
            position_creates.setdefault(row.position_code, {
                "code": row.position_code, "name": row.position_name,
                "group": row.position_group, "key_title": row.key_title, "active": True})
        elif current.name != row.position_name or (row.position_group and
                                                   current.group != row.position_group) \
                or current.key_title != row.key_title:
            position_updates.append((current.id, {"name": row.position_name,
                                                  "group": row.position_group or current.group,
                                                  "key_title": row.key_title}))
    products = {(p.position_id, p.code): p for p in await session.scalars(select(ProductType))}
    position_ids = {code: p.id for code, p in positions.items()}
    fields = ("name", "unit_of_measure", "kind", "coefficient", "indicator_group", "digital",
              "default_target")
    creates, updates, audits = [], [], []
    for _number, row in good:
        values = {f: getattr(row, f) for f in fields}
        pid = position_ids.get(row.position_code)
        current = products.get((pid, row.code)) if pid else None
        if current is None:
            creates.append((row.position_code, {"code": row.code, **values, "active": True}))
            report.changes.append(_("create product {code} for position {position}").format(
                code=row.code, position=row.position_code))
        else:
            changed = _diff({f: getattr(current, f) for f in fields} | {"active": current.active},
                            values | {"active": True})
            if changed:
                updates.append((current.id, changed))
                audits.append((current.id, {k: getattr(current, k) for k in changed}, changed))
                report.changes.append(_("update product {code}: {fields}").format(
                    code=row.code, fields=_columns(changed, table.headers)))
            else:
                report.unchanged += 1
    report.created, report.updated = len(creates), len(updates) + len(position_updates)
    if dry_run:
        return report
    await _write_rows(session, JobPosition, list(position_creates.values()), position_updates)
    position_ids = dict((await session.execute(select(JobPosition.code, JobPosition.id))).all())
    await _write_rows(session, ProductType,
                      [{"position_id": position_ids[code], **values} for code, values in creates],
                      updates)
    if audits:
        await session.execute(insert(AuditLog), _audit_rows("product_type", audits, now))
    report.written = True
    return report


# ---------------------------------------------------------------- roster

ROSTER_FIELDS = ("full_name", "birth_date", "gender", "phone", "title", "staff_type", "is_leader",
                 "education", "theory_level", "party_member", "in_planning", "start_date",
                 "management_tier")


def _cycles(edges: dict[str, str | None]) -> set[str]:
    """Codes on an evaluator cycle (A evaluates B evaluates A …)."""
    on_cycle: set[str] = set()
    state: dict[str, int] = {}
    for start in edges:
        path, node = [], start
        while node is not None and node in edges and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = edges[node]
        if node is not None and state.get(node) == 1 and node in path:
            on_cycle.update(path[path.index(node):])
        for visited in path:
            state[visited] = 2
    return on_cycle


async def import_roster(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                        dry_run=False, skip_invalid=False, partial=False,
                        progress: Progress | None = None) -> Report:
    report = Report("roster")
    table, rows = _validated(path, sheet, schemas.ROSTER_COLUMNS, schemas.RosterRow, report,
                             progress)
    h = table.headers
    _duplicates(rows, lambda r: r.code, h["code"], report)
    units = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all())
    positions = dict((await session.execute(select(JobPosition.code, JobPosition.id))).all())
    existing_rows = (await session.execute(select(
        Cadre.id, Cadre.code, Cadre.active, Cadre.evaluator_id, Cadre.unit_id, Cadre.position_id,
        *[getattr(Cadre, f) for f in ROSTER_FIELDS]))).all()
    existing = {r.code: r for r in existing_rows}
    code_by_id = {r.id: r.code for r in existing_rows}
    in_file = {r.code for _n, r in rows if r is not None}
    edges: dict[str, str | None] = {}
    for number, row in rows:
        if row is None:
            continue
        if row.unit not in units:
            report.problems.append(Problem(number, h["unit"], _(
                "the unit {code} does not exist (import the units first)").format(code=row.unit)))
        if row.position not in positions:
            report.problems.append(Problem(number, h["position"], _(
                "the job position {code} does not exist (import the catalogue first)").format(
                code=row.position)))
        for code in row.scope_units:
            if code not in units:
                report.problems.append(Problem(number, h.get("scope_units"), _(
                    "the unit {code} does not exist (import the units first)").format(code=code)))
        if row.scope_units and not row.is_leader:
            report.problems.append(Problem(number, h.get("scope_units"), _(
                "only a leader has units in charge (“Lãnh đạo” is not “Có”)")))
        if row.evaluator == row.code:
            report.problems.append(Problem(number, h["evaluator"],
                                           _("a cadre cannot evaluate themself")))
        elif row.evaluator and row.evaluator not in in_file and row.evaluator not in existing:
            report.problems.append(Problem(number, h["evaluator"], _(
                "the evaluator {code} exists neither in the file nor in the database").format(
                code=row.evaluator)))
        edges[row.code] = row.evaluator
    for code, record in existing.items():  # people not in the file keep their evaluator
        if code not in edges:
            edges[code] = code_by_id.get(record.evaluator_id)
    cyclic = _cycles(edges)
    for number, row in rows:
        if row is not None and row.code in cyclic and row.evaluator != row.code:
            report.problems.append(Problem(number, h["evaluator"], _(
                "evaluator cycle: {code} is, through others, evaluated by themself").format(
                code=row.code)))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    creates, updates, audits, seen = [], [], [], set()
    forgotten = set(await session.scalars(select(Cadre.code).where(
        Cadre.forgotten_at.is_not(None))))
    for _number, row in good:
        seen.add(row.code)
        values = {f: getattr(row, f) for f in ROSTER_FIELDS}
        values["unit_id"], values["position_id"] = units[row.unit], positions[row.position]
        if row.code in forgotten:  # `cadrebot forget`: the phone is not brought back
            values["phone"] = None
        current = existing.get(row.code)
        if current is None:
            creates.append({"code": row.code, **values, "active": True, "reachable": True,
                            "reminders_enabled": True, "created_at": now, "updated_at": now})
            report.changes.append(_("create {code} {name}").format(code=row.code,
                                                                    name=row.full_name))
            continue
        before = {f: getattr(current, f) for f in (*ROSTER_FIELDS, "unit_id", "position_id",
                                                   "active")}
        changed = _diff(before, values | {"active": True})
        if changed:
            updates.append((current.id, changed | {"updated_at": now}))
            audits.append((current.id, {k: before[k] for k in changed}, changed))
            report.changes.append(_("update {code}: {fields}").format(
                code=row.code, fields=_columns(changed, h)))
        else:
            report.unchanged += 1
    deactivate = []
    if not partial:
        deactivate = [r for code, r in existing.items() if r.active and code not in in_file]
        for r in deactivate:
            report.changes.append(_("deactivate {code} {name}").format(code=r.code,
                                                                        name=r.full_name))
    report.created, report.deactivated = len(creates), len(deactivate)
    evaluator_changes = []
    for _number, row in good:
        current = existing.get(row.code)
        old = code_by_id.get(current.evaluator_id) if current else None
        if row.evaluator != old:
            evaluator_changes.append((row.code, row.evaluator, current))
    updated_ids = {object_id for object_id, _v in updates}
    extra = {c.id for _code, _ev, c in evaluator_changes if c is not None} - updated_ids
    report.updated = len(updates) + len(extra)
    report.unchanged -= len(extra)
    if dry_run:
        return report
    await _write_rows(session, Cadre, creates, updates)
    ids = dict((await session.execute(select(Cadre.code, Cadre.id))).all())
    evaluator_rows = []
    for code, evaluator, current in evaluator_changes:
        evaluator_rows.append({"id": ids[code],
                               "evaluator_id": ids.get(evaluator) if evaluator else None})
        if current is not None:
            audits.append((current.id, {"evaluator": code_by_id.get(current.evaluator_id)},
                           {"evaluator": evaluator}))
    for start in range(0, len(evaluator_rows), CHUNK):
        await session.execute(update(Cadre), evaluator_rows[start:start + CHUNK])
    if deactivate:
        deactivated_ids = [r.id for r in deactivate]
        for start in range(0, len(deactivated_ids), CHUNK):
            await session.execute(update(Cadre).where(
                Cadre.id.in_(deactivated_ids[start:start + CHUNK])).values(active=False,
                                                                            updated_at=now))
        audits += [(r.id, {"active": True}, {"active": False}) for r in deactivate]
    await _write_scopes(session, good, ids, units, audits, existing)
    for start in range(0, len(audits), CHUNK):
        await session.execute(insert(AuditLog), _audit_rows("cadre", audits[start:start + CHUNK],
                                                            now))
    report.written = True
    return report


async def _write_scopes(session: AsyncSession, good, ids: dict, units: dict,
                        audits: list, existing: dict) -> None:
    """The units each deputy leader is in charge of, as the file says (their d counts those
    units' civil servants); an empty cell means: their own unit."""
    current: dict[int, set[int]] = {}
    for cadre_id, unit_id in (await session.execute(
            select(LeaderScope.cadre_id, LeaderScope.unit_id))).all():
        current.setdefault(cadre_id, set()).add(unit_id)
    code_of_unit = {uid: code for code, uid in units.items()}
    for _number, row in good:
        cadre_id = ids[row.code]
        wanted = {units[code] for code in row.scope_units}
        have = current.get(cadre_id, set())
        if wanted == have:
            continue
        await session.execute(delete(LeaderScope).where(LeaderScope.cadre_id == cadre_id))
        if wanted:
            await session.execute(insert(LeaderScope), [
                {"cadre_id": cadre_id, "unit_id": uid} for uid in sorted(wanted)])
        if row.code in existing:  # a new person's record says it all
            audits.append((cadre_id, {"scope": sorted(code_of_unit[u] for u in have)},
                           {"scope": sorted(row.scope_units)}))


# ---------------------------------------------------------------- training requirements

async def import_training(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                          dry_run=False, skip_invalid=False,
                          progress: Progress | None = None) -> Report:
    report = Report("training")
    table, rows = _validated(path, sheet, schemas.TRAINING_COLUMNS, schemas.TrainingRow, report,
                             progress)
    _duplicates(rows, lambda r: r.code, table.headers["code"], report)
    for number, row in rows:
        if row is not None and row.hours_required is None and row.level_required is None:
            report.problems.append(Problem(number, table.headers["hours_required"], _(
                "give the number of hours, or the minimum level in “Trình độ tối thiểu”")))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    existing = {t.code: t for t in await session.scalars(select(TrainingRequirement))}
    fields = ("category", "title", "applies_to", "hours_required", "level_required", "year",
              "due_date", "legal_basis")
    creates, updates, audits = [], [], []
    for _number, row in good:
        values = {f: getattr(row, f) for f in fields}
        current = existing.get(row.code)
        if current is None:
            creates.append({"code": row.code, **values, "active": True})
            report.changes.append(_("create requirement {code}").format(code=row.code))
            continue
        changed = _diff({f: getattr(current, f) for f in fields} | {"active": current.active},
                        values | {"active": True})
        if changed:
            updates.append((current.id, changed))
            audits.append((current.id, {k: getattr(current, k) for k in changed}, changed))
            report.changes.append(_("update requirement {code}: {fields}").format(
                code=row.code, fields=_columns(changed, table.headers)))
        else:
            report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if dry_run:
        return report
    await _write_rows(session, TrainingRequirement, creates, updates)
    if audits:
        await session.execute(insert(AuditLog), _audit_rows("training_requirement", audits, now))
    report.written = True
    return report


# ---------------------------------------------------------------- ratings

async def _import_ratings(session: AsyncSession, path: Path, *, kind: str, columns: list,
                          owners: dict[str, int], owner_field: str, missing: str, model,
                          audit_type: str,
                          stamp: dict, now: datetime, sheet, dry_run: bool, skip_invalid: bool,
                          progress: Progress | None) -> Report:
    """Rows of (owner code, year, band, score) matched by owner and year; `owners` maps the
    codes the file may use to ids, `missing` says what to import first."""
    report = Report(kind)
    table, rows = _validated(path, sheet, columns, schemas.AnnualRatingRow, report, progress)
    _duplicates(rows, lambda r: (r.code, str(r.year)), table.headers["code"], report)
    for number, row in rows:
        if row is not None and row.code not in owners:
            report.problems.append(Problem(number, table.headers["code"],
                                           missing.format(code=row.code)))
    good = _finish(report, rows)
    if report.problems and not skip_invalid:
        return report
    existing = {(getattr(r, owner_field), r.year): r for r in await session.scalars(select(model))}
    creates, updates, audits = [], [], []
    for _number, row in good:
        values = {"band": row.band, "score": row.score}
        current = existing.get((owners[row.code], row.year))
        if current is None:
            creates.append({owner_field: owners[row.code], "year": row.year, **values, **stamp})
            report.changes.append(_("rating {year} of {code}").format(year=row.year,
                                                                       code=row.code))
            continue
        changed = _diff({"band": current.band, "score": current.score}, values)
        if changed:
            updates.append((current.id, changed | stamp))
            audits.append((current.id, {k: getattr(current, k) for k in changed}, changed))
        else:
            report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if dry_run:
        return report
    await _write_rows(session, model, creates, updates)
    if audits:
        await session.execute(insert(AuditLog), _audit_rows(audit_type, audits, now))
    report.written = True
    return report


async def import_past_ratings(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                              dry_run=False, skip_invalid=False,
                              progress: Progress | None = None) -> Report:
    """Annual ratings from before the bot (Mã cán bộ · Năm · Xếp loại · Điểm), so the
    two-year planning rules work from the first year."""
    return await _import_ratings(
        session, path, kind="ratings", columns=schemas.PAST_RATING_COLUMNS,
        owners=dict((await session.execute(select(Cadre.code, Cadre.id))).all()),
        owner_field="cadre_id", missing=_("no cadre with code {code} (import the roster first)"),
        model=PastRating, audit_type="past_rating", stamp={"imported_at": now}, now=now, sheet=sheet, dry_run=dry_run,
        skip_invalid=skip_invalid, progress=progress)


async def import_agency_ratings(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                                dry_run=False, skip_invalid=False,
                                progress: Progress | None = None) -> Report:
    """Each agency's own rating for a year (Mã đơn vị · Năm · Xếp loại · Điểm): a leader is
    not rated above it."""
    return await _import_ratings(
        session, path, kind="agency_ratings", columns=schemas.AGENCY_RATING_COLUMNS,
        owners=dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all()),
        owner_field="unit_id",
        missing=_("the unit {code} does not exist (import the units first)"),
        model=AgencyRating, audit_type="agency_rating",
        stamp={"recorded_at": now, "recorded_by": "import"}, now=now,
        sheet=sheet, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress)


# ---------------------------------------------------------------- assigned tasks

async def import_tasks(session: AsyncSession, path: Path, *, now: datetime, sheet=None,
                       dry_run=False, skip_invalid=False, progress: Progress | None = None,
                       kpi=None, today=None) -> Report:
    """Tasks (issue #24 §1), one row per task: for a cadre, or for every active cadre of a unit
    (one task each). The accepting authority is the cadre's evaluator unless "Người nghiệm
    thu" names someone. Re-importing a row (same "Mã việc" and cadre) updates what changed
    while the task is not accepted; a later deadline is recorded as an extension. The rules
    and the period's figures: bot.services.tasks."""
    from bot.services import tasks as task_rules
    from models import Task, TaskEvent
    from models.enums import TaskEventKind, TaskStatus

    report = Report("tasks")
    table, rows = _validated(path, sheet, schemas.TASK_COLUMNS, schemas.TaskRow, report,
                             progress)
    headers = table.headers
    cadres = {c.code: c for c in await session.scalars(select(Cadre))}
    units = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all())
    products = {(p.position_id, p.code): p for p in await session.scalars(
        select(ProductType).where(ProductType.active.is_(True), ProductType.kind == "count"))}
    existing = {(t.cadre_id, t.import_key): t for t in await session.scalars(
        select(Task).where(Task.import_key.is_not(None)))}
    planned: list[tuple[int, object, Cadre, ProductType]] = []
    seen: dict[tuple[int, str], int] = {}
    for number, row in rows:
        if row is None:
            continue
        if bool(row.cadre) == bool(row.unit):
            report.problems.append(Problem(number, headers.get("cadre", "Mã cán bộ"), _(
                "give either a cadre's code or a unit's code")))
            continue
        if row.cadre:
            cadre = cadres.get(row.cadre)
            if cadre is None or not cadre.active:
                report.problems.append(Problem(number, headers["cadre"], _(
                    "no active cadre with code {code}").format(code=row.cadre)))
                continue
            people = [cadre]
        else:
            if row.unit not in units:
                report.problems.append(Problem(number, headers["unit"], _(
                    "the unit {code} does not exist (import the units first)").format(
                    code=row.unit)))
                continue
            people = sorted((c for c in cadres.values()
                             if c.unit_id == units[row.unit] and c.active), key=lambda c: c.code)
            if not people:
                report.problems.append(Problem(number, headers["unit"], _(
                    "the unit {code} has no active cadre").format(code=row.unit)))
                continue
        if row.authority and (row.authority not in cadres or not cadres[row.authority].active):
            report.problems.append(Problem(number, headers["authority"], _(
                "no active cadre with code {code}").format(code=row.authority)))
            continue
        for person in people:
            product = products.get((person.position_id, row.product))
            if product is None:
                report.problems.append(Problem(number, headers["product"], _(
                    "{code} is not a counted product of the catalogue of {cadre}'s job "
                    "position").format(code=row.product, cadre=person.code)))
                break
            if not row.authority and person.evaluator_id is None:
                report.problems.append(Problem(number, headers.get("authority", _(
                    "Người nghiệm thu")), _("{cadre} has no evaluator: name who accepts the "
                                            "task").format(cadre=person.code)))
                break
            if (person.id, row.key) in seen:
                report.problems.append(Problem(number, headers["key"], _(
                    "the code {code} already appears on row {first}").format(
                    code=row.key, first=seen[(person.id, row.key)])))
                break
            current = existing.get((person.id, row.key))
            if current is None and today is not None and row.deadline < today:
                report.problems.append(Problem(number, headers["deadline"], _(
                    "the deadline is before today")))
                break
            seen[(person.id, row.key)] = number
            planned.append((number, row, person, product))
    bad_rows = {p.row for p in report.problems if p.row is not None}
    report.rejected = len(bad_rows | {n for n, r in rows if r is None})
    if report.problems and not skip_invalid:
        return report
    touched: set[tuple[int, int, object]] = set()
    for number, row, person, product in planned:
        if number in bad_rows:
            continue
        authority_id = cadres[row.authority].id if row.authority else person.evaluator_id
        current = existing.get((person.id, row.key))
        if current is None:
            report.created += 1
            report.changes.append(_("task {code} for {cadre}").format(code=row.key,
                                                                      cadre=person.code))
            if not dry_run:
                task = Task(cadre_id=person.id, title=row.title, product_type_id=product.id,
                            units=row.units, expected_result=row.expected_result,
                            authority_id=authority_id, deadline=row.deadline,
                            status=TaskStatus.ASSIGNED.value, version=0, returns=0,
                            created_at=now, assigned_by_label="import", import_key=row.key)
                session.add(task)
                await session.flush()
                session.add(TaskEvent(task_id=task.id, kind=TaskEventKind.ASSIGNED.value,
                                      at=now, by_label="import", new_deadline=row.deadline))
                session.add(AuditLog(at=now, actor_label="import", action="assign_task",
                                     object_type="task", object_id=task.id,
                                     after={"cadre": person.code, "key": row.key,
                                            "deadline": row.deadline.isoformat()}))
                touched.add((person.id, product.id, row.deadline))
            continue
        values = {"title": row.title, "product_type_id": product.id, "units": row.units,
                  "expected_result": row.expected_result, "authority_id": authority_id,
                  "deadline": row.deadline}
        changed = _diff({k: getattr(current, k) for k in values}, values)
        if changed and current.status in (TaskStatus.ACCEPTED.value,
                                          TaskStatus.CANCELLED.value):
            report.warnings.append(_("Row {row}: task {code} of {cadre} is already accepted; "
                                     "not changed").format(row=number, code=row.key,
                                                          cadre=person.code))
            report.unchanged += 1
            continue
        if not changed:
            report.unchanged += 1
            continue
        report.updated += 1
        report.changes.append(_("update task {code} of {cadre}: {fields}").format(
            code=row.key, cadre=person.code, fields=_columns(changed, headers)))
        if dry_run:
            continue
        before = {k: _describe(getattr(current, k)) for k in changed}
        old_deadline, old_product = current.deadline, current.product_type_id
        for key, value in changed.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_at = now
        if "deadline" in changed:
            session.add(TaskEvent(task_id=current.id, kind=TaskEventKind.EXTENDED.value, at=now,
                                  by_label="import", old_deadline=old_deadline,
                                  new_deadline=row.deadline))
        session.add(AuditLog(at=now, actor_label="import", action="import_update",
                             object_type="task", object_id=current.id, before=before,
                             after={k: _describe(v) for k, v in changed.items()}))
        touched |= {(person.id, old_product, old_deadline), (person.id, product.id, row.deadline)}
    if dry_run:
        return report
    if kpi is not None:
        await session.flush()
        by_id = {c.id: c for c in cadres.values()}
        for cadre_id, product_id, day in sorted(touched):
            await task_rules.sync_figures(session, kpi, by_id[cadre_id], product_id, day, now)
    report.written = True
    return report


IMPORTERS = {"units": import_units, "catalogue": import_catalogue, "roster": import_roster,
             "training": import_training, "ratings": import_past_ratings,
             "agency_ratings": import_agency_ratings, "tasks": import_tasks}
