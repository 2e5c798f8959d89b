"""`cadrebot import units|catalogue|roster|training FILE` with progress and a summary."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli_common import CliError, operator_settings
from bot.clock import Clock
from bot.i18n import _
from bot.services.imports.apply import IMPORTERS, Report
from bot.services.imports.reading import FileProblem

import_app = typer.Typer(no_args_is_help=True, help="Import units, catalogue, roster, training.")
console = Console(highlight=False)


class ImportFailed(Exception):
    """Rows were rejected (already printed): exit code 1."""


def _run(kind: str, path: Path, sheet: str | None, dry_run: bool, skip_invalid: bool,
         **extra) -> Report:
    from bot.db import Database
    from bot.migrate import upgrade

    settings = operator_settings()
    upgrade(settings.database_url)

    async def main() -> Report:
        db = Database(settings.database_url)
        try:
            with Progress(TextColumn(_("Reading {name}").format(name=path.name)), BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                          transient=True, disable=not console.is_terminal) as progress:
                task = progress.add_task("rows", total=None)
                async with db.session() as session:
                    report = await IMPORTERS[kind](
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
                        "--skip-invalid to import the valid rows.").format(count=report.rejected))
        return
    if dry_run:
        for line in report.changes:
            console.print("  " + line)
        console.print(_("Dry run: nothing was written."))
    nothing = not (report.created or report.updated or report.deactivated)
    console.print(_("Created {created} · updated {updated} · unchanged {unchanged} · "
                    "deactivated {deactivated} · rejected {rejected}").format(
        created=report.created, updated=report.updated, unchanged=report.unchanged,
        deactivated=report.deactivated, rejected=report.rejected))
    if nothing and not report.problems:
        console.print(_("Everything is already up to date: nothing changed."))


SHEET = typer.Option(None, "--sheet", help="Sheet name (default: the first sheet).")
DRY = typer.Option(False, "--dry-run", help="Show what would change; write nothing.")
SKIP = typer.Option(False, "--skip-invalid", help="Import the valid rows, list the others.")


@import_app.command("units")
def units(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY, skip_invalid: bool = SKIP):
    """Units: Mã đơn vị · Tên đơn vị · Đơn vị cấp trên · Cấp · Khối · Kỳ đánh giá."""
    _run("units", file, sheet, dry_run, skip_invalid)


@import_app.command("catalogue")
def catalogue(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY,
              skip_invalid: bool = SKIP):
    """Work-product catalogue, one row per product type; positions are created from it."""
    _run("catalogue", file, sheet, dry_run, skip_invalid)


@import_app.command("roster")
def roster(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY, skip_invalid: bool = SKIP,
           partial: bool = typer.Option(False, "--partial",
                                        help="Only add/update; do not deactivate the missing.")):
    """Roster of cadres; a full file deactivates those missing from it."""
    _run("roster", file, sheet, dry_run, skip_invalid, partial=partial)


@import_app.command("training")
def training(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY,
             skip_invalid: bool = SKIP):
    """Training requirements (see the README for the columns)."""
    _run("training", file, sheet, dry_run, skip_invalid)


@import_app.command("ratings")
def ratings(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY,
            skip_invalid: bool = SKIP):
    """Past annual ratings: Mã cán bộ · Năm · Xếp loại · Điểm (for the two-year rules)."""
    _run("ratings", file, sheet, dry_run, skip_invalid)


@import_app.command("agency-ratings")
def agency_ratings(file: Path, sheet: str | None = SHEET, dry_run: bool = DRY,
                   skip_invalid: bool = SKIP):
    """Each agency's own annual rating: Mã đơn vị · Năm · Xếp loại · Điểm."""
    _run("agency_ratings", file, sheet, dry_run, skip_invalid)
