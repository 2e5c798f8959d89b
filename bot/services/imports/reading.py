"""Rows out of .xlsx (first sheet or a named one) and .csv (UTF-8 ± BOM, `,` or `;`, CRLF or
LF), keyed by column, with the row numbers the spreadsheet shows (header = row 1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from bot.i18n import _
from bot.services.imports.cells import fold, text

# Offices often put a title ("DANH SÁCH CÁN BỘ…") and a blank line above the header.
HEADER_SEARCH_ROWS = 10


class FileProblem(Exception):
    """The file as a whole cannot be read (one clear line)."""


@dataclass
class Column:
    key: str
    header: str  # the Vietnamese header as in SPEC §8
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class Table:
    columns: dict[str, int]  # key -> position in the row, for the columns the file has
    headers: dict[str, str]  # key -> header as written in the file (or the standard one)
    unknown: list[str]
    rows: Iterator[tuple[int, dict]]  # (spreadsheet row number, key -> raw value)
    total: int | None = None  # data rows, when the file says (xlsx dimension, csv)
    duplicated: list[str] = field(default_factory=list)  # headers seen twice: the first is used

    def has(self, key: str) -> bool:
        return key in self.columns


def _raw_rows(path: Path, sheet: str | None) -> tuple[Iterator[tuple], int | None]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise FileProblem(_("cannot read the Excel file: {error}").format(error=exc)) from None
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(workbook.sheetnames)
            workbook.close()
            raise FileProblem(_("the file has no sheet named “{sheet}” (it has: {names})").format(
                sheet=sheet, names=names))
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]

        def stream() -> Iterator[tuple]:
            try:
                yield from worksheet.iter_rows(values_only=True)
            finally:
                workbook.close()  # read-only workbooks keep the file open until closed

        return stream(), worksheet.max_row
    if suffix == ".csv":
        try:
            content = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileProblem(_("the CSV file is not UTF-8; save it as “CSV UTF-8”")) from None
        first = content.lstrip("\r\n").split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
        return iter(rows), len(rows)
    raise FileProblem(_("unsupported file type {suffix}: use .xlsx or .csv").format(
        suffix=suffix or path.name))


def _match(row: tuple, wanted: dict[str, str]) -> tuple[dict[str, int], dict[str, str],
                                                        list[str], list[str]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown, duplicated = [], []
    for index, cell in enumerate(row):
        name = text(cell)
        if not name:
            continue
        key = wanted.get(fold(name))
        if key is None:
            unknown.append(name)
        elif key in positions:
            duplicated.append(name)
        else:
            positions[key] = index
            headers[key] = name
    return positions, headers, unknown, duplicated


def read_table(path: Path, columns: list[Column], sheet: str | None = None) -> Table:
    """The header is the first row, or the first of the top rows that has every required
    column. Header matching ignores case, diacritics and extra spaces."""
    if not path.exists():
        raise FileProblem(_("file not found: {path}").format(path=path))
    raw, total = _raw_rows(path, sheet)
    wanted = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            wanted[fold(name)] = column.key
    required = [c for c in columns if c.required]
    header = None  # (row number, match) of the header row
    best = None  # the most header-like row, to say what is missing
    for number, row in enumerate(raw, start=1):
        match = _match(row, wanted)
        if all(c.key in match[0] for c in required):
            header = (number, match)
            break
        if best is None or len(match[0]) > len(best[0]):
            best = match
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if best is None:
            raise FileProblem(_("the file is empty"))
        missing = [c.header for c in required if c.key not in best[0]]
        raise FileProblem(_("missing required columns: {names}").format(
            names=", ".join(f"“{m}”" for m in missing)))
    header_number, (positions, headers, unknown, duplicated) = header
    for column in columns:
        headers.setdefault(column.key, column.header)
    keys = [c.key for c in columns]  # optional columns missing from the file read as empty

    def rows() -> Iterator[tuple[int, dict]]:
        for number, row in enumerate(raw, start=header_number + 1):
            values = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
            if all(v is None or text(v) == "" for v in values.values()):
                continue  # blank line
            yield number, {key: values.get(key) for key in keys}

    data_rows = total - header_number if total else None
    return Table(positions, headers, unknown, rows(), data_rows, duplicated)
