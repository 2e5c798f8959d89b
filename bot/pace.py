"""One send rate shared by every bot process: bulk senders reserve slots in a token bucket
kept in the database (one row update per batch), then wait for their slot."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import case, update

from bot.db import Database, insert_if_absent
from models import SendPace

# Behind its schedule (a slow database write, a busy moment), a sender catches up at most
# this much faster than the rate: 28/s → 29.4/s, still under Telegram's ~30/s. Catching up
# in a burst would earn 429s, and each one stops the sender for a second.
CATCH_UP = 1.05


class SharedPace:
    """`await pace.reserve(n)` returns when this process may start sending n messages;
    `await pace.wait_slot(i)` spaces the i-th of them at the shared rate."""

    def __init__(self, db: Database, rate: float, name: str = "bulk") -> None:
        self.db = db
        self.rate = rate
        self.name = name
        self._start = 0.0
        self._last = 0.0

    async def reserve(self, count: int) -> float:
        """Take `count` consecutive slots; sleeps until the first one and returns its time."""
        cost = count / self.rate
        end = None
        while end is None:
            now = time.time()
            async with self.db.session() as session:
                end = await session.scalar(
                    update(SendPace).where(SendPace.name == self.name).values(
                        next_at=case((SendPace.next_at > now, SendPace.next_at), else_=now) + cost)
                    .returning(SendPace.next_at))
                if end is None and await insert_if_absent(session, SendPace, name=self.name,
                                                          next_at=now + cost):
                    end = now + cost  # else another process created the row first: again
        self._start = end - cost
        await asyncio.sleep(max(0.0, self._start - time.time()))
        return self._start

    async def wait_slot(self, index: int) -> None:
        at = max(self._start + index / self.rate, self._last + 1 / (self.rate * CATCH_UP))
        await asyncio.sleep(max(0.0, at - time.time()))
        self._last = time.time()
