"""Training obligations and declared courses (SPEC §4.6, Decree 171/2025)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, JSONType, UTCDateTime


class TrainingRequirement(Base):
    __tablename__ = "training_requirements"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(32))  # TrainingCategory
    title: Mapped[str] = mapped_column(String(255))
    # Who it applies to: {"staff_types": [...], "levels": [...], "units": [...],
    # "positions": [...], "leaders": bool, "in_planning": bool, "young": bool}; {} = all.
    applies_to: Mapped[dict] = mapped_column(JSONType, default=dict)
    hours_required: Mapped[float | None] = mapped_column(Float)
    level_required: Mapped[str | None] = mapped_column(String(16))  # TheoryLevel
    year: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TrainingRecord(Base):
    __tablename__ = "training_records"
    __table_args__ = (Index("ix_training_records_status", "status"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("training_requirements.id"))
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(255))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    certificate_file_id: Mapped[str | None] = mapped_column(String(255))
    certificate_kind: Mapped[str | None] = mapped_column(String(12))  # photo | document
    status: Mapped[str] = mapped_column(String(12), default="claimed")  # TrainingStatus
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
