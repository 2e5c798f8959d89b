"""Feedback records (phản ánh) about a cadre or their unit, as the evaluator reads them when
reviewing a period's report (issue #24 part 5). The records come from
`cadrebot import feedback` (or the same file sent in the chat; bot.services.imports.feedback),
or one at a time from the board in the chat: /phananh CODE, then the content, the source and
the outcome (handlers/feedback.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import Cadre, Feedback, OrgUnit, Period


@dataclass(frozen=True)
class FeedbackItem:
    received_on: date
    source: str
    content: str
    outcome: str | None
    unit_name: str | None  # set when the record is about the unit, not the person


async def of_period(session: AsyncSession, cadre: Cadre, period: Period) -> list[FeedbackItem]:
    """The records received within the period about the person, or about their unit (a
    record naming a cadre is about that cadre only), oldest first."""
    about = Feedback.cadre_id == cadre.id
    if cadre.unit_id is not None:
        about = or_(about, and_(Feedback.cadre_id.is_(None), Feedback.unit_id == cadre.unit_id))
    rows = (await session.execute(
        select(Feedback, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == Feedback.unit_id)
        .where(about, Feedback.received_on >= period.starts_on,
               Feedback.received_on <= period.ends_on)
        .order_by(Feedback.received_on, Feedback.id))).all()
    return [FeedbackItem(f.received_on, f.source, f.content, f.outcome,
                         unit if f.cadre_id is None else None) for f, unit in rows]


# ---------------------------------------------------------------- the board records one

FLOW = "feedback"  # the chat's flow while the board types a record (bot.services.flows)
CONTENT_LIMIT, SOURCE_LIMIT = 4000, 120


class FeedbackError(Exception):
    """A refusal: "board_only", "usage" (no code given), "not_found" (no such cadre or unit,
    or a step nobody is at), "too_short", "too_long"."""

    def __init__(self, code: str, **info) -> None:
        super().__init__(code)
        self.code = code
        self.info = info


@dataclass(frozen=True)
class Subject:
    """Whom a record is about: a cadre or a unit, and the latest records about them."""

    cadre_id: int | None
    unit_id: int | None
    name: str
    code: str
    recent: list[Feedback]


RECENT = 5


def _board(actor) -> None:
    if actor is None or not actor.is_board:
        raise FeedbackError("board_only")


async def _subject(session: AsyncSession, cadre_id: int | None, unit_id: int | None) -> Subject:
    if cadre_id is not None:
        cadre = await session.get(Cadre, cadre_id)
        if cadre is None:
            raise FeedbackError("not_found")
        name, code, about = cadre.full_name, cadre.code, Feedback.cadre_id == cadre.id
    else:
        unit = await session.get(OrgUnit, unit_id) if unit_id is not None else None
        if unit is None:
            raise FeedbackError("not_found")
        name, code = unit.name, unit.code
        about = and_(Feedback.cadre_id.is_(None), Feedback.unit_id == unit.id)
    recent = list(await session.scalars(select(Feedback).where(about).order_by(
        Feedback.received_on.desc(), Feedback.id.desc()).limit(RECENT)))
    return Subject(cadre_id, unit_id, name, code, recent)


async def subject_by_code(session: AsyncSession, actor, code: str | None) -> Subject:
    """/phananh CODE: a cadre's code, else a unit's."""
    _board(actor)
    if not code:
        raise FeedbackError("usage")
    cadre_id = await session.scalar(select(Cadre.id).where(Cadre.code == code.strip()))
    if cadre_id is not None:
        return await _subject(session, cadre_id, None)
    unit_id = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code.strip()))
    if unit_id is None:
        raise FeedbackError("no_code", given=code.strip())
    return await _subject(session, None, unit_id)


async def start(session: AsyncSession, actor, *, cadre_id: int | None = None,
                unit_id: int | None = None) -> tuple[Subject, dict]:
    """"✍️ Ghi phản ánh": the subject re-checked, and the flow's first draft."""
    _board(actor)
    subject = await _subject(session, cadre_id, unit_id)
    return subject, {"cadre_id": cadre_id, "unit_id": unit_id}


def checked_text(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit <= SOURCE_LIMIT else text.strip()
    if sum(ch.isalpha() for ch in text) < 2:
        raise FeedbackError("too_short")
    if len(text) > limit:
        raise FeedbackError("too_long", limit=limit)
    return text


async def record(session: AsyncSession, actor, draft: dict, outcome: str | None, *,
                 now: datetime, today: date) -> tuple[Feedback, Subject]:
    """Store the record the board typed (received today), audited; its code is "TG-<id>"."""
    _board(actor)
    subject = await _subject(session, draft.get("cadre_id"), draft.get("unit_id"))
    entry = Feedback(code=f"TG-{now:%Y%m%d%H%M%S%f}", cadre_id=subject.cadre_id,
                     unit_id=subject.unit_id, received_on=today, source=draft["source"],
                     content=draft["content"], outcome=outcome, created_at=now, updated_at=now)
    session.add(entry)
    await session.flush()
    entry.code = f"TG-{entry.id}"
    audit.record(session, at=now, action="record_feedback", object_type="feedback",
                 object_id=entry.id, actor_id=actor.cadre_id,
                 after={"code": entry.code, "about": subject.code})
    return entry, subject
