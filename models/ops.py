"""Operational tables: audit log, reminder log, per-chat flow state, scheduler lease,
inbound webhook updates, shared send pace, spreadsheets sent to the bot for import."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, JSONType, UTCDateTime


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    actor_label: Mapped[str | None] = mapped_column(String(64))  # "operator", "import", …
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)


class ReminderLog(Base):
    """At most one reminder per (person, subject, step): the unique key is the guarantee."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("cadre_id", "subject", "step"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))
    subject: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FlowState(Base):
    """Where a chat is inside a multi-step flow; survives restarts and other processes."""

    __tablename__ = "flow_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerLease(Base):
    """Which process runs the scheduler ticks (several bot processes on PostgreSQL)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundUpdate(Base):
    """An update received by webhook, recorded before Telegram is answered: several processes
    apply one chat's updates in update_id order, and a dead process's updates are taken over."""

    __tablename__ = "inbound_updates"
    __table_args__ = (Index("ix_inbound_updates_chat", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(64))


class SendPace(Base):
    """A token bucket shared by every process: the next free send slot, in epoch seconds."""

    __tablename__ = "send_pace"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


class ChatImport(Base):
    """A spreadsheet a board member sent to the bot: checked (dry run), then applied once.

    The file's bytes are kept until it is decided, so the apply reads exactly what was
    checked, in any bot process; `status` goes pending -> applied | cancelled through a
    conditional UPDATE (bot/services/chat_imports.py), which is what makes a second tap,
    from the same or another device, find nothing to apply."""

    __tablename__ = "chat_imports"
    __table_args__ = (Index("ix_chat_imports_sha256", "sha256"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))  # who sent it
    chat_id: Mapped[int] = mapped_column(BigInteger)
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # cleared once decided
    kind: Mapped[str | None] = mapped_column(String(32))  # None: asked which list it is
    status: Mapped[str] = mapped_column(String(16), default="pending")
    summary: Mapped[dict | None] = mapped_column(JSONType)  # the dry run's counts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))


class DashboardView(Base):
    """One of the board's dashboard views (the province overview of a period, one level of
    its drill-down by unit) as the page receives it: gzip-compressed JSON, computed ahead by
    the refresh job (bot/jobs/dashboard.py) or by the first request, served as stored while it
    is fresh enough (bot/services/dashboard_views.py), for good once its period is locked."""

    __tablename__ = "dashboard_views"
    __table_args__ = (UniqueConstraint("period_id", "view", name="uq_dashboard_views_period"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    view: Mapped[str] = mapped_column(String(32))  # "overview", "unit:0", "unit:<id>"
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
