"""Telegram calls that fail on the way — a timeout, a 5xx from the Bot API — are tried
again a few times before the caller sees the error; 429s wait as Telegram asks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's global and per-chat limits, retries after a 429)
    plus retries of transient failures: NetworkError, which covers timeouts (TimedOut) and
    5xx answers, but not BadRequest — a wrong request stays wrong.

    A timed-out send may have reached Telegram; trying again can then show a message
    twice. A duplicate answer is better than a lost one, and notices (where duplicates
    matter) go through the outbox, which records each delivery."""

    delays: tuple[float, ...] = (0.5, 1.0, 2.0)  # before the 2nd, 3rd and 4th attempt

    async def process_request(self, callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None):
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                      rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == len(self.delays):
                    raise
                delay = self.delays[attempt]
                attempt += 1
                log.warning("%s failed (%s), attempt %d; trying again in %.1f s",
                            endpoint, error.__class__.__name__, attempt, delay)
                await asyncio.sleep(delay)
