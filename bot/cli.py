"""Operator command line (SPEC §9): `cadrebot run | sandbox | db | invite | grant`.

The operator's composition root, as bot/app.py is the bot's: besides bot/app.py, the only
module of bot/ that imports `handlers`, and only its pure screens (handlers/screens/…), so
`cadrebot digest` prints the very text the bot sends, from the one file that words it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

import typer
from sqlalchemy.engine import make_url

from bot.cli_common import CliError, operator_settings
from bot.cli_errors import usage, usage_error_line
from bot.cli_help import Typer
from bot.cli_import import ImportFailed, import_app
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.db import Database
from bot.i18n import _, fmt_date, fmt_number
from bot.services import identity
from models.enums import PeriodStatus, Role

app = Typer(add_completion=False, no_args_is_help=True,
            help=_("Trợ lý Cán bộ — operator commands."))
db_app = Typer(no_args_is_help=True, help=_("Database: upgrade, current, backup."))
app.add_typer(db_app, name="db")
period_app = Typer(no_args_is_help=True, help=_("Periods: lock after review, reopen."))
app.add_typer(period_app, name="period")
export_app = Typer(no_args_is_help=True, help=_("Excel exports with Vietnamese headers."))
app.add_typer(export_app, name="export")
notice_app = Typer(no_args_is_help=True, help=_("Board notices from a file."))
app.add_typer(notice_app, name="notice")
year_app = Typer(no_args_is_help=True,
                 help=_("Annual quality rating: close or reopen an agency's list, record an "
                        "agency's own rating."))
app.add_typer(year_app, name="year")
record_app = Typer(no_args_is_help=True,
                   help=_("Record a discipline (or another ground) or a leave."))
app.add_typer(record_app, name="record")

app.add_typer(import_app, name="import")

# the values a command is given in order, named in the help as the operator reads them
CADRE_CODE = typer.Argument(..., metavar=_("CADRE_CODE"), help=_("The cadre's Mã cán bộ."),
                            show_default=False)
AGENCY = typer.Argument(..., metavar=_("AGENCY_CODE"), help=_("The agency's Mã đơn vị."),
                        show_default=False)
YEAR = typer.Argument(..., metavar=_("YEAR"), help=_("The year, e.g. 2026."), show_default=False)
PERIOD_CODE = typer.Argument(..., metavar=_("PERIOD"), help=_("2026-11, 2026-Q4 or 2026"),
                             show_default=False)


def _run_db(coro_factory):
    """Run `coro_factory(db, now)` in one transaction and dispose the engine."""
    settings = operator_settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).expanduser().exists():
        raise CliError(_("The database {path} does not exist yet: run “cadrebot db upgrade” "
                         "first.").format(path=url.database))

    async def main():
        from bot.migrate import current_revision, head_revision

        db = Database(settings.database_url)
        try:
            if await current_revision(db.engine) != head_revision():
                raise CliError(_("The database is not up to date: run “cadrebot db upgrade” "
                                 "first."))
            async with db.session() as session:
                return await coro_factory(session, Clock().now())
        finally:
            await db.dispose()

    return asyncio.run(main())


@app.command(help=_("Start the bot (polling, or webhook when CADREBOT_WEBHOOK_URL is set)."))
def run() -> None:
    settings = operator_settings()
    if not settings.token:
        typer.echo(_("TELEGRAM_BOT_TOKEN is not set: starting the sandbox (local emulator)."))
        from bot.sandbox.runner import run_sandbox

        asyncio.run(run_sandbox(settings, as_role="cadre"))
        return
    from bot import app as bot_app
    from bot.migrate import upgrade

    upgrade(settings.database_url)
    bot_app.run(settings, Database(settings.database_url))


@app.command(help=_("The real bot against a built-in Telegram emulator, with a terminal chat."))
def sandbox(
    as_role: str = typer.Option("cadre", "--as", help=_(
        "Who you are in the chat: cadre, supervisor, board or new (not yet linked).")),
    reset: bool = typer.Option(False, "--reset", help=_("Start again from a fresh demo database.")),
    database: Path = typer.Option(Path("data/sandbox.db"), "--db",
                                  help=_("Sandbox database file.")),
) -> None:
    if as_role not in ("cadre", "supervisor", "board", "new"):
        raise CliError(_("--as must be one of: cadre, supervisor, board, new"))
    settings = operator_settings()
    from bot.sandbox.runner import run_sandbox

    asyncio.run(run_sandbox(settings, as_role=as_role, database=database, reset=reset))


@db_app.command("upgrade", help=_("Apply pending migrations."))
def db_upgrade() -> None:
    from bot.migrate import upgrade

    settings = operator_settings()
    upgrade(settings.database_url)
    typer.echo(_("Database is up to date."))


@db_app.command("current", help=_("Show the database's migration revision and the newest one."))
def db_current() -> None:
    from bot.migrate import current_revision, head_revision

    settings = operator_settings()

    async def main():
        db = Database(settings.database_url)
        try:
            return await current_revision(db.engine)
        finally:
            await db.dispose()

    current = asyncio.run(main())
    head = head_revision()
    typer.echo(_("Current revision: {current} (newest: {head})").format(
        current=current or _("none"), head=head))


@db_app.command("backup", help=_(
    "A consistent copy of the SQLite database, taken while the bot runs."))
def db_backup(path: Path = typer.Argument(..., metavar=_("FILE"), show_default=False,
                                         help=_("The copy to write."))) -> None:
    settings = operator_settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise CliError(_(
            "For PostgreSQL use pg_dump, e.g.: pg_dump --format=custom --file={path} "
            "\"postgresql://USER@HOST:PORT/DBNAME\""
        ).format(path=path))
    source = Path(url.database or "")
    if not source.exists():
        raise CliError(_("Database file not found: {path}").format(path=source))
    if _same_file(path, source):
        raise CliError(_("The backup cannot be written over the database itself ({path}): "
                         "choose another file.").format(path=path))
    _backup_sqlite(source, path)
    typer.echo(_("Backup written to {path}").format(path=path))


def _same_file(target: Path, source: Path) -> bool:
    """The target is the live database (or its journal), however it is written: the same
    path, relative or absolute, through a symlink, or a hard link to the same inode."""
    real_source = source.resolve()
    real_target = target.resolve()
    if real_target in {real_source, *(real_source.with_name(real_source.name + suffix)
                                      for suffix in ("-wal", "-shm", "-journal"))}:
        return True
    try:
        return target.exists() and os.path.samefile(target, source)
    except OSError:
        return False


def _backup_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup into a temporary file beside the target, then one rename:
    nothing that existed is removed before the new copy is complete."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    os.close(handle)
    try:
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
        dst = sqlite3.connect(temporary)
        try:
            with dst:
                src.backup(dst)  # SQLite's online backup API: consistent while others write
        finally:
            src.close()
            dst.close()
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def lock_question(check) -> str:
    """What the operator reads before locking a period that still has work open."""
    from bot.services.periods import period_code

    code = period_code(check.period)
    lines = []
    if check.before_deadline:
        lines.append(_("The submission deadline of {code} is {date}: it has not passed yet.")
                     .format(code=code, date=fmt_date(check.period.submission_deadline)))
    else:
        lines.append(_("The submission deadline of {code} was {date}.").format(
            code=code, date=fmt_date(check.period.submission_deadline)))
    if check.open:
        lines.append(_("Reports still open: not sent {not_sent}/{expected} · waiting for "
                       "review {waiting} · returned {returned}.").format(
            not_sent=check.not_sent, expected=check.expected, waiting=check.waiting,
            returned=check.returned))
    lines.append(_("After locking, only the Organization Board can change this period "
                   "(audited); evaluators can no longer approve or return."))
    lines.append(_("Lock {code} anyway?").format(code=code))
    return "\n".join(lines)


def _set_period_locked(code: str, locked: bool, yes: bool = False) -> None:
    from bot.policy import load_policy
    from bot.services import periods
    from bot.services.calendar import WorkCalendar

    kind, year, number = _period_of(code)
    settings = operator_settings()

    async def period_of(session):
        policy = load_policy(settings.policy_file)
        return await periods.ensure_period(session, kind, year, number,
                                           WorkCalendar(policy.calendar), policy.calendar)

    async def check(session, now):
        period = await period_of(session)
        today = now.astimezone(settings.tz).date()
        if period.ends_on >= today:
            # a typo (2027-11 for 2026-11) would shut a coming period before anyone reported
            raise CliError(_("Period {code} has not ended yet (it runs until {date}); it cannot "
                             "be locked.").format(code=code, date=fmt_date(period.ends_on)))
        if period.status == PeriodStatus.LOCKED.value:
            return None
        return await periods.lock_check(session, period, today)

    if locked and not yes:
        found = _run_db(check)
        if found is not None and found.needs_confirmation:
            typer.echo(lock_question(found))
            try:
                go = typer.confirm(_("Type y to lock, n to stop"), default=False)
            except typer.Abort:  # no answer (end of input): as "no"
                go = False
            if not go:
                raise CliError(_("Nothing was locked."))

    async def work(session, now):
        return await periods.set_locked(session, await period_of(session), locked, now)

    if locked and yes:
        _run_db(check)  # the period must have ended, confirmed or not
    changed = _run_db(work)
    if locked:
        message = _("Period {code} is locked.") if changed else _("Period {code} was already locked.")
    else:
        message = _("Period {code} is open again.") if changed else _("Period {code} was already open.")
    typer.echo(message.format(code=code))


@period_app.command("lock", help=_(
    "Lock a period: after this only board can change its entries (audited). Before the "
    "submission deadline, or with reports not sent, waiting for review or returned, it shows "
    "them and asks first."))
def period_lock(code: str = PERIOD_CODE, yes: bool = typer.Option(
        False, "--yes", "-y",
        help=_("Lock without asking, even with reports still open."))) -> None:
    _set_period_locked(code, True, yes)


@period_app.command("unlock", help=_("Reopen a locked period (audited)."))
def period_unlock(code: str = PERIOD_CODE) -> None:
    _set_period_locked(code, False)


@export_app.command("evaluations", help=_(
    "Evaluations of a period (one row per cadre) and the audit log of its decisions."))
def export_evaluations(
    period: str = typer.Option(..., "--period", help=_("2026-11, 2026-Q4 or 2026")),
    output: Path = typer.Option(..., "-o", "--output", help=_("The .xlsx file to write.")),
) -> None:
    from bot.policy import load_policy
    from bot.services import periods
    from bot.services.calendar import WorkCalendar
    from bot.services.exports import export_evaluations as build

    kind, year, number = _period_of(period)
    settings = operator_settings()
    policy = load_policy(settings.policy_file)

    async def work(session, now):
        row = await periods.ensure_period(session, kind, year, number,
                                          WorkCalendar(policy.calendar), policy.calendar)
        return await build(session, row, policy, output, settings.tz)

    count = _run_db(work)
    typer.echo(_("Wrote {count} rows to {path}").format(count=fmt_number(count), path=output))


def _period_of(code: str):
    from bot.services import periods

    try:
        return periods.parse_period_code(code)
    except periods.BadPeriodCode:
        raise CliError(_("Unknown period “{code}”: write 2026-11 (month), 2026-Q4 (quarter) "
                         "or 2026 (year).").format(code=code)) from None


async def _unit_by_code(session, code: str):
    from sqlalchemy import select

    from models import OrgUnit

    unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise CliError(_("No unit with code {code}.").format(code=code))
    return unit


async def _cadre_by_code(session, code: str):
    from sqlalchemy import select

    from models import Cadre

    cadre = await session.scalar(select(Cadre).where(Cadre.code == code))
    if cadre is None:
        raise identity.UnknownCadre(code)
    return cadre


@export_app.command("forms", help=_(
    "The forms to sign: each person's sheet and each agency's table (.docx and .xlsx)."))
def export_forms(
    period: str = typer.Option(..., "--period",
                               help=_("2026 (annual rating), 2026-11 or 2026-Q4")),
    output: Path = typer.Option(..., "-o", "--output",
                                help=_("The folder to write the files to.")),
    agency: str | None = typer.Option(None, "--agency",
                                      help=_("One agency's code (default: all).")),
) -> None:
    from bot.services import periods
    from bot.services.forms import forms_for
    from bot.services.kpi import KpiService
    from bot.services.units import UnitTree

    kind, year, number = _period_of(period)
    settings = operator_settings()
    annual = _annual_service()
    policy, calendar = annual.policy, annual.calendar

    async def work(session, now):
        row = await periods.ensure_period(session, kind, year, number, calendar, policy.calendar)
        tree = await UnitTree.load(session)
        agencies = [(await _unit_by_code(session, agency)).id] if agency else tree.agencies()
        written = []
        for agency_id in agencies:
            files = await forms_for(session, policy, KpiService(policy, calendar), annual,
                                    agency_id, row, now.astimezone(settings.tz).date(),
                                    settings.forms_dir)
            output.mkdir(parents=True, exist_ok=True)
            for form in files:
                (output / form.name).write_bytes(form.content)
                written.append(form.name)
        return written

    written = _run_db(work)
    typer.echo(_("Wrote {count} files to {path}").format(count=fmt_number(len(written)),
                                                         path=output))


def _annual_service():
    """The annual rating's use cases with the configured policy."""
    from bot.policy import load_policy
    from bot.services.annual import AnnualService
    from bot.services.calendar import WorkCalendar

    policy = load_policy(operator_settings().policy_file)
    return AnnualService(policy, WorkCalendar(policy.calendar))


@year_app.command("close", help=_(
    "Close an agency's annual list (as the board would in the bot; the same checks)."))
def year_close(agency: str = AGENCY, year: int = YEAR) -> None:
    from bot.services.review import ReviewError

    service = _annual_service()

    async def work(session, now):
        unit = await _unit_by_code(session, agency)
        try:
            listing = await service.close(session, actor=None, agency_id=unit.id, year=year,
                                          now=now, label="operator")
        except ReviewError as error:
            if error.code == "list_closed":
                raise CliError(_("The list {year} of {agency} is already closed.").format(
                    year=year, agency=unit.name)) from None
            raise CliError(_("The list {year} of {agency} cannot be closed yet: open it in the "
                             "bot (📅 annual rating) to see what is missing.").format(
                year=year, agency=unit.name)) from None
        return unit.name, sum(1 for d in listing.drafts if d.proposed)

    name, count = _run_db(work)
    typer.echo(_("Closed the list {year} of {agency}: {count} people rated.").format(
        year=year, agency=name, count=fmt_number(count)))


@year_app.command("reopen", help=_(
    "Reopen a closed list (the bands go back to proposals; audited)."))
def year_reopen(agency: str = AGENCY, year: int = YEAR) -> None:
    from bot.services.review import ReviewError

    service = _annual_service()

    async def work(session, now):
        unit = await _unit_by_code(session, agency)
        try:
            await service.reopen(session, agency_id=unit.id, year=year, now=now,
                                 label="operator")
        except ReviewError:
            raise CliError(_("The list {year} of {agency} is not closed.").format(
                year=year, agency=unit.name)) from None
        return unit.name

    typer.echo(_("The list {year} of {agency} is open again.").format(
        year=year, agency=_run_db(work)))


BAND_WORDS = {"xuat-sac": "xuat_sac", "tot": "tot", "hoan-thanh": "hoan_thanh",
              "khong-hoan-thanh": "khong_hoan_thanh"}


@year_app.command("agency-rating", help=_(
    "Record an agency's own rating for the year (a leader is not rated above it)."))
def year_agency_rating(
    agency: str = AGENCY, year: int = YEAR,
    band: str = typer.Argument(..., metavar=_("BAND"), show_default=False,
                               help="xuat-sac | tot | hoan-thanh | khong-hoan-thanh"),
    score: float | None = typer.Option(None, "--score", min=0, max=100, help=_("The points.")),
) -> None:
    from sqlalchemy import select

    from bot.services import audit
    from models import AgencyRating

    if band not in BAND_WORDS:
        raise CliError(_("The band must be one of: {bands}.").format(
            bands=", ".join(BAND_WORDS)))
    operator_settings()

    async def work(session, now):
        unit = await _unit_by_code(session, agency)
        row = await session.scalar(select(AgencyRating).where(
            AgencyRating.unit_id == unit.id, AgencyRating.year == year))
        before = {"band": row.band, "score": row.score} if row else None
        if row is None:
            row = AgencyRating(unit_id=unit.id, year=year, band=BAND_WORDS[band],
                               recorded_at=now, recorded_by="operator")
            session.add(row)
        row.band, row.score, row.recorded_at = BAND_WORDS[band], score, now
        await session.flush()
        audit.record(session, at=now, action="agency_rating", object_type="agency_rating",
                     object_id=row.id, actor_label="operator", before=before,
                     after={"band": row.band, "score": score})
        return unit.name

    typer.echo(_("Recorded the rating {year} of {agency}.").format(year=year,
                                                                  agency=_run_db(work)))


DISCIPLINE_WORDS = {
    "khien-trach": "khien_trach", "canh-cao": "canh_cao", "ha-bac-luong": "ha_bac_luong",
    "giang-chuc": "giang_chuc", "cach-chuc": "cach_chuc", "buoc-thoi-viec": "buoc_thoi_viec",
    "suy-thoai": "suy_thoai", "tham-nhung-lang-phi": "tham_nhung_lang_phi",
}


@record_app.command("discipline", help=_(
    "A discipline, a conclusion of degradation (suy-thoai) or, for a leader, corruption or "
    "waste dealt with in the unit led directly (tham-nhung-lang-phi): the year's rating is "
    "“Không hoàn thành nhiệm vụ”."))
def record_discipline(
    cadre_code: str = CADRE_CODE, year: int = YEAR,
    level: str = typer.Argument(..., metavar=_("LEVEL"), show_default=False,
                                help=", ".join(DISCIPLINE_WORDS)),
    note: str | None = typer.Option(None, "--note", help=_("The decision, e.g. its number.")),
) -> None:
    from bot.services import audit
    from models import Discipline

    if level not in DISCIPLINE_WORDS:
        raise CliError(_("The level must be one of: {levels}.").format(
            levels=", ".join(DISCIPLINE_WORDS)))
    operator_settings()

    async def work(session, now):
        cadre = await _cadre_by_code(session, cadre_code)
        if level == "tham-nhung-lang-phi" and not cadre.is_leader:
            raise CliError(_("{name} is not a leader: this ground applies to leaders only.")
                           .format(name=cadre.full_name))
        row = Discipline(cadre_id=cadre.id, year=year, level=DISCIPLINE_WORDS[level], note=note)
        session.add(row)
        await session.flush()
        audit.record(session, at=now, action="record_discipline", object_type="discipline",
                     object_id=row.id, actor_label="operator",
                     after={"cadre": cadre.code, "year": year, "level": row.level})
        return cadre.full_name

    typer.echo(_("Recorded for {name} ({year}).").format(name=_run_db(work), year=year))


LEAVE_WORDS = {"nghi-phep": "nghi_phep", "om-dau": "om_dau", "thai-san": "thai_san",
               "di-hoc": "di_hoc", "khac": "khac"}


@record_app.command("leave", help=_(
    "Time not worked (the annual rating counts the months actually worked)."))
def record_leave(
    cadre_code: str = CADRE_CODE,
    start: str = typer.Argument(..., metavar=_("FROM"), show_default=False,
                                help=_("The first day, dd/mm/yyyy.")),
    end: str = typer.Argument(..., metavar=_("TO"), show_default=False,
                              help=_("The last day, dd/mm/yyyy.")),
    kind: str = typer.Option("khac", "--kind", help=", ".join(LEAVE_WORDS)),
) -> None:
    from bot.services import leave as leave_rules
    from bot.services.imports.cells import CellError, parse_date
    from bot.services.review import ReviewError
    from handlers.screens.leave import refusal  # pure: see the docstring

    if kind not in LEAVE_WORDS:
        raise CliError(_("The kind must be one of: {kinds}.").format(kinds=", ".join(LEAVE_WORDS)))
    try:
        first, last = parse_date(start), parse_date(end)
    except CellError as exc:
        raise CliError(str(exc)) from None
    if first is None or last is None or last < first:
        raise CliError(_("The end date is before the start date."))
    settings = operator_settings()

    async def work(session, now):
        cadre = await _cadre_by_code(session, cadre_code)
        try:
            await leave_rules.record_as_operator(
                session, cadre=cadre, kind=LEAVE_WORDS[kind], start=first, end=last, now=now,
                today=now.astimezone(settings.tz).date())
        except ReviewError as error:
            raise CliError(refusal(error.code)) from None
        return cadre.full_name

    typer.echo(_("Recorded the leave of {name}: {start}–{end}.").format(
        name=_run_db(work), start=fmt_date(first), end=fmt_date(last)))


@app.command("demo-data", help=_(
    "Fill an empty database with a synthetic province (for trials and benchmarks)."))
def demo_data(
    cadres: int = typer.Option(2000, "--cadres", min=20, max=500_000,
                               help=_("How many cadres.")),
    months: int = typer.Option(12, "--months", min=0, max=36,
                               help=_("Past months of entries.")),
    seed: int = typer.Option(1, "--seed", help=_("Same seed, same province.")),
) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from bot.migrate import upgrade
    from bot.services.demo_data import generate

    settings = operator_settings()
    upgrade(settings.database_url)

    async def main():
        db = Database(settings.database_url)
        try:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                          transient=True) as bar:
                task = bar.add_task(_("Generating the province…"), total=None)

                def progress(stage: str, count: int) -> None:
                    bar.update(task, description=_("Generating: {stage} ({count})").format(
                        stage=stage, count=fmt_number(count)))

                async with db.session() as session:
                    return await generate(session, cadres=cadres, months=months, seed=seed,
                                          now=Clock().now(), progress=progress)
        finally:
            await db.dispose()

    try:
        summary = asyncio.run(main())
    except ValueError as exc:
        raise CliError(_("the database is not empty: use a new DATABASE_URL for demo data")) from exc
    typer.echo(_("Synthetic province: {units} units, {cadres} cadres ({supervisors} evaluators), "
                 "{entries} entries, {evaluations} ratings, {trainings} training records.").format(
        **{name: fmt_number(value) if isinstance(value, int) else value
           for name, value in summary.__dict__.items()}))


@export_app.command("notices", help=_(
    "Every notice with its statistics, and each recipient's delivery and acknowledgement."))
def export_notices(
    output: Path = typer.Option(..., "-o", "--output", help=_("The .xlsx file to write.")),
) -> None:
    from bot.services.exports import export_notices as build

    settings = operator_settings()

    async def work(session, now):
        return await build(session, output, settings.tz)

    count = _run_db(work)
    typer.echo(_("Wrote {count} rows to {path}").format(count=fmt_number(count), path=output))


@export_app.command("person", help=_(
    "Everything stored about one person (a sheet per kind of record)."))
def export_person(
    cadre_code: str = CADRE_CODE,
    output: Path = typer.Option(..., "-o", "--output", help=_("The .xlsx file to write.")),
) -> None:
    from bot.policy import load_policy
    from bot.services.exports import person_workbook

    settings = operator_settings()
    policy = load_policy(settings.policy_file)

    async def work(session, now):
        cadre = await identity.cadre_by_code(session, cadre_code)
        return await person_workbook(session, cadre, policy, settings.tz)

    count = _run_db(work).write(output)
    typer.echo(_("Wrote {count} rows to {path}").format(count=fmt_number(count), path=output))


@export_app.command("training", help=_(
    "Training status: each cadre × requirement (as of the period's end), by unit, by group."))
def export_training(
    period: str = typer.Option(..., "--period", help=_("2026-11, 2026-Q4 or 2026")),
    output: Path = typer.Option(..., "-o", "--output", help=_("The .xlsx file to write.")),
) -> None:
    from bot.services.exports import training_workbook

    kind, year, number = _period_of(period)
    settings = operator_settings()

    async def work(session, now):
        from bot.policy import load_policy
        from bot.services import periods
        from bot.services.calendar import WorkCalendar

        policy = load_policy(settings.policy_file)
        row = await periods.ensure_period(session, kind, year, number,
                                          WorkCalendar(policy.calendar), policy.calendar)
        as_of = min(now.astimezone(settings.tz).date(), row.ends_on)
        return await training_workbook(session, row.year, as_of)

    count = _run_db(work).write(output)
    typer.echo(_("Wrote {count} rows to {path}").format(count=fmt_number(count), path=output))


@app.command(help=_("An empty import file to fill in: the headers, drop-down lists and a "
                    "guide sheet."))
def template(
    kind: str = typer.Argument(..., metavar=_("KIND"), show_default=False,
                               help="roster | units | catalogue | training"),
    output: Path = typer.Option(..., "-o", "--output", help=_("The .xlsx file to write.")),
) -> None:
    from bot.services.templates import KINDS, write_template

    if kind not in KINDS:
        raise CliError(_("The template must be one of: {kinds}.").format(kinds=", ".join(KINDS)))
    write_template(kind, output)
    typer.echo(_("Wrote the template to {path}: fill in the first sheet, then run “cadrebot "
                 "import {kind} {path} --dry-run”.").format(path=output, kind=kind))


@app.command(help=_(
    "Unlink a person's Telegram and remove their contact data (evaluations are kept)."))
def forget(cadre_code: str = CADRE_CODE) -> None:
    from bot.services.privacy import forget as forget_person

    async def work(session, now):
        cadre = await identity.cadre_by_code(session, cadre_code)
        await forget_person(session, cadre, now)
        return cadre

    cadre = _run_db(work)
    typer.echo(_("Telegram link and contact data of {name} ({code}) removed; evaluations are "
                 "kept as the law requires.").format(name=cadre.full_name, code=cadre.code))


@notice_app.command("send", help=_(
    "Queue a text notice from a UTF-8 file; the running bot sends it."))
def notice_send(
    file: Path = typer.Argument(..., metavar=_("FILE"), show_default=False,
                                help=_("The notice's text, a UTF-8 text file.")),
    audience: str = typer.Option("Tất cả", "--audience", help=_(
        "Who receives it, e.g. “Cấp: Xã; Loại: Công chức; Thiếu: BD-SO”.")),
    ack: str = typer.Option("none", "--ack", help=_(
        "none: nothing to answer; nhan: confirm receipt; dangky: register.")),
    at: str = typer.Option("", "--at", help=_("dd/mm/yyyy HH:MM (default: now)")),
) -> None:
    from datetime import datetime

    from bot.services import notices
    from bot.services.imports.cells import CellError
    from bot.services.imports.schemas import parse_applies_to

    settings = operator_settings()
    if not file.exists():
        raise CliError(_("file not found: {path}").format(path=file))
    text = file.read_text(encoding="utf-8-sig").strip()
    if not text or len(text) > 3500:
        raise CliError(_("the notice must have between 1 and 3.500 characters"))
    kinds = {"none": "none", "nhan": "ack", "dangky": "register"}
    if ack not in kinds:
        raise CliError(_("--ack must be none, nhan or dangky"))
    parts, missing = [], None
    for part in audience.split(";"):
        name, _sep, value = part.partition(":")
        if name.strip().lower() in ("thiếu", "thieu"):
            missing = value.strip()
        elif part.strip():
            parts.append(part)
    try:
        filters = parse_applies_to("; ".join(parts))
    except CellError as exc:
        raise CliError(str(exc)) from None
    if missing:
        filters["missing"] = missing
    scheduled = None
    if at:
        try:
            scheduled = datetime.strptime(at.strip(), "%d/%m/%Y %H:%M").replace(tzinfo=settings.tz)
        except ValueError:
            from bot.services.calendar import WorkCalendar

            example = notices.example_time(Clock().now(), settings.tz, WorkCalendar())
            raise CliError(_("--at must look like {example}").format(
                example=f"{fmt_date(example.date())} {example:%H:%M}")) from None

    async def work(session, now):
        unknown = await notices.unknown_codes(session, filters)
        if unknown:
            raise CliError(_("no unit or job position has the code {codes}").format(
                codes=", ".join(unknown)))
        notice = await notices.create(session, author_id=None, text=text,
                                      audience=filters, ack_kind=kinds[ack], attachment_kind=None,
                                      attachment_file_id=None, scheduled_at=scheduled, now=now)
        count = await notices.queue(session, notice, now, now.astimezone(settings.tz).date())
        return notice.id, count

    notice_id, count = _run_db(work)
    typer.echo(_("Notice #{id} queued for {count} people; the running bot sends it.").format(
        id=notice_id, count=fmt_number(count)))


@app.command(help=_("Print (or send) a supervisor's digest or the board's province overview."))
def digest(
    supervisor: str = typer.Option("", "--supervisor", help=_("The evaluator's Mã cán bộ.")),
    board: bool = typer.Option(False, "--board", help=_("The province overview.")),
    period: str = typer.Option("", "--period",
                               help=_("2026-11, 2026-Q4 (default: the latest).")),
    send: bool = typer.Option(False, "--send",
                              help=_("Send it on Telegram instead of printing.")),
) -> None:
    import html
    import re

    from bot.policy import load_policy
    from bot.services import digests, periods
    from bot.services.calendar import WorkCalendar
    from handlers.screens.digest import (  # pure: see the docstring
        board_text,
        digest_keyboard,
        render_digest,
        supervisor_text,
    )

    if bool(supervisor) == board:
        raise CliError(_("Give either --supervisor CODE or --board."))
    settings = operator_settings()
    policy = load_policy(settings.policy_file)

    async def work(session, now):
        today = now.astimezone(settings.tz).date()
        if period:
            kind, year, number = _period_of(period)
            row = await periods.ensure_period(session, kind, year, number,
                                              WorkCalendar(policy.calendar), policy.calendar)
        else:
            row = await digests.digest_period(session, today, WorkCalendar(policy.calendar),
                                              policy.calendar)
        if board:
            return None, row, None, await digests.board_digest(session, row, policy, today)
        person = await identity.cadre_by_code(session, supervisor)
        return person, row, await digests.supervisor_digest(session, person.id, row, policy,
                                                            today), None

    person, row, mine, overview = _run_db(work)
    if not send:
        text = board_text(overview) if board else supervisor_text(mine)
        typer.echo(html.unescape(re.sub(r"<[^>]+>", "", text)))
        return
    if not settings.token:
        raise CliError(_("TELEGRAM_BOT_TOKEN is needed to send."))
    # what the scheduled digest sends (bot/jobs/digests.py): the chart, the text, the buttons
    parts = render_digest(row, mine, overview)
    if not parts:
        raise CliError(_("{name} evaluates no active cadre: there is no digest to send.").format(
            name=person.full_name))
    markup = digest_keyboard(row, board)

    async def deliver_all():
        from telegram import Bot

        from bot.jobs.digests import send_parts

        db = Database(settings.database_url)
        bot = Bot(settings.token, base_url=settings.telegram_api_base_url,
                  base_file_url=settings.telegram_api_file_url)
        try:
            async with db.session() as session:
                if board:
                    chats = await digests.board_chats(session)
                else:
                    chats = [person.telegram_chat_id] if person.telegram_chat_id else []
            async with bot:
                for chat in chats:
                    await send_parts(bot, chat, parts, markup)
            return len(chats)
        finally:
            await db.dispose()

    count = asyncio.run(deliver_all())
    typer.echo(_("Sent to {count} people.").format(count=fmt_number(count)))


@app.command(help=_("Issue a one-time activation code for a cadre, with a t.me deep link."))
def invite(
    cadre_code: str = CADRE_CODE,
    days: int = typer.Option(identity.DEFAULT_INVITE_DAYS, min=1, max=90,
                             help=_("Days valid.")),
) -> None:
    settings = operator_settings()

    async def work(session, now):
        return await identity.issue_invite(session, cadre_code, now=now, days=days)

    code, cadre = _run_db(work)
    typer.echo(_("Activation code for {name} ({code}): {invite}").format(
        name=cadre.full_name, code=cadre.code, invite=code))
    typer.echo(_("Valid for {days} days, one use only.").format(days=days))
    username = settings_bot_username(settings)
    if username:
        typer.echo(f"https://t.me/{username}?start={code}")
    else:
        typer.echo(_("Link: https://t.me/<bot username>?start={invite}").format(invite=code))


def settings_bot_username(settings: Settings) -> str | None:
    """Ask Telegram (getMe) for the bot's username; None when it cannot be reached."""
    if not settings.token:
        return None
    import httpx

    try:
        response = httpx.get(f"{settings.telegram_api_base_url}{settings.token}/getMe", timeout=5)
        return response.json()["result"]["username"]
    except Exception:  # noqa: BLE001 - offline is fine, the code alone still works
        return None


@app.command(help=_("Give a cadre the board or supervisor role."))
def grant(cadre_code: str = CADRE_CODE,
          role: str = typer.Argument(..., metavar=_("ROLE"), show_default=False,
                                     help=_("board or supervisor"))) -> None:
    if role not in (Role.BOARD, Role.SUPERVISOR):
        raise CliError(_("Role must be board or supervisor."))

    async def work(session, now):
        return await identity.grant_role(session, cadre_code, Role(role), now=now)

    cadre, created = _run_db(work)
    if created:
        typer.echo(_("Granted role {role} to {name} ({code}).").format(
            role=role, name=cadre.full_name, code=cadre.code))
    else:
        typer.echo(_("{name} ({code}) already has role {role}.").format(
            role=role, name=cadre.full_name, code=cadre.code))


def _error_line(message: object) -> None:
    """Every error the operator reads: one line, passed through the log's redaction."""
    from bot.logging_setup import redact

    text = " ".join(str(message).split())
    typer.echo(redact(_("Error: {message}").format(message=text)), err=True)


def main() -> None:
    from telegram.error import InvalidToken, NetworkError

    from bot.app import StartupError

    try:
        result = app(standalone_mode=False, prog_name="cadrebot")
        if isinstance(result, int) and result:
            sys.exit(result)
    except (ConfigError, CliError, StartupError) as exc:
        _error_line(exc)
        sys.exit(1)
    except InvalidToken:
        _error_line(_("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (and "
                      "TELEGRAM_API_BASE_URL)."))
        sys.exit(1)
    except NetworkError:
        _error_line(_("Cannot reach the Telegram server: check the network and "
                      "TELEGRAM_API_BASE_URL."))
        sys.exit(1)
    except ImportFailed:
        sys.exit(1)
    except identity.UnknownCadre as exc:
        _error_line(_("no cadre with code {code}").format(code=exc.args[0]))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except usage.NoArgsIsHelpError as exc:  # `cadrebot db` alone: the help of that group
        exc.show()
        sys.exit(exc.exit_code)
    except usage.UsageError as exc:  # a wrongly written command line: one Vietnamese line
        typer.echo(usage_error_line(exc), err=True)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # any other error typer reports itself
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(exc.format_message(), err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        _error_line(exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
