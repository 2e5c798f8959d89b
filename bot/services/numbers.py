"""Numbers as Vietnamese users type them: '125', '1.250', '1 250', '12,5', '12.5%',
'125 hồ sơ'."""

from __future__ import annotations

import math
import re

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
# a number followed by words without digits: the unit the person added ("125 hồ sơ", "7 điểm")
_TRAILING_WORDS = re.compile(r"^([^\W\d_]|[\s.])+$")


class NotANumber(ValueError):
    pass


class AmbiguousNumber(NotANumber):
    """'1,250': a decimal comma (1,25) in Vietnamese, a thousands separator (1250) in
    English. Guessing would store a figure a thousand times off, so the person is asked."""

    def __init__(self, text: str, readings: tuple[float, float]) -> None:
        super().__init__(text)
        self.readings = readings


def parse_number(text: str) -> float:
    """Parse a typed number. Raises NotANumber for anything else ('mười', '1,2,3'),
    AmbiguousNumber for '1,250'."""
    raw = _without_unit((text or "").strip())
    raw = _SPACES.sub("", raw).rstrip("%")
    if raw.startswith("+"):
        raw = raw[1:]
    negative = raw.startswith("-")
    if negative:
        raw = raw[1:]
    if not raw or not re.fullmatch(r"[\d.,]+", raw) or not raw[0].isdigit() or not raw[-1].isdigit():
        raise NotANumber(text)
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        # the last separator is the decimal mark: 1.234,5 or 1,234.5
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        group = "." if decimal == "," else ","
        if raw.count(decimal) > 1 or not _grouped(raw.split(decimal)[0], group):
            raise NotANumber(text)
        value = float(raw.replace(group, "").replace(decimal, "."))
    elif dots > 1 or commas > 1:
        sep = "." if dots else ","
        if not _grouped(raw, sep):
            raise NotANumber(text)
        value = float(raw.replace(sep, ""))
    elif dots == 1 or commas == 1:
        sep = "." if dots else ","
        head, tail = raw.split(sep)
        # "1.250" is a thousand-grouping in Vietnamese; "12.5" and "12,5" are decimals;
        # "1,250" is either
        if len(tail) == 3 and head != "0" and len(head) <= 3:
            if sep == ",":
                sign = -1 if negative else 1
                raise AmbiguousNumber(text, (sign * float(f"{head}.{tail}"),
                                             sign * float(head + tail)))
            value = float(head + tail)
        else:
            value = float(f"{head}.{tail}")
    else:
        value = float(raw)
    return -value if negative else value


def _without_unit(text: str) -> str:
    """'125 hồ sơ' → '125'; text that does not start with a number is left as it is."""
    match = re.match(r"^[+-]?[\d.,\s\u00a0\u202f]*\d\s*%?", text)
    if match and match.end() < len(text) and _TRAILING_WORDS.fullmatch(text[match.end():]):
        return match.group(0)
    return text


def _grouped(number: str, sep: str) -> bool:
    parts = number.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def shown_score(total: float) -> float:
    """A score as people read it: one decimal, truncated (89,965 → 89,9), never rounded up
    into the band above (SPEC §4.5). The tolerance only absorbs floating-point noise."""
    return math.floor(total * 10 + 1e-6) / 10
