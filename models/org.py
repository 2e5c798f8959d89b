"""Organisation: units, job positions, cadres, roles, delegations, disciplines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigIntPK, UTCDateTime


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    level: Mapped[str] = mapped_column(String(8))  # UnitLevel
    sector: Mapped[str | None] = mapped_column(String(120))
    # None = inherit from the parent (month at the root).
    period_type: Mapped[str | None] = mapped_column(String(8))
    outstanding: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class JobPosition(Base):
    __tablename__ = "job_positions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    group: Mapped[str | None] = mapped_column(String(32))  # PositionGroup
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Cadre(Base):
    __tablename__ = "cadres"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(8))  # Gender
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    staff_type: Mapped[str | None] = mapped_column(String(16))  # StaffType
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("job_positions.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(255))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"), index=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    theory_level: Mapped[str | None] = mapped_column(String(16))  # TheoryLevel
    education: Mapped[str | None] = mapped_column(String(16))  # Education
    in_planning: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Telegram link (SPEC §2): one account per roster record, set only by proof.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False once Telegram answered 403 (the cadre blocked the bot).
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[OrgUnit | None] = relationship(lazy="raise")
    position: Mapped[JobPosition | None] = relationship(lazy="raise")
    evaluator: Mapped[Cadre | None] = relationship(remote_side=[id], lazy="raise")


class RoleGrant(Base):
    """Roles given by the operator (`cadrebot grant`); supervisor also follows from the roster."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("cadre_id", "role"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # Role
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by: Mapped[str | None] = mapped_column(String(64))


class Delegation(Base):
    """An evaluator hands their reviews to another cadre for a date range."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Discipline(Base):
    """A disciplinary measure; khiển trách or higher forces "Không hoàn thành" that year."""

    __tablename__ = "disciplines"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(32))
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
