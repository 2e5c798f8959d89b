"""Personal data (in the spirit of Decree 13/2023/NĐ-CP): everything stored about one person,
and forgetting the contact data while keeping the evaluations the law requires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import (
    Appeal,
    AuditLog,
    Cadre,
    Entry,
    EntryAdjustment,
    Evaluation,
    Evidence,
    Feedback,
    FlowState,
    InboundUpdate,
    InviteCode,
    Leave,
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
        "entry_adjustments": select(EntryAdjustment)
        .join(Entry, Entry.id == EntryAdjustment.entry_id).where(Entry.cadre_id == cadre.id),
        "leaves": select(Leave).where(Leave.cadre_id == cadre.id),
        "evaluations": select(Evaluation).where(Evaluation.cadre_id == cadre.id),
        "appeals": select(Appeal).where(Appeal.cadre_id == cadre.id),  # kiến nghị sent
        "training_records": select(TrainingRecord).where(TrainingRecord.cadre_id == cadre.id),
        "notice_deliveries": select(NoticeDelivery).where(NoticeDelivery.cadre_id == cadre.id),
        "reminder_log": select(ReminderLog).where(ReminderLog.cadre_id == cadre.id),
        "feedback": select(Feedback).where(Feedback.cadre_id == cadre.id),
        "audit_log": select(AuditLog).where(or_(
            AuditLog.actor_id == cadre.id,
            (AuditLog.object_type == "cadre") & (AuditLog.object_id == cadre.id))),
    }
    return {name: [_row(r) for r in await session.scalars(q)] for name, q in queries.items()}


FORGOTTEN = "(đã xóa)"  # what a masked value reads as


def _mask(value, secrets: list[str]):
    """A JSON value with every occurrence of the secrets masked (dicts and lists walked)."""
    if isinstance(value, dict):
        return {key: _mask(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, secrets) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    text = str(value)
    masked = text
    for secret in secrets:
        masked = masked.replace(secret, FORGOTTEN)
    if masked == text:
        return value
    return masked


def _phone_forms(phone: str | None) -> list[str]:
    """+84912345678 as it may be written anywhere: +84…, 84…, 0…"""
    if not phone:
        return []
    digits = phone.lstrip("+")
    national = "0" + digits[2:] if digits.startswith("84") else digits
    return [phone, digits, national]


async def forget(session: AsyncSession, cadre: Cadre, now: datetime) -> None:
    """Unlink Telegram and remove or mask the person's contact data everywhere it was kept
    (the audit log's details, invite codes, recorded updates, conversation state, delivery
    errors), and remember that they were forgotten so a roster import does not restore the
    phone. Their name stays on their record and their evaluations stay (kept by law)."""
    phone, user_id, chat_id = cadre.phone, cadre.telegram_user_id, cadre.telegram_chat_id
    # a Telegram id is long; a short one (a test's) would mask unrelated numbers
    ids = [str(x) for x in {user_id, chat_id} if x is not None and len(str(x)) >= 5]
    secrets = [s for s in (*_phone_forms(phone), *ids, cadre.full_name) if s]
    cadre.telegram_user_id = None
    cadre.telegram_chat_id = None
    cadre.linked_at = None
    cadre.phone = None
    cadre.reminders_enabled = False
    cadre.forgotten_at = now
    await session.execute(update(InviteCode).where(InviteCode.cadre_id == cadre.id,
                                                   InviteCode.used_at.is_(None))
                          .values(expires_at=now))
    await session.execute(update(InviteCode).where(InviteCode.cadre_id == cadre.id)
                          .values(used_by_telegram_id=None))
    for chat in {user_id, chat_id} - {None}:
        await session.execute(delete(FlowState).where(FlowState.chat_id == chat))
        await session.execute(delete(InboundUpdate).where(InboundUpdate.chat_id == chat))
    if secrets:
        mentions = or_(*[cast(column, String).contains(secret) for secret in secrets
                         for column in (AuditLog.before, AuditLog.after, AuditLog.note)])
        for row in await session.scalars(select(AuditLog).where(or_(
                mentions, AuditLog.actor_id == cadre.id,
                (AuditLog.object_type == "cadre") & (AuditLog.object_id == cadre.id)))):
            row.before = _mask(row.before, secrets)
            row.after = _mask(row.after, secrets)
            row.note = _mask(row.note, secrets)
        for delivery in await session.scalars(select(NoticeDelivery).where(
                NoticeDelivery.cadre_id == cadre.id, NoticeDelivery.error.is_not(None))):
            delivery.error = _mask(delivery.error, secrets)
    audit.record(session, at=now, action="forget", object_type="cadre", object_id=cadre.id,
                 actor_label="operator", note="contact data removed; evaluations kept")
