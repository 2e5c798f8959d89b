"""Work-product catalogue, periods, targets, entries, evidence and evaluations (SPEC §4.2–4.5)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, JSONType, UTCDateTime


class ProductType(Base):
    __tablename__ = "product_types"
    __table_args__ = (UniqueConstraint("position_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("job_positions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    unit_of_measure: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8), default="count")  # ProductKind
    coefficient: Mapped[float] = mapped_column(Float, default=1.0)
    indicator_group: Mapped[int] = mapped_column(Integer, default=1)
    digital: Mapped[bool] = mapped_column(Boolean, default=False)
    default_target: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("kind", "year", "number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # PeriodType
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # month 1–12, quarter 1–4, 1 for a year
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    submission_deadline: Mapped[date] = mapped_column(Date)
    review_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # PeriodStatus
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("cadre_id", "period_id", "product_type_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_types.id"))
    quantity: Mapped[float] = mapped_column(Float)
    adjusted_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    adjusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Entry(Base):
    """One cadre × period × product type; `version` grows with each submission."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("cadre_id", "period_id", "product_type_id"),
        Index("ix_entries_period_status", "period_id", "status"),
        # the approvals inbox: a reviewer's people's submitted entries found without reading
        # the others (bot/services/review.py)
        Index("ix_entries_cadre_status", "cadre_id", "status", "period_id"),
        # the entries waiting for a decision, few among a province's millions: the inbox
        # starts from them instead of from a large reviewer's thousand people (73 → 0.2 ms
        # on PostgreSQL at 50,000 cadres); the query repeats WAITING literally, so the
        # planner can use the index with a prepared statement
        Index("ix_entries_waiting", "cadre_id", "period_id",
              postgresql_where=text("status = 'submitted'"),
              sqlite_where=text("status = 'submitted'")),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_types.id"))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # EntryStatus
    version: Mapped[int] = mapped_column(Integer, default=0)

    # The cadre's own figures (for rate products quantity_done is the achieved %).
    quantity_done: Mapped[float | None] = mapped_column(Float)
    quantity_passed: Mapped[float | None] = mapped_column(Float)
    quantity_on_time: Mapped[float | None] = mapped_column(Float)
    failed_reviews: Mapped[int] = mapped_column(Integer, default=0)
    delays: Mapped[int] = mapped_column(Integer, default=0)
    # Objective-cause exemption (Decree 335 Art. 14, LAW L3): the cadre claims it with a
    # reason; the evaluator accepts (the entry's deductions are cancelled) or refuses it.
    exemption_note: Mapped[str | None] = mapped_column(Text)
    exemption_status: Mapped[str | None] = mapped_column(String(12))  # ExemptionStatus
    exemption_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    note: Mapped[str | None] = mapped_column(Text)

    # Figures set by the evaluator when approving with adjustment (originals kept above).
    adjusted: Mapped[bool] = mapped_column(Boolean, default=False)
    adj_quantity_done: Mapped[float | None] = mapped_column(Float)
    adj_quantity_passed: Mapped[float | None] = mapped_column(Float)
    adj_quantity_on_time: Mapped[float | None] = mapped_column(Float)
    adj_failed_reviews: Mapped[int | None] = mapped_column(Integer)
    adj_delays: Mapped[int | None] = mapped_column(Integer)

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    decided_for_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))  # delegation
    decided_version: Mapped[int | None] = mapped_column(Integer)
    return_reason: Mapped[str | None] = mapped_column(Text)
    # The figures of the version last returned ({"version", "done", "passed", "on_time",
    # "failed", "delays", "at"}): on resubmission the evaluator sees what changed since, and
    # why it was returned (the cadre's edits overwrite the figures above).
    returned_figures: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A figure the board imported (`cadrebot import satisfaction`: the people's satisfaction
    # rate from the public-service portal, issue #24 part 5): final, the cadre cannot change
    # it; the source as the file names it.
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_source: Mapped[str | None] = mapped_column(String(120))

    @property
    def exemption_accepted(self) -> bool:
        return self.exemption_status == "accepted"


class EntryAdjustment(Base):
    """One figure of a submitted entry changed by the evaluator, with the reason the cadre
    reads (SPEC §4.4: "approve with adjusted figures (the original figures are kept)"; §4.5:
    "Cách tính điểm" shows old → new, by whom). The entry keeps the cadre's figure and the
    adjusted one (adj_*); a row per figure keeps the reason, who and when, and the version
    it was made on."""

    __tablename__ = "entry_adjustments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # the entry's version it was made on
    figure: Mapped[str] = mapped_column(String(12))  # done | passed | on_time | failed | delays
    old: Mapped[float | None] = mapped_column(Float)
    new: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"))
    for_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))  # delegation
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # photo | document | link
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(127))
    file_size: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


UNRATED = text("evaluations.status <> 'rated'")
WAITING = text("entries.status = 'submitted'")  # EntryStatus.SUBMITTED, for ix_entries_waiting


class Evaluation(Base):
    """The rating of one cadre for one period (month, quarter or year)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("cadre_id", "period_id"),
        # the periods waiting for a rating among a reviewer's people (review.to_rate): a
        # partial index of the few rows not rated yet, among a province's hundreds of
        # thousands (the query repeats UNRATED literally, so PostgreSQL can use it)
        Index("ix_evaluations_unrated", "cadre_id", "period_id",
              postgresql_where=text("status <> 'rated'"), sqlite_where=text("status <> 'rated'")),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # General criteria (30 points): {"political": x, "ethics": x, "style": x, "discipline": x}
    self_criteria: Mapped[dict | None] = mapped_column(JSONType)
    criteria: Mapped[dict | None] = mapped_column(JSONType)
    organising: Mapped[float | None] = mapped_column(Float)  # đ, leaders
    rallying: Mapped[float | None] = mapped_column(Float)  # e, leaders
    unit_result: Mapped[float | None] = mapped_column(Float)  # d, leaders
    task_score: Mapped[float | None] = mapped_column(Float)
    general_score: Mapped[float | None] = mapped_column(Float)
    total_score: Mapped[float | None] = mapped_column(Float)
    computed_band: Mapped[str | None] = mapped_column(String(20))  # Band
    band: Mapped[str | None] = mapped_column(String(20))  # Band, final
    band_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list | None] = mapped_column(JSONType)
    # draft | rated; the year: proposed (by the evaluator) → rated (the agency's list closed)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The year only: months worked, the agency and duty group the cap was counted in, the
    # band the evaluator proposed (the closed band may differ, with a reason).
    months_worked: Mapped[float | None] = mapped_column(Float)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    duty_group: Mapped[str | None] = mapped_column(String(32))
    proposed_band: Mapped[str | None] = mapped_column(String(20))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    rated_for_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnnualList(Base):
    """An agency's annual rating list (Art. 21): evaluators propose, the agency head or the
    board closes it; the "xuất sắc" cap is checked on the whole list at closing."""

    __tablename__ = "annual_lists"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    closed_by_label: Mapped[str | None] = mapped_column(String(64))


class Appeal(Base):
    """A cadre's kiến nghị (disagreement) about an announced evaluation — a month's or
    quarter's rating, or the annual rating once the agency's list is closed — sent within the
    policy's window (Bắc Ninh: "cơ chế tiếp nhận, xử lý thông tin phản ánh"). The evaluator's
    own evaluator answers it (the board where there is none) by the due date: kept, or changed
    through the rating rules (bot.services.appeals). One kiến nghị per evaluation."""

    __tablename__ = "appeals"
    __table_args__ = (
        # one kiến nghị per evaluation (the answer is final at this level)
        UniqueConstraint("evaluation_id"),
        # the open ones, by who must answer (✅ Phê duyệt, reminders, the board's digest)
        Index("ix_appeals_status_handler", "status", "handler_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    reason: Mapped[str] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))  # Telegram file_id
    file_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # who must answer: the evaluator's own evaluator; None = the Organization Board
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    due_on: Mapped[date] = mapped_column(Date)  # local date, working days from sending
    status: Mapped[str] = mapped_column(String(16), default="open")  # AppealStatus
    outcome: Mapped[str | None] = mapped_column(String(16))  # AppealOutcome
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the evaluation as it was when the kiến nghị was sent, and after the answer
    band_before: Mapped[str | None] = mapped_column(String(20))
    total_before: Mapped[float | None] = mapped_column(Float)
    band_after: Mapped[str | None] = mapped_column(String(20))
    total_after: Mapped[float | None] = mapped_column(Float)


class Feedback(Base):
    """A feedback record (phản ánh, kiến nghị of the people) about a cadre or a unit (Bắc
    Ninh's resolution: "cơ chế tiếp nhận, xử lý thông tin phản ánh"; issue #24 part 5),
    imported by the board (`cadrebot import feedback`). The evaluator reads those of the
    period on the review screen of a report: the person's own and their unit's."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_cadre_day", "cadre_id", "received_on"),
                      Index("ix_feedback_unit_day", "unit_id", "received_on"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # the source's own number
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
