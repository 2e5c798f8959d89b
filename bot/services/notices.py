"""Board notices: audiences, the durable per-recipient outbox, acknowledgements, statistics
(SPEC §4.7). One delivery row per recipient; a row is claimed before it is sent and the
Telegram message id recorded after, so a crash re-sends at most the message in flight."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.answers import Answer, AnswerError
from bot.services.calendar import WorkCalendar
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
from models.enums import AckKind, DeliveryStatus, NoticeStatus

CHUNK = 2000
MAX_ATTEMPTS = 5
MAX_TEXT = 3500  # a message is at most 4,096 characters, the heading included
RECENT = 8  # notices listed by 📊 Statistics of notices
WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*$")


class NoticeError(Exception):
    """A tap or an answer the notices cannot take; `code` names why."""

    def __init__(self, code: str, **info) -> None:
        super().__init__(code)
        self.code = code
        self.info = info


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


async def renew(session: AsyncSession, ids: list[int], worker: str, now: datetime) -> None:
    """Still sending these: their claim is renewed, so another process's `requeue_stale`
    does not take over a batch that is merely slow (two processes share one send rate, so
    a batch can take longer than the stale time) and send its messages twice."""
    await session.execute(update(NoticeDelivery).where(
        NoticeDelivery.id.in_(ids), NoticeDelivery.status == DeliveryStatus.SENDING.value,
        NoticeDelivery.claimed_by == worker).values(claimed_at=now))


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


@dataclass(frozen=True)
class Acknowledged:
    first: bool  # this tap recorded it (not an earlier one)
    at: datetime  # when it was recorded
    ack_kind: str  # what was confirmed: received (ack) or registered to attend


async def acknowledge(session: AsyncSession, delivery_id: int, cadre_id: int,
                      now: datetime) -> Acknowledged:
    """Record the tap once, on the person's own delivery only."""
    delivery = await session.get(NoticeDelivery, delivery_id)
    if delivery is None or delivery.cadre_id != cadre_id:
        raise NoticeError("not_found")
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
    return Acknowledged(bool(result.rowcount), delivery.acknowledged_at, notice.ack_kind)


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


@dataclass(frozen=True)
class Received:
    """A notice as it reached one person."""

    delivery_id: int
    text: str
    ack_kind: str
    acknowledged_at: datetime | None
    at: datetime  # sent (or tried), else written


@dataclass(frozen=True)
class Inbox:
    page: int
    items: list[Received]  # newest first
    more: bool  # a next page exists


async def received_by(session: AsyncSession, cadre_id: int, page: int, size: int = 5) -> Inbox:
    rows = await session.execute(
        select(NoticeDelivery, Notice).join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.cadre_id == cadre_id, NoticeDelivery.status.in_(READABLE))
        .order_by(func.coalesce(NoticeDelivery.sent_at, NoticeDelivery.claimed_at).desc(),
                  NoticeDelivery.id.desc())
        .offset(page * size).limit(size + 1))
    found = rows.all()
    items = [Received(d.id, n.text, n.ack_kind, d.acknowledged_at,
                      d.sent_at or d.claimed_at or n.created_at) for d, n in found[:size]]
    return Inbox(page, items, len(found) > size)


@dataclass(frozen=True)
class Opened:
    notice: Notice
    delivery_id: int
    acknowledged: bool


async def open_delivery(session: AsyncSession, delivery_id: int, cadre_id: int) -> Opened:
    """A notice the person received (the outbox is done with it), to read again."""
    delivery = await session.get(NoticeDelivery, delivery_id)
    if delivery is None or delivery.cadre_id != cadre_id or delivery.status not in READABLE:
        raise NoticeError("not_found")
    notice = await session.get(Notice, delivery.notice_id)
    return Opened(notice, delivery.id, delivery.acknowledged_at is not None)


# ---------------------------------------------------------------- composing (the board)
# The draft is the composing flow's data: text, attachment_kind, attachment_file_id,
# audience, ack (an AckKind value) and at (ISO time, or None for now).

def read_text(answer: Answer) -> dict:
    if not answer.text:
        raise AnswerError("text_missing")
    if len(answer.text) > MAX_TEXT:
        raise AnswerError("too_long", limit=MAX_TEXT)
    return {"text": answer.text}  # stored as typed: escaped where it is shown


def read_attachment(answer: Answer) -> dict:
    if answer.photo_id:
        return {"attachment_kind": "photo", "attachment_file_id": answer.photo_id}
    if answer.document_id:
        return {"attachment_kind": "document", "attachment_file_id": answer.document_id}
    raise AnswerError("attachment_missing")


def read_codes(answer: Answer) -> list[str]:
    """"XTH, SNV" (or ; between them): the codes as typed."""
    codes = [c.strip() for c in answer.text.replace(";", ",").split(",") if c.strip()]
    if not codes:
        raise AnswerError("codes_missing")
    return codes


def example_time(now: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """The time the schedule question shows as its example: the next working day, 08:00 in
    the province (an example in the past — "25/11/2026 08:00" in December — is refused by
    `read_when` when someone copies it)."""
    day = calendar.next_working_day(now.astimezone(tz).date())
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz)


def read_when(answer: Answer, tz: ZoneInfo, now: datetime) -> dict:
    """"25/11/2026 08:00" (or 8h00), in the province's time, still to come."""
    match = WHEN.match(answer.text)
    try:
        if not match:
            raise ValueError
        d, m, y, hh, mm = (int(x) for x in match.groups())
        local = datetime(y, m, d, hh, mm, tzinfo=tz)
    except ValueError:
        raise AnswerError("when_format") from None
    if local <= now:
        raise AnswerError("when_past")
    return {"at": local.isoformat()}


def toggled(audience: dict, key: str, value: str) -> dict:
    """The audience with `value` added to, or removed from, the list under `key`."""
    values = list(audience.get(key, []))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return {**audience, key: values}


async def with_codes(session: AsyncSession, audience: dict, key: str, codes: list[str]) -> dict:
    """The audience narrowed to these unit ("units") or position ("positions") codes, as
    they are stored; a code that exists nowhere is refused (it would reach nobody)."""
    audience = {**audience, key: codes}
    unknown = await unknown_codes(session, audience)
    if unknown:
        raise NoticeError("unknown_" + key, codes=unknown)
    return audience


async def recipient_count(session: AsyncSession, audience: dict, today: date) -> int:
    return len(await recipients(session, audience, today))


async def requirement_code(session: AsyncSession, requirement_id: int) -> str:
    requirement = await session.get(TrainingRequirement, requirement_id)
    if requirement is None:
        raise NoticeError("not_found")
    return requirement.code


@dataclass(frozen=True)
class Draft:
    """The notice being composed, as its recipients will see it."""

    text: str
    ack_kind: str
    attachment_kind: str | None
    attachment_file_id: str | None
    audience: dict
    at: datetime | None  # None: now

    @classmethod
    def of(cls, data: dict) -> Draft:
        return cls(data["text"], data.get("ack", AckKind.NONE.value),
                   data.get("attachment_kind"), data.get("attachment_file_id"),
                   data.get("audience", {}),
                   datetime.fromisoformat(data["at"]) if data.get("at") else None)


@dataclass(frozen=True)
class Queued:
    notice: Notice
    count: int
    stats: Stats


async def send_draft(session: AsyncSession, draft: Draft, *, author_id: int, now: datetime,
                     today: date, status_chat: tuple[int, int] | None) -> Queued:
    """Write the notice and one delivery row per recipient: the outbox sends it."""
    notice = await create(session, author_id=author_id, text=draft.text, audience=draft.audience,
                          ack_kind=draft.ack_kind, attachment_kind=draft.attachment_kind,
                          attachment_file_id=draft.attachment_file_id, scheduled_at=draft.at,
                          now=now)
    count = await queue(session, notice, now, today, status_chat=status_chat)
    return Queued(notice, count, await stats(session, notice.id))


# ---------------------------------------------------------------- statistics (the board)

async def recent(session: AsyncSession) -> list[Notice]:
    return list(await session.scalars(select(Notice).where(Notice.status != NoticeStatus.DRAFT)
                                      .order_by(Notice.id.desc()).limit(RECENT)))


@dataclass(frozen=True)
class NoticeStats:
    notice: Notice
    stats: Stats

    @property
    def may_follow_up(self) -> bool:
        """Once, after sending ended, when the recipients were asked to confirm."""
        n = self.notice
        return (n.ack_kind != AckKind.NONE.value and n.followup_sent_at is None
                and n.status == NoticeStatus.DONE.value)


async def notice_stats(session: AsyncSession, notice_id: int) -> NoticeStats:
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError("not_found")
    return NoticeStats(notice, await stats(session, notice_id))


async def remind(session: AsyncSession, notice_id: int, now: datetime, today: date,
                 heading: str) -> int | None:
    """The follow-up of a notice (its text after `heading`); how many it goes to (None:
    everyone confirmed already, or it was sent before)."""
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError("not_found")
    again = await follow_up(session, notice, now, today, heading + "\n\n" + notice.text)
    return again.recipient_count if again else None
