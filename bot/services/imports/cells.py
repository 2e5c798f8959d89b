"""Cell values as offices write them: dates, Có/Không, decimals with a comma, text (NFC)."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

from bot.i18n import _, fmt_number, fold_text
from bot.services.numbers import AmbiguousNumber, NotANumber, parse_number


class CellError(ValueError):
    """A Vietnamese explanation of why a cell is not acceptable."""


def shown(value, limit: int = 40) -> str:
    """A cell's value as a message quotes it: never more than `limit` characters; a number
    written the Vietnamese way (12,5)."""
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        return fmt_figure_exact(value)
    raw = text(value)
    return raw if len(raw) <= limit else raw[:limit] + "…"


def text(value) -> str:
    """Trimmed, Unicode NFC, inner whitespace kept exactly (names are kept as written)."""
    if value is None:
        return ""
    reason = getattr(value, "reason", None)  # a cell the reader refused (imports.reading)
    if reason is not None:
        raise CellError(reason)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def fold(value) -> str:
    """For matching headers and vocabulary: no case, no diacritics, single spaces."""
    return fold_text(text(value))


DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


# Excel counts days from 30/12/1899; a number cell in a date column is a date whose cell
# format the reader did not recognise as one. Only serials of 1920–2100 are taken: a bare
# year (1990) or 19900305 is refused rather than read as a day of 1905 or of the year 56000.
EXCEL_EPOCH = date(1899, 12, 30)
FIRST_SERIAL = (date(1920, 1, 1) - EXCEL_EPOCH).days
LAST_SERIAL = (date(2100, 12, 31) - EXCEL_EPOCH).days


def parse_date(value) -> date | None:
    """An Excel date (a date cell, or its day number) or text as dd/mm/yyyy (SPEC §8)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and FIRST_SERIAL <= value <= LAST_SERIAL:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("“{value}” is not a date (write dd/mm/yyyy)").format(
            value=shown(value)))
    raw = text(value)
    if not raw:
        return None
    match = DATE_RE.match(raw)
    if match:
        day, month, year = (int(x) for x in match.groups())
    elif (match := ISO_RE.match(raw)) is not None:
        year, month, day = (int(x) for x in match.groups())
    else:
        raise CellError(_("“{value}” is not a date (write dd/mm/yyyy)").format(value=shown(raw)))
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("the date {value} does not exist").format(value=raw)) from None


YES = {"co", "x", "yes", "y", "1", "true", "dung"}
NO = {"khong", "", "no", "n", "0", "false", "sai", "-"}


def parse_flag(value) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raw = fold(str(value))
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(_("“{value}” is not Có/Không").format(value=shown(value)))


def parse_decimal(value) -> float | None:
    """A number cell. A number Excel stored is taken as it is; text is read by the one parser
    the chat uses (bot.services.numbers.parse_number), with the same rules: "1.250" is one
    thousand two hundred and fifty, "12,5" and "12.5" are twelve and a half, and "1,250" —
    1,25 in Vietnamese, 1250 in English — is a row problem, never a guess."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("“{value}” is not a number").format(value=value))
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise CellError(_("“{value}” is not a number").format(value=value))
        return float(value)
    raw = text(value)
    if not raw:
        return None
    try:
        return parse_number(raw)
    except AmbiguousNumber as exc:
        small, large = exc.readings
        raise CellError(_("“{value}” could be read as {small} or as {large}; write {small} or "
                          "{plain}").format(value=shown(raw), small=fmt_figure_exact(small),
                                            large=fmt_number(large), plain=f"{large:.0f}")) \
            from None
    except NotANumber:
        raise CellError(_("“{value}” is not a number").format(value=shown(value))) from None


def fmt_figure_exact(value: float) -> str:
    """1.25 -> '1,25' (as many decimals as it has, up to 3)."""
    return fmt_number(value, 3).rstrip("0").rstrip(",")


def choice(value, options: dict[str, str], what: str, labels: str):
    """Map a cell to one of `options` (folded label -> stored value); `labels` lists the
    accepted words as people write them."""
    raw = fold(value)
    if raw in options:
        return options[raw]
    raise CellError(_("“{value}” is not a valid {what} ({labels})").format(
        value=shown(value), what=what, labels=labels))
