"""Organisation: units, job positions, cadres, roles, delegations, disciplines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
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
    # An agency (cơ quan, đơn vị) of the annual rating and its cap; None = the default
    # rule: the top unit under the province (bot.services.agencies).
    is_agency: Mapped[bool | None] = mapped_column(Boolean)
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
    # "chức danh lãnh đạo chủ chốt" (Bí thư, Phó Bí thư, Chủ tịch HĐND/UBND …), as the
    # resolutions count young cadres in key posts.
    key_title: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Cadre(Base):
    __tablename__ = "cadres"
    __table_args__ = (
        # Every update looks its sender up by Telegram account. Most of a province is not
        # linked yet, and SQLite's ANALYZE then counts the NULLs as one value shared by
        # 50,000 rows, so the planner scans the table instead of the unique index (20 ms per
        # update at 50,000 cadres). The index of the linked accounts only keeps true
        # statistics (bench/RESULTS.md §1).
        Index("ix_cadres_linked", "telegram_user_id",
              postgresql_where=text("telegram_user_id IS NOT NULL"),
              sqlite_where=text("telegram_user_id IS NOT NULL")),
    )

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
    # "diện quản lý": ManagementTier (who manages this cadre's appointment).
    management_tier: Mapped[str | None] = mapped_column(String(16))
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
    # `cadrebot forget`: contact data removed; a later roster import does not bring it back.
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    """A disciplinary measure, or another ground the decree names (a conclusion of political,
    moral degradation; for a leader, corruption or waste dealt with in the unit led
    directly): each forces "Không hoàn thành" that year (LAW L6). `level` is a
    DisciplineLevel."""

    __tablename__ = "disciplines"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(32))
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class LeaderScope(Base):
    """The units a deputy leader is assigned (their d counts those units' civil servants,
    sub-units included); a leader without any is counted on their own unit."""

    __tablename__ = "leader_scopes"
    __table_args__ = (UniqueConstraint("cadre_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))


class Leave(Base):
    """Time away from work (annual leave, sick, maternity, study, …): no reminders on those
    days, a period wholly on leave is not expected (bot.services.leave), and the annual
    rating counts the months actually worked (Art. 21, LAW L8). Only confirmed leave counts."""

    __tablename__ = "leaves"
    # the bulk questions "who is on leave on these days" read confirmed rows by their span
    __table_args__ = (Index("ix_leaves_status_span", "status", "ends_on", "starts_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # LeaveKind
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    created_by_label: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="confirmed",
                                        server_default="confirmed")  # LeaveStatus
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)


class AgencyRating(Base):
    """An agency's own rating for a year (Decree 335 rates agencies on 100 points too): a
    leader is not rated above it."""

    __tablename__ = "agency_ratings"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))  # Band
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(64))


class PastRating(Base):
    """An annual rating from before the bot (imported), so the two-year rules work from the
    first year."""

    __tablename__ = "past_ratings"
    __table_args__ = (UniqueConstraint("cadre_id", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(20))  # Band
    score: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
