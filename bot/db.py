"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db_health import DatabaseHealth
from bot.sqlite_driver import use_one_trip_cursors

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    ensure_sqlite_dir(url)
    engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"), **kwargs)
    if engine.dialect.name == "sqlite":
        use_one_trip_cursors(engine)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """Owns the engine; `async with db.session() as s:` is one transaction."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.health = DatabaseHealth()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self.sessionmaker() as session, session.begin():
                yield session
        except Exception as error:
            self.health.failed(error)  # an outage is logged once, not per session
            raise
        if self.health.down:
            self.health.ok()

    async def dispose(self) -> None:
        await self.engine.dispose()


def upsert_insert(session: AsyncSession, table):
    """The dialect's INSERT, which has ON CONFLICT (PostgreSQL and SQLite alike)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


async def insert_if_absent(session: AsyncSession, model, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True when this call created the row. Used instead of
    a savepoint: on SQLite a savepoint opened before the first write starts the transaction
    and its RELEASE commits what came before it (pysqlite's transaction handling), so a
    refused update would keep part of its work."""
    result = await session.execute(upsert_insert(session, model).values(**values)
                                   .on_conflict_do_nothing())
    return bool(result.rowcount)


async def refresh_statistics(db: Database) -> None:
    """SQLite's query planner needs table statistics (ANALYZE) to use the partial indexes:
    without a row for ix_entries_waiting it guessed the waiting entries were many and
    scanned the whole roster for the approvals inbox (12 ms instead of 0.1 ms at 50,000
    cadres). A sampled ANALYZE (analysis_limit) takes milliseconds even then, so it runs at
    start and every few hours (bot/jobs/maintenance.py); PostgreSQL's autovacuum does this
    itself."""
    if db.engine.dialect.name != "sqlite":
        return
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        await conn.exec_driver_sql("ANALYZE")
