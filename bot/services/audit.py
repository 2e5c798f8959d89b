"""Append-only audit trail: who did what, when, before -> after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog


def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    object_type: str,
    object_id: int | None = None,
    actor_id: int | None = None,
    actor_label: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
) -> AuditLog:
    row = AuditLog(
        at=at,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        actor_label=actor_label,
        before=before,
        after=after,
        note=note,
    )
    session.add(row)
    return row
