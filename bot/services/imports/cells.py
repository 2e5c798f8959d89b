"""Cell values as offices write them: dates, Có/Không, decimals with a comma, text (NFC)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from bot.i18n import _, fold_text


class CellError(ValueError):
    """A Vietnamese explanation of why a cell is not acceptable."""


def shown(value, limit: int = 40) -> str:
    """A cell's value as a message quotes it: never more than `limit` characters."""
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


def parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
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
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("“{value}” is not a number").format(value=value))
    if isinstance(value, int | float):
        return float(value)
    raw = text(value).replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    elif raw.count(",") == 1 and raw.count(".") >= 1 and raw.rfind(",") > raw.rfind("."):
        raw = raw.replace(".", "").replace(",", ".")  # 1.234,5
    elif raw.count(",") >= 1 and raw.count(".") <= 1:
        raw = raw.replace(",", "")  # 1,234.5
    try:
        return float(raw)
    except ValueError:
        raise CellError(_("“{value}” is not a number").format(value=shown(value))) from None


def choice(value, options: dict[str, str], what: str, labels: str):
    """Map a cell to one of `options` (folded label -> stored value); `labels` lists the
    accepted words as people write them."""
    raw = fold(value)
    if raw in options:
        return options[raw]
    raise CellError(_("“{value}” is not a valid {what} ({labels})").format(
        value=shown(value), what=what, labels=labels))
