"""`cadrebot import units|catalogue|roster|training FILE` with progress and a summary."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from bot.cli_common import CliError, operator_settings
from bot.cli_help import Typer
from bot.clock import Clock
from bot.i18n import _, fmt_number
from bot.services.imports.apply import IMPORTERS, Report
from bot.services.imports.feedback import IMPORTERS as FEEDBACK_IMPORTERS
from bot.services.imports.reading import FileProblem, count_rows

ALL_IMPORTERS = {**IMPORTERS, **FEEDBACK_IMPORTERS}
import_app = Typer(no_args_is_help=True,
                   help=_("Import units, the catalogue, the roster, training requirements, past "
                          "ratings, satisfaction rates and feedback records from .xlsx, .xls, "
                          ".ods or .csv files."))
console = Console(highlight=False)


class ImportFailed(Exception):
    """Rows were rejected (already printed): exit code 1."""


class RowsColumn(ProgressColumn):
    """“1.498/50.000 dòng”: rich's MofNCompleteColumn writes numbers the English way."""

    def render(self, task) -> Text:
        done = fmt_number(int(task.completed))
        if task.total is None:
            return Text(_("{done} rows").format(done=done))
        return Text(_("{done}/{total} rows").format(done=done, total=fmt_number(int(task.total))))


def _progress() -> Progress:
    """The file's name, a bar, rows read of the file's rows, and the time still to go."""
    return Progress(TextColumn("{task.description}"), BarColumn(), RowsColumn(),
                    TextColumn(_("remaining")), TimeRemainingColumn(), console=console,
                    transient=True, disable=not console.is_terminal)


def _run(kind: str, path: Path, sheet: str | None, dry_run: bool, skip_invalid: bool,
         **extra) -> Report:
    from bot.db import Database
    from bot.migrate import upgrade

    settings = operator_settings()
    upgrade(settings.database_url)

    async def main() -> Report:
        db = Database(settings.database_url)
        try:
            with _progress() as progress:
                # counted first so the bar has an end and an estimate (calamine reads a
                # 50,000-row sheet in about a second); only when someone watches it
                total = count_rows(path, sheet) if not progress.disable else None
                task = progress.add_task(_("Reading {name}").format(name=path.name), total=total)
                async with db.session() as session:
                    report = await ALL_IMPORTERS[kind](
                        session, path, now=Clock().now(), sheet=sheet, dry_run=dry_run,
                        skip_invalid=skip_invalid,
                        progress=lambda n: progress.advance(task, n), **extra)
                    if report.problems and not skip_invalid:
                        await session.rollback()
                return report
        finally:
            await db.dispose()

    try:
        report = asyncio.run(main())
    except FileProblem as exc:
        raise CliError(str(exc)) from None
    _print(report, dry_run)
    if report.problems and not skip_invalid:
        raise ImportFailed
    return report


def _print(report: Report, dry_run: bool) -> None:
    for warning in report.warnings:
        console.print("⚠️ " + warning)
    for problem in report.problems:
        console.print("❌ " + str(problem))
    if report.problems and not report.written and not dry_run:
        console.print(_("Nothing was imported: {count} rows have problems. Correct them, or use "
                        "--skip-invalid to import the valid rows.").format(
            count=fmt_number(report.rejected)))
        return
    if dry_run:
        for line in report.changes:
            console.print("  " + line)
        console.print(_("Dry run: nothing was written."))
    nothing = not (report.created or report.updated or report.deactivated)
    console.print(_("Created {created} · updated {updated} · unchanged {unchanged} · "
                    "deactivated {deactivated} · rejected {rejected}").format(
        created=fmt_number(report.created), updated=fmt_number(report.updated),
        unchanged=fmt_number(report.unchanged), deactivated=fmt_number(report.deactivated),
        rejected=fmt_number(report.rejected)))
    if nothing and not report.problems:
        console.print(_("Everything is already up to date: nothing changed."))


SHEET = typer.Option(None, "--sheet", help=_("Sheet name (default: the first sheet)."))
DRY = typer.Option(False, "--dry-run", help=_("Show what would change; write nothing."))
SKIP = typer.Option(False, "--skip-invalid", help=_("Import the valid rows, list the others."))
FILE = typer.Argument(..., metavar=_("FILE"), help=_("The .xlsx, .xls, .ods or .csv file."),
                      show_default=False)


@import_app.command("units", help=_(
    "Units: Mã đơn vị · Tên đơn vị · Đơn vị cấp trên · Cấp · Khối · Kỳ đánh giá."))
def units(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
          skip_invalid: bool = SKIP):
    _run("units", file, sheet, dry_run, skip_invalid)


@import_app.command("catalogue", help=_(
    "Work-product catalogue, one row per product type; positions are created from it."))
def catalogue(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
              skip_invalid: bool = SKIP):
    _run("catalogue", file, sheet, dry_run, skip_invalid)


@import_app.command("roster", help=_(
    "Roster of cadres; a full file deactivates those missing from it."))
def roster(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
           skip_invalid: bool = SKIP,
           partial: bool = typer.Option(False, "--partial", help=_(
               "Only add/update; do not deactivate the missing."))):
    _run("roster", file, sheet, dry_run, skip_invalid, partial=partial)


@import_app.command("training", help=_("Training requirements (see the README for the columns)."))
def training(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
             skip_invalid: bool = SKIP):
    _run("training", file, sheet, dry_run, skip_invalid)


@import_app.command("ratings", help=_(
    "Past annual ratings: Mã cán bộ · Năm · Xếp loại · Điểm (for the two-year rules)."))
def ratings(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
            skip_invalid: bool = SKIP):
    _run("ratings", file, sheet, dry_run, skip_invalid)


@import_app.command("agency-ratings", help=_(
    "Each agency's own annual rating: Mã đơn vị · Năm · Xếp loại · Điểm."))
def agency_ratings(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
                   skip_invalid: bool = SKIP):
    _run("agency_ratings", file, sheet, dry_run, skip_invalid)


@import_app.command("satisfaction", help=_(
    "Satisfaction rates into a rate product of the catalogue: Mã đơn vị or Mã cán bộ · Kỳ · "
    "Mã sản phẩm · Tỷ lệ (%) · Nguồn. A unit's row goes to each of its cadres with that "
    "product; the figure is final (the cadre cannot change it)."))
def satisfaction(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
                 skip_invalid: bool = SKIP):
    _run("satisfaction", file, sheet, dry_run, skip_invalid)


@import_app.command("feedback", help=_(
    "Feedback records about a cadre or a unit: Mã phản ánh · Mã đơn vị or Mã cán bộ · Ngày "
    "tiếp nhận · Nguồn · Nội dung · Kết quả xử lý (evaluators see them when reviewing)."))
def feedback(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
             skip_invalid: bool = SKIP):
    _run("feedback", file, sheet, dry_run, skip_invalid)


@import_app.command("tasks", help=_(
    "Assigned tasks: Mã việc · Mã cán bộ or Mã đơn vị · Tên công việc · Mã sản phẩm · Số lượng "
    "· Kết quả cần đạt · Người nghiệm thu · Hạn hoàn thành."))
def tasks(file: Path = FILE, sheet: str | None = SHEET, dry_run: bool = DRY,
          skip_invalid: bool = SKIP):
    from bot.policy import load_policy
    from bot.services.calendar import WorkCalendar
    from bot.services.kpi import KpiService

    settings = operator_settings()
    policy = load_policy(settings.policy_file)
    today = Clock().now().astimezone(settings.tz).date()
    _run("tasks", file, sheet, dry_run, skip_invalid,
         kpi=KpiService(policy, WorkCalendar(policy.calendar)), today=today)
