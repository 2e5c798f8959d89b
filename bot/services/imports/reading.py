"""Rows out of .xlsx (first sheet or a named one) and .csv (UTF-8 ± BOM, `,` or `;`)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from bot.i18n import _
from bot.services.imports.cells import fold, text


class FileProblem(Exception):
    """The file as a whole cannot be read (one clear line)."""


# Limits that fit a real 50,000-row roster many times over (its sheet is ~40 MB of XML,
# compressed ~10:1) and stop a "zip bomb" within seconds, before anything is parsed.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 150  # uncompressed ÷ compressed, for a member over 1 MB
MAX_MEMBERS = 2000
MAX_CELL_CHARS = 128 * 1024
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadCell:
    """A cell refused before any column rule reads it (cells.text raises its message)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def checked_cell(value):
    """Text cells as an office writes them, or a BadCell: never a megabyte of text, a
    control character (they break every export later), or a formula's text."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_CELL_CHARS:
        return BadCell(_("the cell is too long (more than 128 KB)"))
    if CONTROL_CHARACTERS.search(value):
        return BadCell(_("the cell contains control characters; type the text again"))
    if value.lstrip().startswith("="):
        return BadCell(_("the cell holds a formula (it starts with “=”); write the value itself"))
    return value


def check_xlsx(path: Path) -> None:
    """Refuse an .xlsx whose members would expand too far, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(_("the file is not a valid Excel (.xlsx) file")) from None
    total = sum(m.file_size for m in members)
    bomb = len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED_BYTES or any(
        m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
        for m in members)
    if bomb:
        raise FileProblem(_("the Excel file expands to far more data than a list of this kind "
                            "holds; it is refused (save the list again as a new .xlsx file)"))


@dataclass
class Column:
    key: str
    header: str  # the Vietnamese header as in SPEC §8
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class Table:
    columns: dict[str, int]  # key -> position in the row
    headers: dict[str, str]  # key -> header as written in the file
    unknown: list[str]
    rows: Iterator[tuple[int, dict]]  # (spreadsheet row number, key -> raw value)
    total: int | None = None
    extra: dict = field(default_factory=dict)


def _raw_rows(path: Path, sheet: str | None) -> tuple[Iterator[tuple], int | None]:
    suffix = path.suffix.lower()
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(_("the file is larger than 100 MB"))
    if suffix in (".xlsx", ".xlsm"):
        check_xlsx(path)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise FileProblem(_("cannot read the Excel file: {error}").format(
                error=str(exc)[:200])) from None
        if sheet is not None and sheet not in workbook.sheetnames:
            raise FileProblem(_("the file has no sheet named “{sheet}” (it has: {names})").format(
                sheet=sheet, names=", ".join(workbook.sheetnames)))
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        return worksheet.iter_rows(values_only=True), worksheet.max_row
    if suffix == ".csv":
        try:
            content = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileProblem(_("the CSV file is not UTF-8; save it as “CSV UTF-8”")) from None
        first = content.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        # the default limit (128 KB) would stop the whole file; a giant cell is refused by
        # checked_cell with its row and column instead
        csv.field_size_limit(MAX_FILE_BYTES)
        rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
        return iter(rows), len(rows)
    raise FileProblem(_("unsupported file type {suffix}: use .xlsx or .csv").format(suffix=suffix))


def read_table(path: Path, columns: list[Column], sheet: str | None = None) -> Table:
    if not path.exists():
        raise FileProblem(_("file not found: {path}").format(path=path))
    raw, total = _raw_rows(path, sheet)
    header_row = next(raw, None)
    if header_row is None:
        raise FileProblem(_("the file is empty"))
    wanted = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            wanted[fold(name)] = column.key
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown = []
    for index, cell in enumerate(header_row):
        cell = checked_cell(cell)
        name = "" if isinstance(cell, BadCell) else text(cell)[:200]
        if not name:
            continue
        key = wanted.get(fold(name))
        if key is None:
            unknown.append(name)
        elif key not in positions:
            positions[key] = index
            headers[key] = name
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise FileProblem(_("missing required columns: {names}").format(
            names=", ".join(f"“{m}”" for m in missing)))
    for column in columns:
        headers.setdefault(column.key, column.header)

    keys = [c.key for c in columns]  # optional columns missing from the file read as empty

    def rows() -> Iterator[tuple[int, dict]]:
        for number, row in enumerate(raw, start=2):
            values = {key: checked_cell(row[i] if i < len(row) else None)
                      for key, i in positions.items()}
            if all(v is None or (not isinstance(v, BadCell) and text(v) == "")
                   for v in values.values()):
                continue  # blank line
            yield number, {key: values.get(key) for key in keys}

    return Table(positions, headers, unknown, rows(), total - 1 if total else None)
