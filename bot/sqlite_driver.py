"""aiosqlite connections that take one trip to their thread per statement.

aiosqlite runs each sqlite3 call in the connection's own thread, and SQLAlchemy's aiosqlite
adapter makes four such calls per statement (cursor, execute, fetchall, close). Each trip is a
queue hand-off, a wake-up of the event loop and a GIL switch, about 0.1 ms of CPU: most of
the cost of a small query, and the main cost of the bot per update (bench/RESULTS.md §1).
Here the cursor does execute + fetchall + close in one trip and keeps the rows, and a commit
or rollback with no transaction open takes no trip; everything else (connecting, closing,
errors) is aiosqlite's own.

While an update is handled (`statements_on_loop()`, set by the application around each
update), a statement or a commit runs directly on the event loop instead: no trip at all.
SQLite answers an update's short statements in microseconds, far less than the hand-off
to the thread and back. Such a statement never waits on the loop for another process's
lock: on the loop the connection's busy timeout is 0, and a statement refused as busy
(nothing done; SQLite takes its locks before it changes anything) is run again in the
connection's thread with the full busy timeout (`bot.db.SQLITE_BUSY_TIMEOUT_MS`), as every
statement outside an update is (scheduled jobs, the CLI). Long work started from a tap
(a file import or export, a digest) opts out with `statements_in_thread()`.

It relies on aiosqlite's private `Connection._execute`, `_conn`, `_thread` and
`aiosqlite.context.Result`, and on SQLAlchemy's `async_creator_fn` connect argument —
verified with aiosqlite 0.22 and SQLAlchemy 2.0.38–2.1 (the ranges pyproject.toml allows).
When an installed version lacks them, the engine keeps the stock driver (slower, same
behaviour) and one WARNING says so.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import sqlite3
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import Result
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
_warned = False

SQLITE_BUSY = 5  # sqlite3.OperationalError.sqlite_errorcode & 0xFF when a lock is held
PATIENT_BUSY_TIMEOUT_MS = 15_000  # in the thread (bot.db.SQLITE_BUSY_TIMEOUT_MS)

_ON_LOOP: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_on_loop",
                                                                default=False)


@contextmanager
def statements_on_loop() -> Iterator[None]:
    """Statements run inside this block (in this task) go directly on the event loop."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


@contextmanager
def statements_in_thread() -> Iterator[None]:
    """Statements run inside this block (in this task) go to the connection's thread, which
    lets the event loop serve others meanwhile: for long queries started by an update."""
    token = _ON_LOOP.set(False)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # before Python 3.11
        return "locked" in str(error) or "busy" in str(error)
    return code & 0xFF == SQLITE_BUSY


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
        """The statement, its rows and its counts (in the connection's thread, or on the
        event loop)."""
        if sql.startswith("PRAGMA busy_timeout"):  # the connect pragmas: set it again
            self._connection._busy_timeout_ms = None
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
            await self._connection._call(self._run, method, sql, parameters)
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
    _busy_timeout_ms: int | None = None  # as last set on this connection; None: unknown

    def _with_busy_timeout(self, milliseconds: int, function, *args) -> Any:
        if self._busy_timeout_ms != milliseconds:
            self._conn.execute(f"PRAGMA busy_timeout={milliseconds}")
            self._busy_timeout_ms = milliseconds
        return function(*args)

    async def _call(self, function, *args) -> Any:
        """`function(*args)` on this connection: on the event loop while an update is
        handled (a busy refusal goes to the thread), else in the connection's thread. Only
        one call on a connection is under way at a time (SQLAlchemy awaits each), so the
        two never overlap."""
        if _ON_LOOP.get() and self._running and self._connection is not None:
            try:
                return self._with_busy_timeout(0, function, *args)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
        return await self._execute(self._with_busy_timeout, PATIENT_BUSY_TIMEOUT_MS,
                                   function, *args)

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
            await self._call(self._conn.commit)

    async def rollback(self) -> None:
        if not self._idle():
            await self._call(self._conn.rollback)

    async def _new_cursor(self) -> OneTripCursor:
        return OneTripCursor(self)


def _connect(*args: Any, **kwargs: Any) -> OneTripConnection:
    """What `aiosqlite.connect` does, with our connection class."""
    kwargs["check_same_thread"] = False  # used from the event loop's thread too (see _call)
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
