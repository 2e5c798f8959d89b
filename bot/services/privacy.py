"""Personal data (in the spirit of Decree 13/2023/NĐ-CP): everything stored about one person,
and forgetting the contact data while keeping the evaluations the law requires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import (
    AuditLog,
    Cadre,
    Entry,
    Evaluation,
    Evidence,
    FlowState,
    InviteCode,
    NoticeDelivery,
    ReminderLog,
    TrainingRecord,
)


def _row(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


async def everything_about(session: AsyncSession, cadre: Cadre) -> dict[str, list[dict]]:
    """Table name -> rows, for the person's own data."""
    queries = {
        "cadres": select(Cadre).where(Cadre.id == cadre.id),
        "entries": select(Entry).where(Entry.cadre_id == cadre.id),
        "evidence": select(Evidence).join(Entry, Entry.id == Evidence.entry_id)
        .where(Entry.cadre_id == cadre.id),
        "evaluations": select(Evaluation).where(Evaluation.cadre_id == cadre.id),
        "training_records": select(TrainingRecord).where(TrainingRecord.cadre_id == cadre.id),
        "notice_deliveries": select(NoticeDelivery).where(NoticeDelivery.cadre_id == cadre.id),
        "reminder_log": select(ReminderLog).where(ReminderLog.cadre_id == cadre.id),
        "audit_log": select(AuditLog).where(or_(
            AuditLog.actor_id == cadre.id,
            (AuditLog.object_type == "cadre") & (AuditLog.object_id == cadre.id))),
    }
    return {name: [_row(r) for r in await session.scalars(q)] for name, q in queries.items()}


async def forget(session: AsyncSession, cadre: Cadre, now: datetime) -> None:
    """Unlink Telegram and remove contact data; evaluations and entries stay (kept by law)."""
    chat_id = cadre.telegram_chat_id
    cadre.telegram_user_id = None
    cadre.telegram_chat_id = None
    cadre.linked_at = None
    cadre.phone = None
    cadre.reminders_enabled = False
    await session.execute(update(InviteCode).where(InviteCode.cadre_id == cadre.id,
                                                   InviteCode.used_at.is_(None))
                          .values(expires_at=now))
    if chat_id is not None:
        await session.execute(delete(FlowState).where(FlowState.chat_id == chat_id))
    audit.record(session, at=now, action="forget", object_type="cadre", object_id=cadre.id,
                 actor_label="operator", note="contact data removed; evaluations kept")
