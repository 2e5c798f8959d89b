"""Numbers as Vietnamese users type them: '125', '1.250', '1 250', '12,5', '12.5%'."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class NotANumber(ValueError):
    pass


def parse_number(text: str) -> float:
    """Parse a typed number. Raises NotANumber for anything else ('mười', '1,2,3')."""
    raw = _SPACES.sub("", (text or "").strip()).rstrip("%")
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
        # "1.250" is a thousand-grouping in Vietnamese; "12.5" and "12,5" are decimals.
        if sep == "." and len(tail) == 3 and head != "0":
            value = float(head + tail)
        else:
            value = float(f"{head}.{tail}")
    else:
        value = float(raw)
    return -value if negative else value


def _grouped(number: str, sep: str) -> bool:
    parts = number.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])
