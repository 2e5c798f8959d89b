"""What must hold in the stored data whatever people did: used after fuzzing, faults and
restoring a backup. `problems()` lists what is wrong; `assert_consistent()` fails on any."""

from __future__ import annotations

import sqlite3
from collections import Counter

from sqlalchemy import select, text

from bot.db import Database
from models import (
    Cadre,
    Entry,
    Evaluation,
    Evidence,
    FlowState,
    Notice,
    NoticeDelivery,
    TrainingRecord,
)
from models.enums import DeliveryStatus, EntryStatus, NoticeStatus, TrainingStatus

EPSILON = 1e-9


def sqlite_file_problems(path: str) -> list[str]:
    """SQLite's own checks on a database file: page structure and foreign keys."""
    connection = sqlite3.connect(path)
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    found = [] if integrity == ["ok"] else [f"integrity_check: {integrity[:5]}"]
    if orphans:
        found.append(f"foreign_key_check: {orphans[:5]} ({len(orphans)} rows)")
    return found


async def problems(db: Database) -> list[str]:
    found: list[str] = []
    async with db.session() as s:
        if db.is_sqlite:
            integrity = list(await s.scalars(text("PRAGMA integrity_check")))
            if integrity != ["ok"]:
                found.append(f"integrity_check: {integrity[:5]}")
            orphans = (await s.execute(text("PRAGMA foreign_key_check"))).all()
            if orphans:
                found.append(f"foreign_key_check: {orphans[:5]}")
        entry_states = {status.value for status in EntryStatus}
        for e in await s.scalars(select(Entry)):
            where = f"entry {e.id}"
            if e.status not in entry_states:
                found.append(f"{where}: status {e.status!r}")
            if e.version < 0:
                found.append(f"{where}: version {e.version}")
            for name in ("quantity_done", "quantity_passed", "quantity_on_time"):
                value = getattr(e, name)
                if value is not None and not 0 <= value < float("inf"):
                    found.append(f"{where}: {name} = {value}")
            if e.failed_reviews < 0 or e.delays < 0:
                found.append(f"{where}: failed_reviews {e.failed_reviews}, delays {e.delays}")
            if (e.quantity_passed is not None and e.quantity_done is not None
                    and e.quantity_passed > e.quantity_done + EPSILON):
                found.append(f"{where}: passed {e.quantity_passed} > done {e.quantity_done}")
            if e.status != EntryStatus.DRAFT and e.submitted_at is None:
                found.append(f"{where}: {e.status} without submitted_at")
            if e.status in (EntryStatus.APPROVED, EntryStatus.RETURNED) and e.decided_at is None:
                found.append(f"{where}: {e.status} without decided_at")
            if e.note is not None and len(e.note) > 1000:
                found.append(f"{where}: note of {len(e.note)} characters")
        for ev in await s.scalars(select(Evaluation)):
            if ev.total_score is not None and not 0 <= ev.total_score <= 100:
                found.append(f"evaluation {ev.id}: total_score {ev.total_score}")
            if ev.status not in ("draft", "rated"):
                found.append(f"evaluation {ev.id}: status {ev.status!r}")
        notice_states = {status.value for status in NoticeStatus}
        for n in await s.scalars(select(Notice)):
            if n.status not in notice_states:
                found.append(f"notice {n.id}: status {n.status!r}")
        delivery_states = {status.value for status in DeliveryStatus}
        for d in await s.scalars(select(NoticeDelivery)):
            if d.status not in delivery_states:
                found.append(f"delivery {d.id}: status {d.status!r}")
        training_states = {status.value for status in TrainingStatus}
        for r in await s.scalars(select(TrainingRecord)):
            if r.status not in training_states:
                found.append(f"training record {r.id}: status {r.status!r}")
        for f in await s.scalars(select(FlowState)):
            if not f.flow or not f.step:
                found.append(f"flow state of chat {f.chat_id}: {f.flow!r}/{f.step!r}")
        for ev in await s.scalars(select(Evidence)):
            if ev.file_size is not None and ev.file_size < 0:
                found.append(f"evidence {ev.id}: size {ev.file_size}")
        linked = Counter(uid for uid in await s.scalars(
            select(Cadre.telegram_user_id).where(Cadre.telegram_user_id.is_not(None))))
        found += [f"telegram user {uid} linked to {n} cadres" for uid, n in linked.items() if n > 1]
    return found


async def assert_consistent(db: Database, context: str = "") -> None:
    found = await problems(db)
    assert not found, f"{context}: inconsistent database:\n  " + "\n  ".join(found)
