"""Board broadcasts and their durable per-recipient outbox (SPEC §4.7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, JSONType, UTCDateTime


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    text: Mapped[str] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(12))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(255))
    audience: Mapped[dict] = mapped_column(JSONType, default=dict)
    ack_kind: Mapped[str] = mapped_column(String(12), default="none")  # AckKind
    status: Mapped[str] = mapped_column(String(12), default="draft")  # NoticeStatus
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    status_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeDelivery(Base):
    """One row per recipient: claimed before sending, message id recorded after."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "cadre_id"),
        Index("ix_notice_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # DeliveryStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
