"""Migrations: upgrade an empty database, no drift against the models, downgrade to base."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import models
from bot.migrate import alembic_config, current_revision, head_revision, upgrade_engine


async def test_upgrade_check_downgrade(db_target):
    database = db_target.database()
    try:
        await upgrade_engine(database.engine)
        assert await current_revision(database.engine) == head_revision()

        async with database.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert set(models.Base.metadata.tables) <= tables

            def drift(sync_conn):
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "target_metadata": models.Base.metadata}
                )
                return compare_metadata(context, models.Base.metadata)

            assert await conn.run_sync(drift) == []  # what `alembic check` reports

        async with database.engine.begin() as conn:

            def down(sync_conn):
                cfg = alembic_config(db_target.url)
                cfg.attributes["connection"] = sync_conn
                command.downgrade(cfg, "base")

            await conn.run_sync(down)
        async with database.engine.connect() as conn:
            left = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert left <= {"alembic_version"}
    finally:
        await database.dispose()


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    from bot.db import Database

    database = Database(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    try:
        async with database.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await database.dispose()
