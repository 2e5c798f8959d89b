"""Typed button data: one registry of every prefix/action built this way, and decode(),
which returns None for malformed or forged data (the tap is then refused politely).

Data is "prefix:action:field:…", at most 64 bytes (Telegram's limit). A field is decoded
by its kind, never trusted further: the handler still re-authorises the tap against the
database (the person exists, may be acted on by the caller, and is in the state the button
was made for). Older feature modules still parse their own data with handlers.common;
they move here with the handlers' redesign.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.services.entry_rules import STEPS as ENTRY_STEPS
from handlers.common import CALLBACK_LIMIT, ID_LIMIT
from models.enums import Band, PositionGroup

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


def _entry_step(text: str):
    return text if text in ENTRY_STEPS else None


KINDS = {
    "id": (_id, str),
    "n": (_small, str),
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

    def data(self, *values) -> str:
        if len(values) != len(self.fields):
            raise ValueError(f"{self.prefix}:{self.action} takes {len(self.fields)} fields")
        parts = [self.prefix, self.action] + [KINDS[kind][1](value)
                                               for kind, value in zip(self.fields, values, strict=True)]
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_LIMIT:
            raise ValueError(f"callback data too long: {data}")
        return data

    def button(self, label: str, *values) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.data(*values))


REGISTRY: dict[tuple[str, str], Action] = {}


def action(prefix: str, name: str, *fields: str) -> Action:
    """Register "prefix:name:field…". A field is a kind ("id") or a named kind
    ("entry_id:id"), read back as `tap.entry_id` (or by position, `tap[0]`)."""
    kinds, names = [], []
    for field in fields:
        label, _sep, kind = field.rpartition(":")
        if kind not in KINDS:
            raise ValueError(kind)
        kinds.append(kind)
        names.append(label or None)
    if (prefix, name) in REGISTRY:
        raise ValueError(f"{prefix}:{name} registered twice")
    REGISTRY[(prefix, name)] = registered = Action(prefix, name, tuple(kinds), tuple(names))
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
    if found is None or len(parts) - 2 != len(found.fields):
        return None
    values = []
    for kind, text in zip(found.fields, parts[2:], strict=True):
        value = KINDS[kind][0](text)
        if value is None:
            return None
        values.append(value)
    return Decoded(found, tuple(values))


LEGACY_MODULES = ("delegation", "digest", "notices", "onboarding", "reminder_settings", "results",
                  "review", "targets", "training")


def all_actions() -> set[str]:
    """Every "prefix:action" a button of the bot can carry: the typed registry, and the
    modules that still parse their own data (each declares its ACTIONS)."""
    import importlib

    found = {f"{prefix}:{name}" for prefix, name in REGISTRY}
    for module in LEGACY_MODULES:
        actions = importlib.import_module(f"handlers.{module}").ACTIONS
        found |= {f"{prefix}:{name}" for prefix, names in actions.items() for name in names}
    return found
