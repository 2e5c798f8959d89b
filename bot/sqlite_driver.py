"""aiosqlite connections that take one trip to their thread per statement.

aiosqlite runs each sqlite3 call in the connection's own thread, and SQLAlchemy's aiosqlite
adapter makes four such calls per statement (cursor, execute, fetchall, close). Each trip is a
queue hand-off, a wake-up of the event loop and a GIL switch, about 0.1 ms of CPU: most of
the cost of a small query, and the main cost of the bot per update (bench/RESULTS.md §1).
Here the cursor does execute + fetchall + close in one trip and keeps the rows, and a commit
or rollback with no transaction open takes no trip; everything else (connecting, closing,
errors) is aiosqlite's own.

It relies on aiosqlite's private `Connection._execute`, `_conn`, `_thread` and
`aiosqlite.context.Result`, and on SQLAlchemy's `async_creator_fn` connect argument —
verified with aiosqlite 0.22 and SQLAlchemy 2.0.38–2.1 (the ranges pyproject.toml allows).
When an installed version lacks them, the engine keeps the stock driver (slower, same
behaviour) and one WARNING says so.
"""

from __future__ import annotations

import inspect
import logging
import sqlite3
from collections import deque
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import Result
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
_warned = False


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, with the rows read in the same
    trip as the statement."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque = deque()
        self.description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def _run(self, method: str, sql: str, parameters: Any) -> tuple:
        """In the connection's thread: the statement, its rows and its counts."""
        cursor = self._connection._conn.cursor()
        try:
            if parameters is None:
                getattr(cursor, method)(sql)
            else:
                getattr(cursor, method)(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
            return rows, cursor.description, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()

    async def _trip(self, method: str, sql: str, parameters: Any) -> OneTripCursor:
        rows, self.description, self.rowcount, self.lastrowid = \
            await self._connection._execute(self._run, method, sql, parameters)
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        return await self._trip("execute", sql, parameters)

    async def executemany(self, sql: str, parameters: Any) -> OneTripCursor:
        return await self._trip("executemany", sql, parameters)

    async def fetchall(self) -> list:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def close(self) -> None:
        self._rows.clear()


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> Result:  # awaitable and an async context manager, like aiosqlite's
        return Result(self._new_cursor())

    def _idle(self) -> bool:
        """No transaction open: sqlite3 begins one only before a write, so a session that
        only read has nothing to commit, and a connection going back to the pool (which
        SQLAlchemy rolls back every time) nothing to roll back. Read without a trip: no
        other call on this connection is under way while SQLAlchemy commits or resets it."""
        return self._connection is not None and not self._connection.in_transaction

    async def commit(self) -> None:
        if not self._idle():
            await super().commit()

    async def rollback(self) -> None:
        if not self._idle():
            await super().rollback()

    async def _new_cursor(self) -> OneTripCursor:
        return OneTripCursor(self)


def _connect(*args: Any, **kwargs: Any) -> OneTripConnection:
    """What `aiosqlite.connect` does, with our connection class."""
    connection = OneTripConnection(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's adapter does: never block exit
    return connection


def missing_internals() -> list[str]:
    """The private parts of aiosqlite and SQLAlchemy this driver needs that are not there."""
    missing = []
    for name in ("_execute", "_conn"):
        if not hasattr(aiosqlite.Connection, name):
            missing.append(f"aiosqlite.Connection.{name}")
    try:
        init = inspect.signature(aiosqlite.Connection.__init__).parameters
    except (TypeError, ValueError):
        init = {}
    if "connector" not in init or "iter_chunk_size" not in init:
        missing.append("aiosqlite.Connection(connector, iter_chunk_size)")
    if not callable(getattr(aiosqlite.context, "Result", None)):
        missing.append("aiosqlite.context.Result")
    try:
        from sqlalchemy.dialects.sqlite import aiosqlite as adapter

        source = inspect.getsource(adapter)
    except (ImportError, OSError, TypeError):
        source = ""
    if "async_creator_fn" not in source:
        missing.append("SQLAlchemy's async_creator_fn")
    return missing


def use_one_trip_cursors(engine: AsyncEngine) -> bool:
    """Make the engine's new connections OneTripConnections (same arguments as before);
    False, with one WARNING per process, when the installed versions do not allow it."""
    global _warned
    missing = missing_internals()
    if missing:
        if not _warned:
            _warned = True
            log.warning("SQLite: the one-trip driver cannot be used with the installed "
                        "aiosqlite %s (%s missing): using the stock driver, which is slower",
                        getattr(aiosqlite, "__version__", "?"), ", ".join(missing))
        return False

    @event.listens_for(engine.sync_engine, "do_connect")
    def _do_connect(dialect, _record, cargs, cparams):
        return dialect.dbapi.connect(*cargs, async_creator_fn=_connect, **cparams)

    return True
