"""Webhook updates are recorded before Telegram is answered, and one chat's updates are
applied in update_id order even when they reach different processes.

- `record` stores the update (a repeated delivery of the same update_id is ignored);
- `ChatOrderProcessor` (PTB's update processor) holds a chat's update until every older
  recorded update of that chat is done, then deletes its row once it is handled;
- a process that died leaves rows behind: after TAKEOVER_SECONDS another process takes
  them over (`take_over_stale`, run with the scheduler lease), so a crash loses nothing.
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
from models import InboundUpdate

log = logging.getLogger(__name__)
POLL_SECONDS = 0.03
TAKEOVER_SECONDS = 60  # no handler runs this long: the holder of an older update is gone


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


async def take_over_stale(app: Application, holder: str) -> int:
    """Re-queue here the updates a dead process left; returns how many."""
    db: Database = app.bot_data["services"].db
    now = _now()
    async with db.session() as session:
        stale = list((await session.execute(
            select(InboundUpdate.update_id, InboundUpdate.received_at).where(
                InboundUpdate.received_at < now - timedelta(seconds=TAKEOVER_SECONDS))
            .order_by(InboundUpdate.update_id).limit(500))).all())
    taken = 0
    for update_id, received_at in stale:
        async with db.session() as session:
            payload = await session.scalar(
                update(InboundUpdate).where(InboundUpdate.update_id == update_id,
                                            InboundUpdate.received_at == received_at)
                .values(holder=holder, received_at=now).returning(InboundUpdate.payload))
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


class ChatOrderProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently (up to `max_concurrent_updates`); one
    chat's updates run one at a time, in update_id order across processes."""

    def __init__(self, db: Database, max_concurrent_updates: int, ordered: bool) -> None:
        super().__init__(max_concurrent_updates)
        self.db = db
        self.ordered = ordered
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: dict[int, int] = defaultdict(int)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            if self.ordered and isinstance(update, Update):
                await done(self.db, update.update_id)
            return
        if self.ordered:  # the recorded rows order this chat's updates, in every process
            await self._wait_turn(update.update_id, chat.id)
            try:
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
        """Return when no older update of this chat is recorded (or it has been abandoned)."""
        while True:
            async with self.db.session() as session:
                older = (await session.execute(
                    select(InboundUpdate.update_id, InboundUpdate.received_at).where(
                        InboundUpdate.chat_id == chat_id, InboundUpdate.update_id < update_id)
                    .order_by(InboundUpdate.update_id).limit(1))).first()
            if older is None:
                return
            if older.received_at < _now() - timedelta(seconds=TAKEOVER_SECONDS):
                log.warning("update %s waited for an abandoned older update", update_id)
                return
            await asyncio.sleep(POLL_SECONDS)
