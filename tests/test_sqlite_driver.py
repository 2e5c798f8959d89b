"""The one-trip SQLite cursor (bot/sqlite_driver.py) behaves as aiosqlite's does: rows,
counts, ids, RETURNING, errors, transactions, and it takes one trip per statement."""

import collections

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.sqlite_driver import OneTripConnection
from models import OrgUnit


@pytest.fixture
async def sqlite_db(tmp_path):
    from bot.migrate import upgrade_engine

    database = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    await upgrade_engine(database.engine)
    yield database
    await database.dispose()


async def test_rows_counts_ids_and_returning(sqlite_db):
    async with sqlite_db.session() as s:
        result = await s.execute(insert(OrgUnit).values(code="A", name="Xã A", level="xa"))
        first_id = result.inserted_primary_key[0]
        s.add_all([OrgUnit(code=f"U{i}", name=f"Xã {i}", level="xa") for i in range(150)])
        await s.flush()
        assert await s.scalar(select(func.count()).select_from(OrgUnit)) == 151
        names = list(await s.scalars(select(OrgUnit.name).order_by(OrgUnit.id)))
        assert names[0] == "Xã A" and names[-1] == "Xã 149" and len(names) == 151
        changed = await s.execute(update(OrgUnit).where(OrgUnit.code.like("U1%"))
                                  .values(sector="y tế"))
        assert changed.rowcount == 61  # U1, U10–U19, U100–U149
        returned = await s.scalars(update(OrgUnit).where(OrgUnit.id == first_id)
                                   .values(name="Xã A mới").returning(OrgUnit.name))
        assert list(returned) == ["Xã A mới"]
    async with sqlite_db.session() as s:  # committed
        assert await s.scalar(select(OrgUnit.name).where(OrgUnit.id == first_id)) == "Xã A mới"
        assert (await s.execute(text("select 1, 'hai'"))).one() == (1, "hai")


async def test_errors_and_rollback(sqlite_db):
    async with sqlite_db.session() as s:
        s.add(OrgUnit(code="A", name="Xã A", level="xa"))
    with pytest.raises(IntegrityError):
        async with sqlite_db.session() as s:
            s.add(OrgUnit(code="B", name="Xã B", level="xa"))
            await s.flush()
            s.add(OrgUnit(code="A", name="trùng mã", level="xa"))
            await s.flush()
    async with sqlite_db.session() as s:  # B was rolled back with the failed transaction
        assert list(await s.scalars(select(OrgUnit.code))) == ["A"]


async def test_one_trip_per_statement_and_none_for_a_read_only_commit(sqlite_db, monkeypatch):
    trips = collections.Counter()
    original = OneTripConnection._execute

    async def counting(self, fn, *args, **kwargs):
        trips[getattr(fn, "__name__", "?")] += 1
        return await original(self, fn, *args, **kwargs)

    async with sqlite_db.session() as s:  # a pooled connection, pragmas done
        await s.execute(text("select 1"))
    monkeypatch.setattr(OneTripConnection, "_execute", counting)
    async with sqlite_db.session() as s:
        await s.execute(select(OrgUnit))
        await s.execute(select(OrgUnit.id))
    assert sum(trips.values()) == 2  # two statements; commit and pool reset: nothing to do
    trips.clear()
    async with sqlite_db.session() as s:
        s.add(OrgUnit(code="C", name="Xã C", level="xa"))
    assert trips["commit"] == 1 and sum(trips.values()) == 2  # the INSERT and its commit


async def test_the_engine_uses_the_one_trip_driver(sqlite_db):
    async with sqlite_db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)


async def test_missing_internals_fall_back_to_the_stock_driver_with_one_warning(
        tmp_path, monkeypatch, caplog):
    """An aiosqlite without the private parts the driver needs: the stock driver is used, the
    database works, and the operator reads one WARNING (not one per engine)."""
    from bot import sqlite_driver

    assert sqlite_driver.missing_internals() == []  # the versions pyproject.toml allows
    monkeypatch.setattr(sqlite_driver, "missing_internals",
                        lambda: ["aiosqlite.context.Result"])
    monkeypatch.setattr(sqlite_driver, "_warned", False)
    engines = [Database(f"sqlite+aiosqlite:///{tmp_path}/f{i}.db") for i in range(2)]
    try:
        for database in engines:
            async with database.session() as s:
                assert (await s.execute(text("select 1"))).scalar() == 1
            async with database.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                assert not isinstance(raw.driver_connection, OneTripConnection)
    finally:
        for database in engines:
            await database.dispose()
    warnings = [r for r in caplog.records if "one-trip driver" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert "aiosqlite.context.Result" in warnings[0].getMessage()
