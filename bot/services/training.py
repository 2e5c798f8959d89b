"""Training obligations (Decree 171/2025/NĐ-CP): who each applies to, progress and status,
declared courses and their verification (SPEC §4.6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.review import ReviewError, meaningful
from models import Cadre, JobPosition, OrgUnit, TrainingRecord, TrainingRequirement
from models.enums import THEORY_RANK, TheoryLevel, TrainingStatus

YOUNG_AGE = 42
DUE_SOON_DAYS = 30


class Status(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Profile:
    """What the applicability rules look at, for one cadre."""

    staff_type: str | None
    level: str | None
    unit_codes: frozenset[str]  # the cadre's unit and every unit above it
    position_code: str | None
    is_leader: bool
    in_planning: bool
    birth_date: date | None
    theory_level: str | None


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def applies(rule: dict, who: Profile, today: date) -> bool:
    if rule.get("staff_types") and who.staff_type not in rule["staff_types"]:
        return False
    if rule.get("levels") and who.level not in rule["levels"]:
        return False
    if rule.get("units") and not who.unit_codes.intersection(rule["units"]):
        return False
    if rule.get("positions") and who.position_code not in rule["positions"]:
        return False
    if rule.get("leaders") and not who.is_leader:
        return False
    if rule.get("in_planning") and not who.in_planning:
        return False
    if rule.get("young"):
        age = age_on(who.birth_date, today)
        if age is None or age >= YOUNG_AGE:
            return False
    return True


@dataclass
class Obligation:
    requirement: TrainingRequirement
    status: Status
    hours_done: float  # verified
    hours_pending: float  # declared, waiting for verification
    level_ok: bool | None


def status_of(requirement: TrainingRequirement, who: Profile, records: list[TrainingRecord],
              today: date) -> Obligation:
    year = requirement.year or today.year
    relevant = [r for r in records if r.category == requirement.category
                and (r.end_date or r.start_date or today).year == year]
    done = sum(r.hours for r in relevant if r.status == TrainingStatus.VERIFIED.value)
    pending = sum(r.hours for r in relevant if r.status == TrainingStatus.CLAIMED.value)
    level_ok = None
    satisfied = True
    if requirement.hours_required:
        satisfied = done >= requirement.hours_required
    if requirement.level_required:
        have = THEORY_RANK.get(TheoryLevel(who.theory_level or "none"), 0)
        level_ok = have >= THEORY_RANK[TheoryLevel(requirement.level_required)]
        satisfied = satisfied and level_ok
    if satisfied:
        status = Status.DONE
    elif requirement.due_date and requirement.due_date < today:
        status = Status.OVERDUE
    elif requirement.due_date and (requirement.due_date - today).days <= DUE_SOON_DAYS:
        status = Status.DUE_SOON
    else:
        status = Status.IN_PROGRESS
    return Obligation(requirement, status, done, pending, level_ok)


async def profile_of(session: AsyncSession, cadre: Cadre) -> Profile:
    codes, level = set(), None
    unit_id, seen = cadre.unit_id, set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        unit = await session.get(OrgUnit, unit_id)
        if unit is None:
            break
        level = level or unit.level
        codes.add(unit.code)
        unit_id = unit.parent_id
    position = await session.get(JobPosition, cadre.position_id) if cadre.position_id else None
    return Profile(cadre.staff_type, level, frozenset(codes), position.code if position else None,
                   cadre.is_leader, cadre.in_planning, cadre.birth_date, cadre.theory_level)


async def obligations(session: AsyncSession, cadre: Cadre, today: date) -> list[Obligation]:
    who = await profile_of(session, cadre)
    records = list(await session.scalars(select(TrainingRecord).where(
        TrainingRecord.cadre_id == cadre.id)))
    requirements = await session.scalars(select(TrainingRequirement).where(
        TrainingRequirement.active.is_(True)).order_by(TrainingRequirement.due_date,
                                                       TrainingRequirement.code))
    return [status_of(r, who, records, today) for r in requirements
            if applies(r.applies_to or {}, who, today)]


async def records_of(session: AsyncSession, cadre_id: int) -> list[TrainingRecord]:
    return list(await session.scalars(select(TrainingRecord).where(
        TrainingRecord.cadre_id == cadre_id).order_by(TrainingRecord.created_at.desc())))


async def declare(session: AsyncSession, cadre: Cadre, data: dict, now: datetime) -> TrainingRecord:
    record = TrainingRecord(
        cadre_id=cadre.id, title=data["title"], category=data["category"],
        provider=data.get("provider"), start_date=date.fromisoformat(data["start"]),
        end_date=date.fromisoformat(data["end"]), hours=float(data["hours"]),
        certificate_no=data.get("certificate_no"), certificate_file_id=data.get("file_id"),
        certificate_kind=data.get("file_kind"), status=TrainingStatus.CLAIMED.value,
        created_at=now)
    session.add(record)
    await session.flush()
    audit.record(session, at=now, action="declare_training", object_type="training_record",
                 object_id=record.id, actor_id=cadre.id, after={"hours": record.hours,
                                                                 "category": record.category})
    return record


async def pending_for(session: AsyncSession, verifier_id: int, is_board: bool,
                      limit: int = 10) -> list[tuple[TrainingRecord, Cadre]]:
    query = (select(TrainingRecord, Cadre).join(Cadre, Cadre.id == TrainingRecord.cadre_id)
             .where(TrainingRecord.status == TrainingStatus.CLAIMED.value, Cadre.active.is_(True)))
    if not is_board:
        query = query.where(Cadre.evaluator_id == verifier_id)
    query = query.where(Cadre.id != verifier_id)  # nobody verifies their own course
    rows = await session.execute(query.order_by(TrainingRecord.created_at).limit(limit))
    return [(r, c) for r, c in rows.all()]


async def verify(session: AsyncSession, *, record_id: int, verifier_id: int, is_board: bool,
                 approve: bool, reason: str | None, now: datetime) -> tuple[TrainingRecord, Cadre]:
    record = await session.get(TrainingRecord, record_id)
    if record is None:
        raise ReviewError("not_found")
    cadre = await session.get(Cadre, record.cadre_id)
    if cadre.id == verifier_id or (cadre.evaluator_id != verifier_id and not is_board):
        raise ReviewError("forbidden")
    if record.status != TrainingStatus.CLAIMED.value:
        raise ReviewError("already_decided", at=record.verified_at)
    if not approve and not meaningful(reason):
        raise ReviewError("reason_required")
    record.status = (TrainingStatus.VERIFIED if approve else TrainingStatus.REJECTED).value
    record.verifier_id = verifier_id
    record.verified_at = now
    record.reject_reason = None if approve else reason.strip()[:500]
    audit.record(session, at=now, action="verify_training" if approve else "reject_training",
                 object_type="training_record", object_id=record.id, actor_id=verifier_id,
                 after={"status": record.status, "reason": record.reject_reason})
    return record, cadre
