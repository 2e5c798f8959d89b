"""Board notices: audiences, the durable per-recipient outbox, acknowledgements, statistics
(SPEC §4.7). One delivery row per recipient; a row is claimed before it is sent and the
Telegram message id recorded after, so a crash re-sends at most the message in flight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.training import Profile, Status, applies, status_of
from models import (
    Cadre,
    JobPosition,
    Notice,
    NoticeDelivery,
    OrgUnit,
    TrainingRecord,
    TrainingRequirement,
)
from models.enums import DeliveryStatus, NoticeStatus

CHUNK = 2000
MAX_ATTEMPTS = 5


@dataclass
class Stats:
    total: int
    queued: int
    sent: int
    failed: int
    blocked: int
    acknowledged: int


async def _unit_tree(session: AsyncSession) -> tuple[dict[int, int | None], dict[int, OrgUnit]]:
    units = {u.id: u for u in await session.scalars(select(OrgUnit))}
    return {i: u.parent_id for i, u in units.items()}, units


def _ancestors(unit_id: int | None, parents: dict[int, int | None]) -> list[int]:
    chain, seen = [], set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        chain.append(unit_id)
        unit_id = parents.get(unit_id)
    return chain


async def unknown_codes(session: AsyncSession, audience: dict) -> list[str]:
    """Put the unit and position codes of `audience` as they are stored, however they were
    typed ("xth" → "XTH"); return the typed codes that exist nowhere (a notice to them would
    reach nobody)."""
    unknown = []
    for key, column in (("units", OrgUnit.code), ("positions", JobPosition.code)):
        typed = audience.get(key) or []
        if not typed:
            continue
        stored = {code.upper(): code for code in await session.scalars(
            select(column).where(func.upper(column).in_({t.upper() for t in typed})))}
        audience[key] = list(dict.fromkeys(stored[t.upper()] for t in typed if t.upper() in stored))
        unknown += [t for t in typed if t.upper() not in stored]
    return unknown


async def recipients(session: AsyncSession, audience: dict, today: date) -> list[int]:
    """Ids of the active, linked cadres the audience filters select (all filters combine)."""
    parents, units = await _unit_tree(session)
    code_of = {i: u.code for i, u in units.items()}
    positions = dict((await session.execute(select(JobPosition.id, JobPosition.code))).all())
    query = (select(Cadre).where(Cadre.active.is_(True), Cadre.telegram_chat_id.is_not(None))
             .order_by(Cadre.id))
    chosen = set(audience.get("cadre_ids") or [])
    if chosen and len(chosen) <= 5_000:  # bigger lists (a follow-up) are filtered below:
        query = query.where(Cadre.id.in_(chosen))  # PostgreSQL takes ≤ 32,767 parameters
    if audience.get("staff_types"):
        query = query.where(Cadre.staff_type.in_(audience["staff_types"]))
    if audience.get("in_planning"):
        query = query.where(Cadre.in_planning.is_(True))
    requirement = None
    hours: dict[int, list[TrainingRecord]] = {}
    if audience.get("missing"):
        requirement = await session.scalar(select(TrainingRequirement).where(
            TrainingRequirement.code == audience["missing"]))
        if requirement is not None:
            for record in await session.scalars(select(TrainingRecord).where(
                    TrainingRecord.category == requirement.category)):
                hours.setdefault(record.cadre_id, []).append(record)
    wanted_units = set(audience.get("units") or [])
    result = []
    for cadre in await session.scalars(query):
        if chosen and cadre.id not in chosen:
            continue
        chain = _ancestors(cadre.unit_id, parents)
        codes = frozenset(code_of[i] for i in chain)
        if wanted_units and not wanted_units & codes:
            continue
        level = units[chain[0]].level if chain else None
        who = Profile(cadre.staff_type, level, codes, positions.get(cadre.position_id),
                      cadre.is_leader, cadre.in_planning, cadre.birth_date, cadre.theory_level)
        rule = {k: audience[k] for k in ("levels", "positions", "young", "leaders")
                if audience.get(k)}
        if rule and not applies(rule, who, today):
            continue
        if audience.get("missing"):
            if requirement is None or not applies(requirement.applies_to or {}, who, today):
                continue
            if status_of(requirement, who, hours.get(cadre.id, []), today).status == Status.DONE:
                continue
        result.append(cadre.id)
    return result


async def create(session: AsyncSession, *, author_id: int | None, text: str, audience: dict,
                 ack_kind: str, attachment_kind: str | None, attachment_file_id: str | None,
                 scheduled_at: datetime | None, now: datetime) -> Notice:
    notice = Notice(author_id=author_id, text=text, audience=audience, ack_kind=ack_kind,
                    attachment_kind=attachment_kind, attachment_file_id=attachment_file_id,
                    status=NoticeStatus.DRAFT.value, scheduled_at=scheduled_at, created_at=now,
                    recipient_count=0)
    session.add(notice)
    await session.flush()
    return notice


async def queue(session: AsyncSession, notice: Notice, now: datetime, today: date,
                status_chat: tuple[int, int] | None = None) -> int:
    """Create one delivery row per recipient; sending starts at scheduled_at (or now)."""
    ids = await recipients(session, notice.audience or {}, today)
    rows = [{"notice_id": notice.id, "cadre_id": cadre_id, "status": DeliveryStatus.QUEUED.value,
             "attempts": 0} for cadre_id in ids]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(NoticeDelivery), rows[start:start + CHUNK])
    notice.recipient_count = len(rows)
    notice.status = (NoticeStatus.SCHEDULED if notice.scheduled_at and notice.scheduled_at > now
                     else NoticeStatus.SENDING).value
    notice.queued_at = now
    if status_chat:
        notice.status_chat_id, notice.status_message_id = status_chat
    audit.record(session, at=now, action="queue_notice", object_type="notice",
                 object_id=notice.id, actor_id=notice.author_id,
                 after={"recipients": len(rows), "audience": notice.audience})
    return len(rows)


async def start_due(session: AsyncSession, now: datetime) -> None:
    """Scheduled notices whose time has come start sending."""
    await session.execute(update(Notice).where(
        Notice.status == NoticeStatus.SCHEDULED.value, Notice.scheduled_at <= now)
        .values(status=NoticeStatus.SENDING.value))


async def requeue_stale(session: AsyncSession, now: datetime, stale: timedelta) -> int:
    """Rows claimed by a process that died go back to the queue."""
    result = await session.execute(update(NoticeDelivery).where(
        NoticeDelivery.status == DeliveryStatus.SENDING.value,
        NoticeDelivery.claimed_at < now - stale).values(status=DeliveryStatus.QUEUED.value,
                                                               claimed_by=None))
    return result.rowcount or 0


async def claim(session: AsyncSession, worker: str, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due rows for this worker (SKIP LOCKED on PostgreSQL)."""
    due = (select(NoticeDelivery.id).join(Notice, Notice.id == NoticeDelivery.notice_id)
           .where(Notice.status == NoticeStatus.SENDING.value,
                  NoticeDelivery.status == DeliveryStatus.QUEUED.value,
                  or_(NoticeDelivery.next_attempt_at.is_(None),
                      NoticeDelivery.next_attempt_at <= now))
           .order_by(NoticeDelivery.id).limit(limit))
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=NoticeDelivery)
    ids = list(await session.scalars(due))
    if ids:
        await session.execute(update(NoticeDelivery).where(
            NoticeDelivery.id.in_(ids), NoticeDelivery.status == DeliveryStatus.QUEUED.value)
            .values(status=DeliveryStatus.SENDING.value, claimed_by=worker, claimed_at=now))
    return ids


async def release(session: AsyncSession, ids: list[int]) -> None:
    """Hand claimed, unsent rows back to the queue (a worker stopping gracefully)."""
    await session.execute(update(NoticeDelivery).where(
        NoticeDelivery.id.in_(ids), NoticeDelivery.status == DeliveryStatus.SENDING.value)
        .values(status=DeliveryStatus.QUEUED.value, claimed_by=None, claimed_at=None))


async def mark(session: AsyncSession, delivery_id: int, *, status: DeliveryStatus, now: datetime,
               message_id: int | None = None, error: str | None = None,
               retry_at: datetime | None = None) -> None:
    values: dict = {"status": status.value, "error": error}
    if status == DeliveryStatus.SENT:
        values.update(sent_at=now, telegram_message_id=message_id)
    if status == DeliveryStatus.QUEUED:
        values.update(next_attempt_at=retry_at, claimed_by=None)
    values["attempts"] = NoticeDelivery.attempts + 1
    await session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id)
                          .values(**values))


async def finish_done(session: AsyncSession, now: datetime) -> list[Notice]:
    """Notices with nothing left to send are done; returns them (for a last status edit)."""
    open_rows = (select(NoticeDelivery.id).where(
        NoticeDelivery.notice_id == Notice.id,
        NoticeDelivery.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]))
        .exists())
    finished = list(await session.scalars(select(Notice).where(
        Notice.status == NoticeStatus.SENDING.value, ~open_rows)))
    for notice in finished:
        notice.status = NoticeStatus.DONE.value
        notice.finished_at = now
    return finished


async def stats(session: AsyncSession, notice_id: int) -> Stats:
    rows = dict((await session.execute(select(NoticeDelivery.status, func.count()).where(
        NoticeDelivery.notice_id == notice_id).group_by(NoticeDelivery.status))).all())
    acknowledged = await session.scalar(select(func.count()).select_from(NoticeDelivery).where(
        NoticeDelivery.notice_id == notice_id, NoticeDelivery.acknowledged_at.is_not(None)))
    return Stats(sum(rows.values()), rows.get("queued", 0) + rows.get("sending", 0),
                 rows.get("sent", 0), rows.get("failed", 0), rows.get("blocked", 0),
                 acknowledged or 0)


async def acknowledge(session: AsyncSession, delivery_id: int, cadre_id: int,
                      now: datetime) -> tuple[NoticeDelivery, bool]:
    """Record the tap once; returns (delivery, whether this tap recorded it)."""
    delivery = await session.get(NoticeDelivery, delivery_id)
    if delivery is None or delivery.cadre_id != cadre_id:
        raise LookupError(delivery_id)
    result = await session.execute(update(NoticeDelivery).where(
        NoticeDelivery.id == delivery_id, NoticeDelivery.acknowledged_at.is_(None))
        .values(acknowledged_at=now))
    notice = await session.get(Notice, delivery.notice_id)
    original = (notice.audience or {}).get("followup_of")
    if original:  # a follow-up's button acknowledges the original notice too
        await session.execute(update(NoticeDelivery).where(
            NoticeDelivery.notice_id == original, NoticeDelivery.cadre_id == cadre_id,
            NoticeDelivery.acknowledged_at.is_(None)).values(acknowledged_at=now))
    await session.refresh(delivery)
    return delivery, bool(result.rowcount)


async def follow_up(session: AsyncSession, notice: Notice, now: datetime, today: date,
                    text: str) -> Notice | None:
    """Once per notice: the same question again to those who have not acknowledged it."""
    if notice.followup_sent_at is not None or notice.ack_kind == "none":
        return None
    pending = list(await session.scalars(select(NoticeDelivery.cadre_id).where(
        NoticeDelivery.notice_id == notice.id, NoticeDelivery.status == DeliveryStatus.SENT.value,
        NoticeDelivery.acknowledged_at.is_(None))))
    notice.followup_sent_at = now
    if not pending:
        return None
    again = await create(session, author_id=notice.author_id, text=text,
                         audience={"cadre_ids": pending, "followup_of": notice.id},
                         ack_kind=notice.ack_kind, attachment_kind=None, attachment_file_id=None,
                         scheduled_at=None, now=now)
    await queue(session, again, now, today)
    return again


# deliveries the outbox is done with: the person can read the notice in 🔔 Thông báo, also
# when the message itself could not be delivered (a notice due later is not shown early)
READABLE = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value, DeliveryStatus.BLOCKED.value)


async def received_by(session: AsyncSession, cadre_id: int, page: int, size: int = 5):
    rows = await session.execute(
        select(NoticeDelivery, Notice).join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.cadre_id == cadre_id, NoticeDelivery.status.in_(READABLE))
        .order_by(func.coalesce(NoticeDelivery.sent_at, NoticeDelivery.claimed_at).desc(),
                  NoticeDelivery.id.desc())
        .offset(page * size).limit(size + 1))
    items = rows.all()
    return items[:size], len(items) > size
