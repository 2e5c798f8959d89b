"""The database away for a while (SECURITY.md, faults): one WARNING when it goes, one INFO
when it is back, no traceback; people are told to try again, nothing is lost."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.db import Database
from bot.db_health import is_outage
from models import Entry

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


async def test_an_outage_is_one_warning_then_one_info(harness, clock, caplog):
    from tests.test_flow_report import entries, setup

    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    db = harness.db
    working = (db.engine, db.sessionmaker)
    broken = Database(UNREACHABLE)
    caplog.set_level(logging.INFO)
    caplog.clear()
    db.engine, db.sessionmaker = broken.engine, broken.sessionmaker  # the server goes away
    try:
        for _ in range(5):
            await thao.send("📝 Báo cáo KPI")
        assert "tạm thời gián đoạn" in thao.last.text
        harness.errors.clear()  # the error handlers got them, as they should
    finally:
        db.engine, db.sessionmaker = working
        await broken.dispose()
    await thao.send("📝 Báo cáo KPI")  # back
    assert "Báo cáo KPI — Tháng 11/2026" in thao.last.text
    records = [(r.levelname, r.getMessage()) for r in caplog.records
               if r.levelno >= logging.INFO and r.name.startswith(("bot", "handlers"))]
    warnings = [m for level, m in records if level == "WARNING"]
    assert len(warnings) == 1 and warnings[0].startswith("database unavailable (")
    assert len([m for level, m in records if level == "INFO"
                and m.startswith("database reachable again")]) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len(await entries(harness)) == 3  # the drafts made before are all there
    async with db.session() as s:
        assert await s.scalar(select(Entry.id).limit(1)) is not None


def test_what_counts_as_an_outage():
    from sqlalchemy.exc import IntegrityError, OperationalError

    assert is_outage(ConnectionRefusedError())
    assert is_outage(OperationalError("x", {}, Exception("unable to open database file")))
    assert not is_outage(IntegrityError("x", {}, Exception("UNIQUE constraint failed")))
    assert not is_outage(ValueError("a bug"))
