"""Webhook updates are recorded before Telegram is answered, and one chat's updates are
applied in update_id order even when they reach different processes.

- `record` stores the update (a repeated delivery of the same update_id is ignored);
- `ChatOrderProcessor` (PTB's update processor) holds a chat's update until every older
  recorded update of that chat is done — without holding one of the process's update slots
  while it waits — then deletes its row once it is handled;
- a process that died leaves rows behind: as soon as its liveness lease lapses
  (bot.jobs.leadership), the process waiting behind such an update takes it over and handles it
  first, and the scheduler's holder takes over the rest (`take_over_stale`); a crash loses
  nothing and each chat keeps its order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.db import Database
from models import InboundUpdate, SchedulerLease

log = logging.getLogger(__name__)
POLL_SECONDS = 0.03
# A last resort for a row whose holder keeps a lease yet never finishes it (a handler stuck
# for minutes): the next update of the chat stops waiting for it.
STUCK_SECONDS = 300


def _now() -> datetime:
    return datetime.now(UTC)


def _dig(value, *keys):
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def chat_of(payload: dict) -> int | None:
    for key in ("message", "edited_message", "channel_post", "my_chat_member"):
        if key in payload:
            return _dig(payload, key, "chat", "id")
    if "callback_query" in payload:
        return (_dig(payload, "callback_query", "message", "chat", "id")
                or _dig(payload, "callback_query", "from", "id"))
    return None


async def record(db: Database, payload: dict, holder: str) -> bool:
    """Store a received update; False when this update_id is already recorded."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(InboundUpdate).values(
        update_id=int(payload["update_id"]), chat_id=chat_of(payload), payload=payload,
        received_at=_now(), holder=holder).on_conflict_do_nothing()
    async with db.session() as session:
        result = await session.execute(statement)
    return bool(result.rowcount)


async def done(db: Database, update_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(InboundUpdate).where(InboundUpdate.update_id == update_id))


# A process records updates as soon as its web server answers, a moment before its first
# liveness lease is written: a holder with no lease at all is taken for dead only once its
# update is older than this (two processes started together took each other's first
# updates over, and a cadre got the same answer twice).
NO_LEASE_GRACE = timedelta(seconds=60)


async def dead_holders(session, holders: dict[str, datetime], now: datetime) -> set[str]:
    """The processes among `holders` (holder → when the oldest of its updates in question
    was received) whose liveness lease has lapsed, or that never had one and have held
    their update for longer than NO_LEASE_GRACE."""
    from bot.jobs.leadership import process_lease

    names = {process_lease(h): h for h in holders}
    leases = dict((await session.execute(select(SchedulerLease.name, SchedulerLease.expires_at)
                                         .where(SchedulerLease.name.in_(list(names))))).all())
    dead = set()
    for name, holder in names.items():
        expires = leases.get(name)
        if expires is None:
            if now - holders[holder] > NO_LEASE_GRACE:
                dead.add(holder)
        elif expires < now:
            dead.add(holder)
    return dead


async def claim(db: Database, update_id: int, previous: str, holder: str) -> dict | None:
    """Take a dead process's row; the payload when this process won it, else None."""
    async with db.session() as session:
        return await session.scalar(
            update(InboundUpdate).where(InboundUpdate.update_id == update_id,
                                        InboundUpdate.holder == previous)
            .values(holder=holder, received_at=_now()).returning(InboundUpdate.payload))


async def take_over_stale(app: Application, holder: str) -> int:
    """Re-queue here the updates dead processes left; returns how many."""
    db: Database = app.bot_data["services"].db
    now = _now()
    async with db.session() as session:
        rows = list((await session.execute(
            select(InboundUpdate.update_id, InboundUpdate.holder, InboundUpdate.received_at)
            .where(InboundUpdate.holder != holder)
            .order_by(InboundUpdate.update_id).limit(500))).all())
        oldest: dict[str, datetime] = {}
        for _u, h, received in rows:
            oldest[h] = min(oldest.get(h, received), received)
        dead = await dead_holders(session, oldest, now)
    taken = 0
    for update_id, previous, _received in rows:
        if previous not in dead:
            continue
        payload = await claim(db, update_id, previous, holder)
        if payload is None:
            continue
        try:
            update_object = Update.de_json(payload, app.bot)
        except Exception:  # noqa: BLE001 - a row that cannot be processed must not stall its chat
            log.warning("skipped a recorded update that cannot be read (update_id %s)",
                        update_id)
            await done(db, update_id)
            continue
        await app.update_queue.put(update_object)
        taken += 1
    if taken:
        log.warning("took over %d updates left by a stopped process", taken)
    return taken


WAITING_LIMIT = 1000  # updates one process accepts at once; only the working ones use a slot


class ChatOrderProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently (up to `max_concurrent_updates` at work);
    one chat's updates run one at a time, in update_id order across processes. An update
    waiting for its chat's turn does not hold a working slot."""

    def __init__(self, db: Database, max_concurrent_updates: int, ordered: bool) -> None:
        super().__init__(max(max_concurrent_updates, WAITING_LIMIT) if ordered
                         else max_concurrent_updates)
        self.db = db
        self.ordered = ordered
        self.slots = asyncio.Semaphore(max_concurrent_updates)
        self.app: Application | None = None  # set by bot.app: to handle a taken-over update
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: dict[int, int] = defaultdict(int)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self.slots:
                await coroutine
            if self.ordered and isinstance(update, Update):
                await done(self.db, update.update_id)
            return
        if self.ordered:  # the recorded rows order this chat's updates, in every process
            try:
                await self._wait_turn(update.update_id, chat.id)
            except BaseException:
                coroutine.close()
                raise
            try:
                async with self.slots:
                    await coroutine
            finally:
                await done(self.db, update.update_id)
            return
        self._users[chat.id] += 1
        try:
            async with self._locks[chat.id]:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id], self._locks[chat.id]

    async def _wait_turn(self, update_id: int, chat_id: int) -> None:
        """Return when no older update of this chat is recorded. An older one left by a dead
        process is taken over and handled here first, so the chat keeps its order."""
        from bot.jobs.leadership import process_id

        me = process_id(self.app) if self.app is not None else None
        started = _now()
        while True:
            async with self.db.session() as session:
                older = (await session.execute(
                    select(InboundUpdate.update_id, InboundUpdate.holder,
                           InboundUpdate.received_at).where(
                        InboundUpdate.chat_id == chat_id, InboundUpdate.update_id < update_id)
                    .order_by(InboundUpdate.update_id).limit(1))).first()
                dead = (await dead_holders(session, {older.holder: older.received_at}, _now())
                        if older is not None and me is not None and older.holder != me
                        else set())
            if older is None:
                return
            if dead:
                await self._handle_abandoned(older.update_id, older.holder, me)
                continue
            if _now() - started > timedelta(seconds=STUCK_SECONDS):
                log.warning("update %s stopped waiting for update %s", update_id,
                            older.update_id)
                return
            await asyncio.sleep(POLL_SECONDS)

    async def _handle_abandoned(self, update_id: int, previous: str, me: str) -> None:
        payload = await claim(self.db, update_id, previous, me)
        if payload is None:
            return  # another process took it: wait for it like any other
        log.warning("took over update %s left by a stopped process", update_id)
        try:
            update_object = Update.de_json(payload, self.app.bot)
        except Exception:  # noqa: BLE001 - a row that cannot be read must not stall its chat
            await done(self.db, update_id)
            return
        try:
            async with self.slots:
                await self.app.process_update(update_object)
        finally:
            await done(self.db, update_id)
