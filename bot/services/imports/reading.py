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
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from bot.i18n import _, fmt_number
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
    """Refuse an .xlsx/.ods whose members would expand too far, or whose cells span a grid
    too large to hold, before anything parses it."""
    suffix = path.suffix.lower()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            bomb = len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED_BYTES or any(
                m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
                for m in members)
            if bomb:
                raise FileProblem(_(
                    "the Excel file expands to far more data than a list of this kind holds; "
                    "it is refused (save the list again as a new .xlsx file)"))
            for member in members:
                if suffix == ".ods" and member.filename == "content.xml":
                    _refuse_too_large(*_ods_extent(archive, member))
                elif suffix != ".ods" and _SHEET_PART.fullmatch(member.filename):
                    _refuse_too_large(*_xlsx_extent(archive, member))
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError, ValueError):
        raise FileProblem(not_a_spreadsheet(suffix)) from None


# calamine holds a sheet as a dense grid from its first to its last cell: one cell at XFD1048576
# in a 5 KB file would ask for 500 GB and abort the process (not an exception). So the grid
# a sheet spans is measured first, from the cells' positions, without building anything.
MAX_CELLS = 5_000_000  # a 50,000-row roster spans 900,000
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb"\br=\"([A-Z]*)(\d*)\"")
_CELL_ROW = re.compile(rb"<c r=\"[A-Z]{1,3}(\d{1,7})\"")
_CELL_COLUMN = re.compile(rb"<c r=\"([A-Z]{1,3})\d")


def _refuse_too_large(rows: int, columns: int) -> None:
    if rows * columns > MAX_CELLS:
        raise FileProblem(_("the sheet spans {rows} rows and {columns} columns, far more than a "
                            "list of this kind holds; it is refused (copy the list into a new "
                            "file)").format(rows=fmt_number(rows), columns=fmt_number(columns)))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xml_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's XML in pieces of about 1 MB, each ending before a tag."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"<")
            data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            yield data
    if tail:
        yield tail


def _xlsx_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) of the cells in a worksheet part. Excel, LibreOffice and
    openpyxl write every cell as `<c r="B7" …>`: then it is the largest row number and the
    largest column letters, found by the regular expression engine alone (≈ 1 s for 900,000
    cells on a busy machine); any other writing (a prefix, a cell without its place) is walked
    tag by tag."""
    last_row = last_column = 0
    for data in _xml_chunks(archive, member):
        rows = _CELL_ROW.findall(data)
        written_alike = len(rows) == data.count(b"<c ") and not any(
            data.count(other) for other in (b"<c>", b"<c/>", b":c"))
        if not written_alike:
            return _xlsx_extent_walked(archive, member)
        columns = set(_CELL_COLUMN.findall(data))
        last_row = max(last_row, max(map(int, rows), default=0))
        last_column = max(last_column, max(map(_column_number, columns), default=0))
    return last_row, last_column


def _xlsx_extent_walked(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """The same, for cells placed by their order: a row's `r` or the next row, a cell's `r`
    or the next column."""
    last_row = last_column = row = column = 0
    for data in _xml_chunks(archive, member):
        for tag in _TAG.finditer(data):
            ref = _REF.search(tag.group(2))
            if tag.group(1) == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                column = 0
                continue
            column = _column_number(ref.group(1)) if ref and ref.group(1) else column + 1
            cell_row = int(ref.group(2)) if ref and ref.group(2) else row
            last_row, last_column = max(last_row, cell_row), max(last_column, column)
    return last_row, last_column


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) holding a value in any sheet of an .ods, counting the rows and
    cells a file says are repeated (LibreOffice ends every sheet with a million empty ones,
    which hold nothing and do not count)."""
    last_row = last_column = row = column = 0
    row_extent = 0
    with archive.open(member) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _ODS_TABLE + "table":
                    row = 0
                elif tag == _ODS_TABLE + "table-row":
                    column, row_extent = 0, 0
                continue
            if tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
                repeat = int(element.get(_ODS_TABLE + "number-columns-repeated", "1"))
                if element.get(_ODS_OFFICE + "value-type") or len(element):
                    row_extent = column + repeat
                column += repeat
                element.clear()
            elif tag == _ODS_TABLE + "table-row":
                repeat = int(element.get(_ODS_TABLE + "number-rows-repeated", "1"))
                if row_extent:
                    last_row = max(last_row, row + repeat)
                    last_column = max(last_column, row_extent)
                row += repeat
                element.clear()
    return last_row, last_column


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
        if suffix not in ZIPPED:  # .xls: measured once read (at most 65,536 × 256 cells)
            _refuse_too_large(data.height, data.width)
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
