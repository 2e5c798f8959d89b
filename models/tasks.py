"""Assigned tasks (giao việc "6 rõ", issue #24 §1): who, what, with which authority to
accept it, by when, with what expected result; and the history of each one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, JSONType, UTCDateTime


class Task(Base):
    """One task of one cadre (a task for "a unit's cadres" is one row per cadre). Counts
    `units` items of the catalogue product `product_type_id` in the period its deadline falls
    in (bot.services.tasks)."""

    __tablename__ = "tasks"
    __table_args__ = (
        # the cadre's list (📝 Báo cáo KPI) and the period's figures read a cadre's tasks by
        # deadline; the evaluator's list reads the tasks waiting for their acceptance
        Index("ix_tasks_cadre_deadline", "cadre_id", "deadline"),
        Index("ix_tasks_authority_status", "authority_id", "status"),
        # an import's row, found again on re-import (idempotent)
        UniqueConstraint("cadre_id", "import_key"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))  # rõ người
    title: Mapped[str] = mapped_column(String(255))  # rõ việc
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_types.id"))
    units: Mapped[int] = mapped_column(Integer, default=1)  # items of the product it counts
    expected_result: Mapped[str] = mapped_column(Text)  # rõ kết quả
    authority_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))  # rõ thẩm quyền
    deadline: Mapped[date] = mapped_column(Date)  # rõ thời gian (local date, inclusive)
    status: Mapped[str] = mapped_column(String(12), default="assigned")  # TaskStatus
    version: Mapped[int] = mapped_column(Integer, default=0)  # grows with every change
    returns: Mapped[int] = mapped_column(Integer, default=0)  # failed reviews so far
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest delivery
    delivered_late: Mapped[bool | None] = mapped_column(Boolean)  # that delivery after the deadline
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    assigned_by_label: Mapped[str | None] = mapped_column(String(64))  # "operator" (import)
    import_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskEvent(Base):
    """What happened to a task: assigned, delivered (with its evidence), returned (with the
    reason), accepted, deadline extended (old → new)."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # TaskEventKind
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    by_label: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)  # a return's reason, a delivery's note
    old_deadline: Mapped[date | None] = mapped_column(Date)
    new_deadline: Mapped[date | None] = mapped_column(Date)
    # a delivery's evidence: [{"kind", "file_id", "file_unique_id", "file_name", "mime_type",
    # "file_size", "url"}] (the entries' evidence rules, bot.services.entry_rules.evidence_of)
    evidence: Mapped[list | None] = mapped_column(JSONType)
