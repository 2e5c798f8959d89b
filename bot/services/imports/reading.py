"""Rows out of .xlsx (first sheet or a named one) and .csv (UTF-8 ± BOM, `,` or `;`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from bot.i18n import _
from bot.services.imports.cells import fold, text


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
    columns: dict[str, int]  # key -> position in the row
    headers: dict[str, str]  # key -> header as written in the file
    unknown: list[str]
    rows: Iterator[tuple[int, dict]]  # (spreadsheet row number, key -> raw value)
    total: int | None = None
    extra: dict = field(default_factory=dict)


def _raw_rows(path: Path, sheet: str | None) -> tuple[Iterator[tuple], int | None]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise FileProblem(_("cannot read the Excel file: {error}").format(error=exc)) from None
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
        name = text(cell)
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
            values = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
            if all(v is None or text(v) == "" for v in values.values()):
                continue  # blank line
            yield number, {key: values.get(key) for key in keys}

    return Table(positions, headers, unknown, rows(), total - 1 if total else None)
