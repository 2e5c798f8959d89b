"""The database going away is an expected outage, not a bug: one WARNING when it goes, one
INFO when it is back, no traceback in between, and back-off for the background loops."""

from __future__ import annotations

import logging
import time

from sqlalchemy import exc as sa_exc

log = logging.getLogger("bot.database")
MAX_BACKOFF = 30.0


def is_outage(error: BaseException | None) -> bool:
    """The database cannot be reached (refused, gone, timed out, disk unavailable), as
    opposed to a query that is wrong."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError,
                              sa_exc.DisconnectionError, ConnectionError, OSError,
                              TimeoutError)):
            return True
        if type(error).__module__.startswith("asyncpg") and (
                "Connection" in type(error).__name__ or "CannotConnect" in type(error).__name__):
            return True
        error = error.__cause__ or error.__context__
    return False


class DatabaseHealth:
    def __init__(self) -> None:
        self.down_since: float | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException) -> bool:
        """Record an outage (True) or say the error is not one (False)."""
        if not is_outage(error):
            return False
        self.failures += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("database unavailable (%s); retrying with back-off",
                        type(error).__name__)
        return True

    def ok(self) -> None:
        if self.down_since is not None:
            log.info("database reachable again after %.0f s", time.monotonic() - self.down_since)
        self.down_since = None
        self.failures = 0

    def backoff(self) -> float:
        """Seconds a background loop waits before trying again."""
        return min(MAX_BACKOFF, 2.0 ** min(self.failures, 5))
