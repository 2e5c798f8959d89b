"""Training obligations (Decree 171/2025/NĐ-CP): who each applies to, progress and status,
declared courses and their verification (SPEC §4.6)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.answers import Answer, AnswerError
from bot.services.identity import Actor
from bot.services.numbers import NotANumber, parse_number
from bot.services.review import ReviewError, meaningful
from models import Cadre, JobPosition, OrgUnit, TrainingRecord, TrainingRequirement
from models.enums import THEORY_RANK, TheoryLevel, TrainingStatus

YOUNG_AGE = 42
DUE_SOON_DAYS = 30
TITLE_LIMIT = 255  # the course and the institution (the columns' sizes)
CERTIFICATE_NO_LIMIT = 64
MAX_HOURS = 2000
MAX_FILE = 20 * 1024 * 1024  # what a bot may download from Telegram
REASON_LIMIT = 500
WAITING_COUNTED = 50  # the 🗂 buttons count the courses waiting up to this many
WAITING_PAGE = 8  # courses per page of the verification list
RANGE = re.compile(r"^\s*(\d{1,2}/\d{1,2}/\d{4})\s*(?:[-–]|đến)?\s*(\d{1,2}/\d{1,2}/\d{4})?\s*$")


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


def _waiting(query, verifier_id: int, is_board: bool):
    """The declared courses `verifier_id` verifies: of the active cadres they evaluate (any
    active cadre's for the board), never their own."""
    query = (query.join(Cadre, Cadre.id == TrainingRecord.cadre_id)
             .where(TrainingRecord.status == TrainingStatus.CLAIMED.value, Cadre.active.is_(True)))
    if not is_board:
        query = query.where(Cadre.evaluator_id == verifier_id)
    return query.where(Cadre.id != verifier_id)  # nobody verifies their own course


async def pending_for(session: AsyncSession, verifier_id: int, is_board: bool,
                      limit: int = 10, offset: int = 0) -> list[tuple[TrainingRecord, Cadre]]:
    query = _waiting(select(TrainingRecord, Cadre), verifier_id, is_board)
    rows = await session.execute(query.order_by(TrainingRecord.created_at, TrainingRecord.id)
                                 .offset(offset).limit(limit))
    return [(r, c) for r, c in rows.all()]


async def waiting_count(session: AsyncSession, actor: Actor) -> int:
    """How many declared courses wait for the actor's verification, counted up to
    WAITING_COUNTED: one query on indexed columns (the approvals inbox reads it on every
    opening: ix_training_records_status, cadres.evaluator_id)."""
    if not actor.is_supervisor:
        return 0
    found = _waiting(select(TrainingRecord.id), actor.cadre_id, actor.is_board)
    return await session.scalar(
        select(func.count()).select_from(found.limit(WAITING_COUNTED).subquery())) or 0


@dataclass(frozen=True)
class Waiting:
    """A page of the declared courses waiting for the verifier, oldest first."""

    items: list[tuple[TrainingRecord, Cadre]]
    total: int  # counted up to WAITING_COUNTED
    page: int = 0
    page_size: int = WAITING_PAGE

    @property
    def more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


async def waiting_list(session: AsyncSession, actor: Actor, page: int = 0) -> Waiting:
    """🗂 The verification list (from ✅ Phê duyệt or 📚 Bồi dưỡng), one page."""
    total = await waiting_count(session, actor)
    page = max(0, min(page, (total - 1) // WAITING_PAGE if total else 0))
    items = await pending_for(session, actor.cadre_id, actor.is_board, limit=WAITING_PAGE,
                              offset=page * WAITING_PAGE)
    return Waiting(items, max(total, len(items)), page)


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


# ---------------------------------------------------------------- what a person sees

async def active_requirements(session: AsyncSession) -> list[TrainingRequirement]:
    return list(await session.scalars(select(TrainingRequirement).where(
        TrainingRequirement.active.is_(True)).order_by(TrainingRequirement.code)))


@dataclass(frozen=True)
class Overview:
    """📚 Bồi dưỡng for one person: their obligations this year, the courses they declared,
    and how many declared courses wait for their verification."""

    year: int
    obligations: list[Obligation]
    records: list[TrainingRecord]  # newest first
    waiting: int  # counted up to WAITING_COUNTED; 0 for who verifies nobody's courses
    is_board: bool


async def overview(session: AsyncSession, actor: Actor, today: date) -> Overview:
    me = await session.get(Cadre, actor.cadre_id)
    if me is None:
        raise ReviewError("not_found")
    waiting = await waiting_count(session, actor)
    return Overview(today.year, await obligations(session, me, today),
                    await records_of(session, me.id), waiting, actor.is_board)


# ---------------------------------------------------------------- declaring a course

def _typed(answer: Answer, limit: int) -> str:
    if not answer.text:
        raise AnswerError("ask_again")
    if len(answer.text) > limit:
        raise AnswerError("too_long", limit=limit)
    return answer.text


def read_title(answer: Answer, today: date) -> dict:
    return {"title": _typed(answer, TITLE_LIMIT)}


def read_provider(answer: Answer, today: date) -> dict:
    return {"provider": _typed(answer, TITLE_LIMIT)}


def read_certificate_no(answer: Answer, today: date) -> dict:
    return {"certificate_no": _typed(answer, CERTIFICATE_NO_LIMIT)}


def read_dates(answer: Answer, today: date) -> dict:
    """"03/11/2026 - 07/11/2026" or one day; the course has ended, and ends after it began."""
    from bot.services.imports.cells import CellError, parse_date

    if not answer.text:
        raise AnswerError("ask_again")
    match = RANGE.match(answer.text)
    try:
        if not match:
            raise CellError(answer.text)
        start = parse_date(match.group(1))
        end = parse_date(match.group(2)) if match.group(2) else start
    except CellError:
        raise AnswerError("dates_format") from None
    if end < start or end > today or start.year < 2000:
        raise AnswerError("dates_impossible")
    return {"start": start.isoformat(), "end": end.isoformat()}


def read_hours(answer: Answer, today: date) -> dict:
    if not answer.text:
        raise AnswerError("ask_again")
    try:
        hours = parse_number(answer.text)
    except NotANumber as error:
        raise AnswerError("not_a_number", error=error) from None
    if not 0 < hours <= MAX_HOURS:
        raise AnswerError("hours_range")
    return {"hours": hours}


def read_certificate_file(answer: Answer, today: date) -> dict:
    """A photo, or a PDF or image sent as a file, of at most 20 MB."""
    if answer.photo_id:
        return {"file_id": answer.photo_id, "file_kind": "photo"}
    if answer.document_id and (answer.mime_type == "application/pdf"
                               or answer.mime_type.startswith("image/")):
        if answer.file_size > MAX_FILE:
            raise AnswerError("file_too_large")
        return {"file_id": answer.document_id, "file_kind": "document"}
    raise AnswerError("file_kind")


@dataclass(frozen=True)
class Declared:
    record: TrainingRecord
    cadre_name: str
    evaluator_chat: int | None  # whom to tell (None: no evaluator, or not reachable)


async def declare_course(session: AsyncSession, actor: Actor, data: dict,
                         now: datetime) -> Declared:
    """The course the person declared (the flow's draft), waiting for verification."""
    me = await session.get(Cadre, actor.cadre_id)
    if me is None:
        raise ReviewError("not_found")
    record = await declare(session, me, data, now)
    evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
    chat = (evaluator.telegram_chat_id if evaluator is not None and evaluator.reachable
            else None)
    return Declared(record, me.full_name, chat)


# ---------------------------------------------------------------- verification

async def verifiable(session: AsyncSession, actor: Actor, record_id: int) -> TrainingRecord:
    """The declared course, when the actor evaluates its author or is the board."""
    return (await _course_of(session, actor, record_id))[0]


async def _course_of(session: AsyncSession, actor: Actor,
                     record_id: int) -> tuple[TrainingRecord, Cadre]:
    record = await session.get(TrainingRecord, record_id)
    if record is None:
        raise ReviewError("not_found")
    cadre = await session.get(Cadre, record.cadre_id)
    if cadre.evaluator_id != actor.cadre_id and not actor.is_board:
        raise ReviewError("not_found")
    return record, cadre


async def waiting_course(session: AsyncSession, actor: Actor,
                         record_id: int) -> tuple[TrainingRecord, Cadre]:
    """One course of the verification list, still waiting (else already_decided)."""
    record, cadre = await _course_of(session, actor, record_id)
    if cadre.id == actor.cadre_id:
        raise ReviewError("not_found")
    if record.status != TrainingStatus.CLAIMED.value:
        raise ReviewError("already_decided", at=record.verified_at)
    return record, cadre


def read_reason(answer: Answer, today: date) -> dict:
    if not meaningful(answer.text):
        raise AnswerError("reason_required")
    if len(answer.text) > REASON_LIMIT:
        raise AnswerError("reason_too_long")
    return {"reason": answer.text}


@dataclass(frozen=True)
class Decision:
    record: TrainingRecord
    cadre: Cadre
    approved: bool
    cadre_chat: int | None  # whom to tell (None: not linked, or not reachable)
    pending: Waiting  # what waits for the verifier next (the list's first page)


async def decide(session: AsyncSession, actor: Actor, record_id: int, *, approve: bool,
                 reason: str | None, now: datetime) -> Decision:
    record, cadre = await verify(session, record_id=record_id, verifier_id=actor.cadre_id,
                                 is_board=actor.is_board, approve=approve, reason=reason,
                                 now=now)
    chat = cadre.telegram_chat_id if cadre.telegram_chat_id and cadre.reachable else None
    return Decision(record, cadre, approve, chat, await waiting_list(session, actor))


# ---------------------------------------------------------------- many people at once

def profile_from(cadre: Cadre, units: dict[int, OrgUnit], position_codes: dict[int, str]
                 ) -> Profile:
    """profile_of with the unit tree and the positions already loaded (for many cadres)."""
    codes, level, uid = set(), None, cadre.unit_id
    while uid is not None and uid in units and units[uid].code not in codes:
        level = level or units[uid].level
        codes.add(units[uid].code)
        uid = units[uid].parent_id
    return Profile(cadre.staff_type, level, frozenset(codes), position_codes.get(cadre.position_id),
                   cadre.is_leader, cadre.in_planning, cadre.birth_date, cadre.theory_level)


async def obligations_of_many(session: AsyncSession, cadres: list[Cadre], today: date,
                              requirements: list[TrainingRequirement] | None = None
                              ) -> dict[int, list[Obligation]]:
    """obligations() for many cadres in a handful of queries (the training export): the same
    applicability rules and the same status_of, as of `today`."""
    if requirements is None:
        requirements = await active_requirements(session)
    if not requirements or not cadres:
        return {}
    units = {u.id: u for u in await session.scalars(select(OrgUnit))}
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.code))).all())
    records: dict[int, list[TrainingRecord]] = {}
    for record in await session.scalars(select(TrainingRecord)):
        records.setdefault(record.cadre_id, []).append(record)
    result = {}
    for cadre in cadres:
        who = profile_from(cadre, units, positions)
        result[cadre.id] = [status_of(r, who, records.get(cadre.id, []), today)
                            for r in requirements if applies(r.applies_to or {}, who, today)]
    return result
