"""Rows out of spreadsheets (.xlsx, .xlsm, legacy .xls, .ods: first sheet or a named one)
and .csv (UTF-8 ± BOM, `,` or `;`).

Spreadsheets are read with python-calamine (Rust): 12–13× faster than openpyxl's
read-only mode on a 50,000-row roster, and it reads the .xls files offices still send
(bench/RESULTS.md §4). openpyxl stays for writing (exports, templates)."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from bot.i18n import _
from bot.services.imports.cells import fold, text

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
ZIPPED = (".xlsx", ".xlsm", ".ods")  # archives: checked for a "zip bomb" before reading


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


def not_a_spreadsheet(suffix: str) -> str:
    """One sentence for a file that says it is a spreadsheet and is not (a renamed PDF, a
    damaged download): never the reader's own English text."""
    return _("the file is not a valid {suffix} file; open it in Excel and save it again").format(
        suffix=suffix)


def check_archive(path: Path) -> None:
    """Refuse an .xlsx/.ods whose members would expand too far, before anything parses it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(not_a_spreadsheet(path.suffix.lower())) from None
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


@dataclass
class RawRows:
    rows: Iterator  # each row a sequence of cell values, from the file's first row
    total: int  # rows in the file, the header included


def _spreadsheet_rows(path: Path, sheet: str | None) -> RawRows:
    suffix = path.suffix.lower()
    if suffix in ZIPPED:
        check_archive(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - calamine's errors are English and technical
        raise FileProblem(not_a_spreadsheet(suffix)) from None
    try:
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise FileProblem(_("the file has no sheet named “{sheet}” (it has: {names})").format(
                sheet=sheet, names=", ".join(names)))
        if not names:
            raise FileProblem(_("the file is empty"))
        data = workbook.get_sheet_by_name(sheet if sheet is not None else names[0])
    except FileProblem:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet inside a valid archive
        raise FileProblem(not_a_spreadsheet(suffix)) from None
    finally:
        workbook.close()
    # the grid from A1, so a row's index is its number in Excel even when the list starts
    # lower down or further right
    rows = data.to_python(skip_empty_area=False)
    return RawRows(iter(rows), len(rows))


def _csv_rows(path: Path) -> RawRows:
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("the CSV file is not UTF-8; save it as “CSV UTF-8”")) from None
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # the default limit (128 KB) would stop the whole file; a giant cell is refused by
    # checked_cell with its row and column instead
    csv.field_size_limit(MAX_FILE_BYTES)
    try:
        rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error:
        raise FileProblem(_("the CSV file cannot be read (a quotation mark is not closed?); "
                            "save it again as “CSV UTF-8”")) from None
    return RawRows(iter(rows), len(rows))


def _raw_rows(path: Path, sheet: str | None) -> RawRows:
    if not path.exists():
        raise FileProblem(_("file not found: {path}").format(path=path))
    suffix = path.suffix.lower()
    if suffix not in (*SPREADSHEETS, ".csv"):
        raise FileProblem(_("unsupported file type {suffix}: use .xlsx, .xls, .ods or .csv")
                          .format(suffix=suffix))
    if not path.is_file() or not os.access(path, os.R_OK):
        raise FileProblem(_("cannot open {path}: it is a folder, or this account may not read "
                            "it").format(path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(_("the file is larger than 100 MB"))
    return _csv_rows(path) if suffix == ".csv" else _spreadsheet_rows(path, sheet)


def count_rows(path: Path, sheet: str | None = None) -> int | None:
    """The number of data rows (below the header) for a progress bar's total, blank lines
    included; None when the file cannot be read (the import then says why)."""
    try:
        total = _raw_rows(path, sheet).total
    except FileProblem:
        return None
    return max(total - 1, 0)


def read_table(path: Path, columns: list[Column], sheet: str | None = None) -> Table:
    source = _raw_rows(path, sheet)
    raw = source.rows
    header_number, header_row = 0, None
    while header_row is None:  # blank rows above the header are skipped
        header_row = next(raw, None)
        header_number += 1
        if header_row is None:
            raise FileProblem(_("the file is empty"))
        if not any(cell is not None and str(cell).strip() for cell in header_row):
            header_row = None
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
        for number, row in enumerate(raw, start=header_number + 1):
            values = {key: checked_cell(row[i] if i < len(row) else None)
                      for key, i in positions.items()}
            if all(v is None or (not isinstance(v, BadCell) and text(v) == "")
                   for v in values.values()):
                continue  # blank line
            yield number, {key: values.get(key) for key in keys}

    return Table(positions, headers, unknown, rows(), source.total - header_number)
