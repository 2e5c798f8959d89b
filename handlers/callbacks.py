"""Typed button data: one registry of every prefix/action built this way, and decode(),
which returns None for malformed or forged data (the tap is then refused politely).

Data is "prefix:action:field:…", at most 64 bytes (Telegram's limit). A field is decoded
by its kind, never trusted further: the handler still re-authorises the tap against the
database (the person exists, may be acted on by the caller, and is in the state the button
was made for). Each feature declares its actions once, in its screens module
(handlers/screens/<feature>.py), and decodes taps with decode().
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.services.entry_rules import STEPS as ENTRY_STEPS
from bot.services.identity import looks_like_invite, normalize_invite
from models.enums import Band, PositionGroup

CALLBACK_LIMIT = 64  # bytes, Telegram's limit on callback_data
ID_LIMIT = 2**63  # ids are BIGINT: a larger (forged) number must not reach the database
BAND_CODES = {"X": Band.EXCELLENT, "T": Band.GOOD, "H": Band.DONE, "K": Band.FAILED}
GROUP_CODES = {"ld": PositionGroup.LEADERSHIP.value, "cm": PositionGroup.PROFESSIONAL.value,
               "ht": PositionGroup.SUPPORT.value, "kh": "khac"}


def _id(text: str):
    if text.isascii() and text.isdigit() and 0 <= int(text) < ID_LIMIT:
        return int(text)
    return None


def _small(text: str):
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return int(text)
    return None


def _code(text: str):
    """A short word of a fixed vocabulary ("l", "xa", "12"): the handler looks it up."""
    if text.isascii() and text.isalnum() and len(text) <= 20:
        return text
    return None


def _fingerprint(text: str):
    """Eight lowercase hex digits: a report's fingerprint (bot.services.review.signature)."""
    if len(text) == 8 and all(ch in "0123456789abcdef" for ch in text):
        return text
    return None


def _invite(text: str):
    """An invite code as the bot writes it (10 characters of the invite alphabet)."""
    return text if looks_like_invite(text) and normalize_invite(text) == text else None


def _entry_step(text: str):
    return text if text in ENTRY_STEPS else None


KINDS = {
    "id": (_id, str),
    "n": (_small, str),
    "code": (_code, str),
    "sig": (_fingerprint, str),
    "invite": (_invite, normalize_invite),
    "step": (_entry_step, str),  # a step of a KPI product's questions ("passed", "note", …)
    "band": (BAND_CODES.get, lambda band: {v: k for k, v in BAND_CODES.items()}[Band(band)]),
    "group": (GROUP_CODES.get, lambda group: {v: k for k, v in GROUP_CODES.items()}[group]),
}


@dataclass(frozen=True)
class Action:
    prefix: str
    action: str
    fields: tuple[str, ...]  # each field's kind (see KINDS)
    names: tuple[str | None, ...] = ()  # each field's name, when it was given one
    optional: int = 0  # how many of the last fields a button may leave out

    def takes(self, count: int) -> bool:
        return len(self.fields) - self.optional <= count <= len(self.fields)

    def data(self, *values) -> str:
        while values and values[-1] is None and len(values) > len(self.fields) - self.optional:
            values = values[:-1]  # an optional field given as None is not written
        if not self.takes(len(values)):
            raise ValueError(f"{self.prefix}:{self.action} takes {len(self.fields)} fields")
        kinds = self.fields[:len(values)]
        parts = [self.prefix, self.action] + [KINDS[kind][1](value)
                                               for kind, value in zip(kinds, values, strict=True)]
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_LIMIT:
            raise ValueError(f"callback data too long: {data}")
        return data

    def button(self, label: str, *values) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.data(*values))


REGISTRY: dict[tuple[str, str], Action] = {}


def action(prefix: str, name: str, *fields: str) -> Action:
    """Register "prefix:name:field…". A field is a kind ("id") or a named kind
    ("entry_id:id"), read back as `tap.entry_id` (or by position, `tap[0]`). A last field
    marked "?" ("page:n?") may be left out (read back as None): for buttons that were
    written both ways before they were typed."""
    kinds, names, optional = [], [], 0
    for field in fields:
        label, _sep, kind = field.rpartition(":")
        if kind.endswith("?"):
            kind, optional = kind[:-1], optional + 1
        elif optional:
            raise ValueError(f"{prefix}:{name}: only the last fields may be optional")
        if kind not in KINDS:
            raise ValueError(kind)
        kinds.append(kind)
        names.append(label or None)
    if (prefix, name) in REGISTRY:
        raise ValueError(f"{prefix}:{name} registered twice")
    REGISTRY[(prefix, name)] = registered = Action(prefix, name, tuple(kinds), tuple(names),
                                                   optional)
    return registered


@dataclass(frozen=True)
class Decoded:
    action: Action
    values: tuple

    def __getitem__(self, index: int):
        return self.values[index]

    def __getattr__(self, name: str):
        names = self.action.names
        if name in names:
            return self.values[names.index(name)]
        raise AttributeError(name)


def decode(data: str | None, prefix: str) -> Decoded | None:
    """The action and its typed fields, or None when the data is not exactly one of ours."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != prefix:
        return None
    found = REGISTRY.get((parts[0], parts[1]))
    if found is None or not found.takes(len(parts) - 2):
        return None
    values = []
    for kind, text in zip(found.fields[:len(parts) - 2], parts[2:], strict=True):
        value = KINDS[kind][0](text)
        if value is None:
            return None
        values.append(value)
    values += [None] * (len(found.fields) - len(values))  # optional fields left out
    return Decoded(found, tuple(values))




def all_actions() -> set[str]:
    """Every "prefix:action" a button of the bot can carry (the registry is complete once
    the feature modules are imported, as bot.app does)."""
    return {f"{prefix}:{name}" for prefix, name in REGISTRY}
