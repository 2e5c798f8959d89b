"""Feedback records (phản ánh) about a cadre or their unit, as the evaluator reads them when
reviewing a period's report (issue #24 part 5; the records come from
`cadrebot import feedback`, bot.services.imports.feedback)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
