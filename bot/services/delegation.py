"""An evaluator hands their reviews to another cadre for a date range (SPEC §1): the use
cases of 🔁 Ủy quyền, each returning plain data (who, from when to when, whom to tell)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fold_text, vietnamese_name_key
from bot.services import audit
from bot.services.review import ReviewError
from bot.services.units import UnitTree
from models import Cadre, Delegation

MAX_DAYS = 180
DAY_CHOICES = (7, 14, 30)  # the durations offered as buttons
PAGE_SIZE = 8  # people per page of the pick list, and name matches shown
RANGE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*[-–đến ]+\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


@dataclass(frozen=True)
class Person:
    name: str
    code: str
    chat_id: int | None = None  # where they can be told (None: not reachable on Telegram)


def _person(cadre: Cadre) -> Person:
    reachable = cadre.telegram_chat_id if cadre.telegram_chat_id and cadre.reachable else None
    return Person(cadre.full_name, cadre.code, reachable)


@dataclass(frozen=True)
class Item:
    """One delegation still running or to come."""

    id: int
    delegate: Person
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Change:
    """A delegation made or cancelled: the delegator's list after it, and the delegate to tell."""

    item: Item
    delegator: Person
    current: tuple[Item, ...]


async def may_delegate(session: AsyncSession, cadre_id: int) -> bool:
    """Only someone who evaluates cadres themselves hands their reviews over (a delegate
    cannot pass on what was delegated to them)."""
    return await session.scalar(select(Cadre.id).where(
        Cadre.evaluator_id == cadre_id, Cadre.active.is_(True)).limit(1)) is not None


async def _find(session: AsyncSession, delegator_id: int, code: str) -> Cadre:
    delegate = await session.scalar(select(Cadre).where(
        func.upper(Cadre.code) == code.strip().upper(), Cadre.active.is_(True)))
    if delegate is None:
        raise ReviewError("unknown_delegate")
    if delegate.id == delegator_id:
        raise ReviewError("self_delegate")
    return delegate


async def find_delegate(session: AsyncSession, delegator_id: int, code: str) -> Person:
    """The active cadre with this code, however it was typed (xth004, " XTH004 ")."""
    return _person(await _find(session, delegator_id, code))


@dataclass(frozen=True)
class Candidate:
    """Someone the evaluator may pick as their deputy (a button of the pick list)."""

    id: int
    name: str
    code: str


@dataclass(frozen=True)
class Candidates:
    """A page of the people of the evaluator's unit (issue #22: pick, do not type a code),
    or (`query` given) the people whose name matches what was typed."""

    people: tuple[Candidate, ...]
    page: int = 0
    more: bool = False
    query: str | None = None


async def _colleagues(session: AsyncSession, delegator_id: int) -> list[Candidate]:
    """The active people of the delegator's unit and its sub-units (a commune's office, a
    department's divisions), the delegator left out, in the order of Vietnamese lists (given
    name first). An agency holds tens or hundreds of people."""
    unit_id = await session.scalar(select(Cadre.unit_id).where(Cadre.id == delegator_id))
    if unit_id is None:
        return []
    unit_ids = (await UnitTree.load(session)).subtree(unit_id)
    rows = await session.execute(
        select(Cadre.id, Cadre.full_name, Cadre.code)
        .where(Cadre.unit_id.in_(unit_ids), Cadre.active.is_(True), Cadre.id != delegator_id))
    people = [Candidate(id_, name, code) for id_, name, code in rows.all()]
    return sorted(people, key=lambda c: (vietnamese_name_key(c.name), c.code))


async def candidates(session: AsyncSession, delegator_id: int, page: int = 0) -> Candidates:
    """➕ New delegation: a page of the people of the evaluator's unit to pick from (any
    active cadre may still be named by code: who may be a deputy is `_find`'s rule)."""
    await begin(session, delegator_id)
    people = await _colleagues(session, delegator_id)
    page = max(0, min(page, (len(people) - 1) // PAGE_SIZE if people else 0))
    start = page * PAGE_SIZE
    return Candidates(tuple(people[start:start + PAGE_SIZE]), page,
                      start + PAGE_SIZE < len(people))


def name_matches(name: str, query: str) -> bool:
    """Every typed word begins a word of the name, case and diacritics aside ("binh",
    "ly binh", "Bình" all match "Lý Văn Bình")."""
    words = fold_text(name).split()
    return all(any(word.startswith(part) for word in words) for part in fold_text(query).split())


def _looks_like_code(text: str) -> bool:
    """One word with a digit in it (codes are like XTH004; names have no digits)."""
    word = text.strip()
    return bool(word) and not any(ch.isspace() for ch in word) \
        and any(ch.isdigit() for ch in word)


async def choose(session: AsyncSession, delegator_id: int, text: str) -> Person | Candidates:
    """What was typed at "who?": a cadre's code (anyone active, as before), else a name
    searched among the people of the evaluator's unit and its sub-units; refused
    (no_match) when nothing matches."""
    try:
        return await find_delegate(session, delegator_id, text)
    except ReviewError as error:
        if error.code != "unknown_delegate" or not fold_text(text):
            raise
    found = [c for c in await _colleagues(session, delegator_id)
             if name_matches(c.name, text)]
    if not found:
        if _looks_like_code(text):  # "XTH999": a code mistyped, not a name
            raise ReviewError("unknown_delegate")
        raise ReviewError("no_match", query=text.strip())
    return Candidates(tuple(found[:PAGE_SIZE]), more=len(found) > PAGE_SIZE, query=text.strip())


async def pick(session: AsyncSession, delegator_id: int, cadre_id: int) -> Person:
    """A person tapped in the pick list: the same rule as a typed code (active, not oneself)."""
    await begin(session, delegator_id)
    code = await session.scalar(select(Cadre.code).where(Cadre.id == cadre_id))
    if code is None:
        raise ReviewError("not_found")
    return await find_delegate(session, delegator_id, code)


async def current(session: AsyncSession, delegator_id: int, today: date) -> tuple[Item, ...]:
    """The delegator's delegations not revoked and not yet ended, earliest first."""
    rows = await session.execute(
        select(Delegation, Cadre).join(Cadre, Cadre.id == Delegation.delegate_id)
        .where(Delegation.delegator_id == delegator_id, Delegation.revoked_at.is_(None),
               Delegation.ends_on >= today)
        .order_by(Delegation.starts_on))
    return tuple(Item(d.id, _person(c), d.starts_on, d.ends_on) for d, c in rows.all())


async def overview(session: AsyncSession, delegator_id: int, today: date) -> tuple[Item, ...]:
    """🔁 Ủy quyền: refused (not_evaluator) to someone who evaluates nobody themselves."""
    if not await may_delegate(session, delegator_id):
        raise ReviewError("not_evaluator")
    return await current(session, delegator_id, today)


async def begin(session: AsyncSession, delegator_id: int) -> None:
    """➕ New delegation: refused (not_evaluator) as the overview is."""
    if not await may_delegate(session, delegator_id):
        raise ReviewError("not_evaluator")


async def one_of_mine(session: AsyncSession, delegator_id: int, delegation_id: int,
                      today: date) -> Item:
    """One of the delegator's running delegations (asked before cancelling it)."""
    for item in await current(session, delegator_id, today):
        if item.id == delegation_id:
            return item
    raise ReviewError("not_found")


def parse_range(text: str) -> tuple[date, date]:
    """A typed range, "01/12/2026 - 15/12/2026" (or "… đến …"): not_a_range when it is not
    one, bad_range when a date does not exist."""
    match = RANGE.match(text)
    if not match:
        raise ReviewError("not_a_range")
    d1, m1, y1, d2, m2, y2 = (int(x) for x in match.groups())
    try:
        return date(y1, m1, d1), date(y2, m2, d2)
    except ValueError:
        raise ReviewError("bad_range") from None


def days_from(today: date, days: int) -> tuple[date, date]:
    """A duration button: `days` days from today, today included."""
    if days not in DAY_CHOICES:
        raise ReviewError("not_found")
    return today, today + timedelta(days=days - 1)


async def create(session: AsyncSession, *, delegator_id: int, delegate_code: str,
                 starts_on: date, ends_on: date, now: datetime, today: date) -> Change:
    if not await may_delegate(session, delegator_id):
        raise ReviewError("not_evaluator")
    delegate = await _find(session, delegator_id, delegate_code)
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_DAYS:
        raise ReviewError("bad_range")
    if ends_on < today:
        raise ReviewError("past_range")
    overlapping = await session.scalar(select(Delegation).where(
        Delegation.delegator_id == delegator_id, Delegation.delegate_id == delegate.id,
        Delegation.revoked_at.is_(None), Delegation.starts_on <= ends_on,
        Delegation.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise ReviewError("overlap", starts_on=overlapping.starts_on,
                          ends_on=overlapping.ends_on)
    delegation = Delegation(delegator_id=delegator_id, delegate_id=delegate.id,
                            starts_on=starts_on, ends_on=ends_on, created_at=now)
    session.add(delegation)
    await session.flush()
    audit.record(session, at=now, action="delegate", object_type="delegation",
                 object_id=delegation.id, actor_id=delegator_id,
                 after={"delegate": delegate.code, "from": starts_on.isoformat(),
                        "to": ends_on.isoformat()})
    return Change(Item(delegation.id, _person(delegate), starts_on, ends_on),
                  _person(await session.get(Cadre, delegator_id)),
                  await current(session, delegator_id, today))


async def revoke(session: AsyncSession, *, delegator_id: int, delegation_id: int,
                 now: datetime, today: date) -> Change:
    delegation = await session.get(Delegation, delegation_id)
    if delegation is None or delegation.delegator_id != delegator_id or delegation.revoked_at:
        raise ReviewError("not_found")
    delegation.revoked_at = now
    audit.record(session, at=now, action="revoke_delegation", object_type="delegation",
                 object_id=delegation.id, actor_id=delegator_id)
    delegate = await session.get(Cadre, delegation.delegate_id)
    return Change(Item(delegation.id, _person(delegate), delegation.starts_on, delegation.ends_on),
                  _person(await session.get(Cadre, delegator_id)),
                  await current(session, delegator_id, today))
