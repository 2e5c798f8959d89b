"""Polling in batches: the next getUpdates is asked for once the updates already fetched
have all been taken up for handling.

PTB asks Telegram again as soon as a getUpdates call returns. Under load that is one call
per update: at 230 updates/s on SQLite the bot made 0.99 getUpdates calls per update, a
fifth of its CPU (bench/RESULTS.md §1, sixth pass), and each call is a round trip to
Telegram. Updates are handled one at a time on SQLite (several at once on PostgreSQL, where
PTB takes them off the queue at once and this never waits), so fetching more while some
still wait in the queue only makes the queue longer; asking when it has drained brings
everything that arrived meanwhile in one call. An idle bot's queue is empty: it asks at
once, so a lone person waits no longer. The wait is capped, so a handler stuck for a long
time does not stop the bot from receiving (and queueing) what comes next.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from telegram.request import BaseRequest

from bot.telegram_request import AiohttpRequest, WrappedRequest

# A handler that takes longer than this does not hold up the next getUpdates.
MAX_WAIT_SECONDS = 1.0


class UpdateQueue(asyncio.Queue):
    """PTB's update queue (ApplicationBuilder.update_queue), with an event set while it is
    empty: every fetched update taken up for handling."""

    def __init__(self) -> None:
        super().__init__()
        self.drained = asyncio.Event()
        self.drained.set()

    def _put(self, item: Any) -> None:  # asyncio.Queue's own hooks (as LifoQueue's)
        super()._put(item)
        self.drained.clear()

    def _get(self) -> Any:
        item = super()._get()
        if not self._queue:
            self.drained.set()
        return item


class PacedUpdatesRequest(WrappedRequest):
    """The getUpdates request backend: waits (up to MAX_WAIT_SECONDS) for the update queue to
    drain before each call, then asks the inner backend (the bot's HTTP client, with one
    connection as PTB's default for getUpdates has)."""

    def __init__(self, queue: UpdateQueue, inner: BaseRequest | None = None) -> None:
        super().__init__(inner or AiohttpRequest(connection_pool_size=1))
        self.queue = queue

    async def before(self, url: str) -> None:
        if not self.queue.drained.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queue.drained.wait(), MAX_WAIT_SECONDS)
