"""Gettext for the Vietnamese catalog, plus vi_VN number/date formatting (Babel).

The catalog is compiled from `locales/vi/LC_MESSAGES/messages.po` when the
compiled `.mo` is missing or older than the `.po`, and loaded once.
"""

from __future__ import annotations

import gettext
import io
import re
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern

from bot.resources import data_dir

LOCALE = "vi_VN"
# parsed once: Babel parses a locale given by name on every number it formats (twice: the
# pattern and the grouping mark), a third of the cost of a score on 📊 Kết quả
_BABEL_LOCALE = Locale.parse(LOCALE)
LOCALES_DIR = data_dir("locales")
PO_PATH = LOCALES_DIR / "vi" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def compile_catalog(po_path: Path = PO_PATH, mo_path: Path = MO_PATH) -> bytes:
    """Return the compiled catalog, rebuilding the `.mo` file if it is stale."""
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path.read_bytes()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    try:
        mo_path.write_bytes(data)
    except OSError:  # read-only install: the in-memory copy is enough
        pass
    return data


@lru_cache(maxsize=1)
def translations() -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(compile_catalog()))


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction where it must be translated later, at use time."""
    return message


@cache
def _number_pattern(decimals: int) -> NumberPattern:
    # parsed once: babel.numbers.format_decimal parses the pattern text on every call, a
    # third of its cost, and every screen formats a dozen numbers
    return parse_pattern("#,##0." + "0" * decimals if decimals else "#,##0")


def fmt_number(value: float | int, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (Vietnamese grouping and decimal marks)."""
    return _formatted(value + 0 if value == 0 else value, decimals)  # -0.0 reads as 0


@lru_cache(maxsize=4096)
def _formatted(value: float | int, decimals: int) -> str:
    # Every screen formats a dozen figures and scores, mostly the same ones again (a person
    # opens 📊 Kết quả twice, a team's sheets share their targets): Babel's formatting is
    # the larger part of drawing a screen. Equal values (1 == 1.0) format alike, so they
    # may share an entry.
    return _number_pattern(decimals).apply(value, _BABEL_LOCALE)


def fmt_figure(value: float | int | None) -> str:
    """A reported figure or a number of points: whole numbers without decimals, others with
    one ('125', '12,5'); '—' when there is none."""
    if value is None:
        return "—"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def fmt_score(value: float) -> str:
    """Scores are shown with one decimal, truncated, never rounded up: 89.965 -> '89,9', so a
    score never reads as the band above it (SPEC §4.5)."""
    from bot.services.numbers import shown_score

    return fmt_number(shown_score(value), 1)


@cache
def _percent_pattern(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else "") + "%")


def fmt_percent(ratio: float, decimals: int = 0) -> str:
    """0.125 -> '13%' (decimals=1: '12,5%'); what babel.numbers.format_percent gives."""
    return _formatted_percent(ratio + 0 if ratio == 0 else ratio, decimals)


@lru_cache(maxsize=1024)
def _formatted_percent(ratio: float, decimals: int) -> str:
    return _percent_pattern(decimals).apply(ratio, _BABEL_LOCALE)


def fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def fmt_local_date(value: datetime, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The day a stored (UTC) moment fell on in the province: 23:30 on 01/12 in Hanoi is
    stored as 16:30 UTC, 00:30 on 02/12 as 17:30 UTC on 01/12."""
    return fmt_date(value.astimezone(tz).date())


def fmt_datetime(value: datetime, tz: ZoneInfo = DEFAULT_TZ) -> str:
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def fold_text(text: str) -> str:
    """Vietnamese text for comparing: no case, no diacritics (Đ as D), single spaces."""
    raw = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    raw = "".join(ch for ch in raw if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", raw).strip().lower()


def vietnamese_name_key(full_name: str) -> tuple[str, str]:
    """Vietnamese lists of people are ordered by the given name (the last word), then the
    full name, letters compared without their marks (so Đ sorts with D, not after Z)."""
    folded = fold_text(unicodedata.normalize("NFC", full_name).strip())
    return folded.rsplit(" ", 1)[-1], folded
