"""Who is this Telegram user? Linking by phone or invite code, roles, grants (SPEC §1–2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.i18n import DEFAULT_TZ
from bot.phones import normalize_phone
from bot.services import audit, flows
from models import Cadre, Delegation, FlowState, InviteCode, RoleGrant
from models.enums import Role

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
INVITE_LENGTH = 10
DEFAULT_INVITE_DAYS = 7


@dataclass(frozen=True)
class Actor:
    """The linked person behind an update, loaded fresh for every update."""

    cadre_id: int
    code: str
    full_name: str
    unit_id: int | None
    roles: frozenset[Role]
    # evaluates someone in the roster themselves (not only through a delegation or a grant):
    # the one who may delegate, and who proposes annual ratings (screens offer by capability)
    evaluates: bool = False

    @property
    def is_board(self) -> bool:
        return Role.BOARD in self.roles

    @property
    def is_supervisor(self) -> bool:
        return Role.SUPERVISOR in self.roles or self.is_board


class LinkStatus(StrEnum):
    LINKED = "linked"
    ALREADY = "already"  # this account was already linked to that record
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    TAKEN = "taken"  # the record is linked to another Telegram account: invite needed
    INVALID_PHONE = "invalid_phone"


class InviteStatus(StrEnum):
    LINKED = "linked"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus | InviteStatus
    cadre: Cadre | None = None


class UnknownCadre(LookupError):
    pass


def hash_invite(code: str) -> str:
    return hashlib.sha256(normalize_invite(code).encode()).hexdigest()


def normalize_invite(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_invite(text: str) -> bool:
    code = normalize_invite(text)
    return len(code) == INVITE_LENGTH and all(ch in INVITE_ALPHABET for ch in code)


async def cadre_by_code(session: AsyncSession, code: str) -> Cadre:
    cadre = await session.scalar(select(Cadre).where(Cadre.code == code.strip()))
    if cadre is None:
        raise UnknownCadre(code)
    return cadre


async def linked_cadre(session: AsyncSession, telegram_user_id: int) -> Cadre | None:
    """The active roster record linked to this account; deactivated records do not count."""
    return await session.scalar(
        select(Cadre).where(Cadre.telegram_user_id == telegram_user_id, Cadre.active.is_(True))
    )


_EVALUATED = aliased(Cadre, name="evaluated")
# Built once: aliasing the cadres table and building the statement cost more than running it.
# The sender's whole record and their chat's flow come in the same statement, so the
# update's later `session.get(Cadre, …)` / `session.get(FlowState, …)` are answered from
# the session without another round trip.
_SENDER = (
    select(Cadre,
           exists().where(_EVALUATED.evaluator_id == Cadre.id, _EVALUATED.active.is_(True))
           .label("evaluates"),
           exists().where(Delegation.delegate_id == Cadre.id, Delegation.revoked_at.is_(None),
                          Delegation.starts_on <= bindparam("today"),
                          Delegation.ends_on >= bindparam("today")).label("delegated"),
           RoleGrant.role, FlowState)
    .outerjoin(RoleGrant, RoleGrant.cadre_id == Cadre.id)
    .outerjoin(FlowState, FlowState.chat_id == bindparam("chat_id"))
    .where(Cadre.telegram_user_id == bindparam("user_id"), Cadre.active.is_(True)))


@dataclass(frozen=True)
class Sender:
    actor: Actor | None
    flow: FlowState | None  # the chat's flow row, read with the actor (None: no flow)


async def sender(session: AsyncSession, telegram_user_id: int, chat_id: int, now: datetime,
                 today: date | None = None) -> Sender:
    """Who is behind this Telegram account, with their roles, and the chat's flow — read on
    every update, in one query: the record, its granted roles, the "evaluates someone /
    holds a delegation" facts and the flow row."""
    rows = (await session.execute(
        # a delegation runs on the province's days (`today`, by default in Asia/Ho_Chi_Minh):
        # the UTC date is still yesterday before 07:00 there
        _SENDER, {"user_id": telegram_user_id, "chat_id": chat_id,
                  "today": today or now.astimezone(DEFAULT_TZ).date()})).all()
    if not rows:
        return Sender(None, None)
    first = rows[0]
    cadre = first.Cadre
    # the session's identity map holds objects weakly: this keeps the record (and the flow
    # row, held by the result) there for the update's later reads
    session.info["sender"] = (cadre, first.FlowState)
    flows.remember_read(session, chat_id, first.FlowState)
    roles = {Role.CADRE} | {Role(row.role) for row in rows if row.role}
    if first.evaluates or first.delegated:
        roles.add(Role.SUPERVISOR)
    actor = Actor(cadre_id=cadre.id, code=cadre.code, full_name=cadre.full_name,
                  unit_id=cadre.unit_id, roles=frozenset(roles), evaluates=bool(first.evaluates))
    return Sender(actor, first.FlowState)


async def actor_for(session: AsyncSession, telegram_user_id: int, now: datetime,
                    today: date | None = None) -> Actor | None:
    """Who is behind this Telegram account, with their roles (see `sender`)."""
    return (await sender(session, telegram_user_id, telegram_user_id, now, today)).actor


async def _attach(
    session: AsyncSession, cadre: Cadre, telegram_user_id: int, chat_id: int, now: datetime, how: str
) -> None:
    """Point `cadre` at this Telegram account, moving any previous link (audited)."""
    # The account may still hold a link to a deactivated (or other) record.
    stale = await session.scalars(
        select(Cadre).where(Cadre.telegram_user_id == telegram_user_id, Cadre.id != cadre.id)
    )
    for other in stale:
        audit.record(
            session, at=now, action="unlink", object_type="cadre", object_id=other.id,
            before={"telegram_user_id": other.telegram_user_id}, after={"telegram_user_id": None},
            note=f"account re-linked to {cadre.code}",
        )
        other.telegram_user_id = None
        other.telegram_chat_id = None
    await session.flush()
    before = {"telegram_user_id": cadre.telegram_user_id}
    cadre.telegram_user_id = telegram_user_id
    cadre.telegram_chat_id = chat_id
    cadre.linked_at = now
    cadre.reachable = True
    audit.record(
        session, at=now, action="relink" if before["telegram_user_id"] else "link",
        object_type="cadre", object_id=cadre.id, actor_label=how,
        before=before, after={"telegram_user_id": telegram_user_id},
    )


async def link_by_phone(
    session: AsyncSession, *, telegram_user_id: int, chat_id: int, phone: str, now: datetime
) -> LinkResult:
    normalized = normalize_phone(phone)
    if normalized is None:
        return LinkResult(LinkStatus.INVALID_PHONE)
    matches = list(
        await session.scalars(
            select(Cadre).where(Cadre.phone == normalized, Cadre.active.is_(True)).limit(2)
        )
    )
    if not matches:
        return LinkResult(LinkStatus.NOT_FOUND)
    if len(matches) > 1:
        return LinkResult(LinkStatus.AMBIGUOUS)
    cadre = matches[0]
    if cadre.telegram_user_id == telegram_user_id:
        cadre.telegram_chat_id = chat_id
        return LinkResult(LinkStatus.ALREADY, cadre)
    if cadre.telegram_user_id is not None:
        return LinkResult(LinkStatus.TAKEN, cadre)
    await _attach(session, cadre, telegram_user_id, chat_id, now, how="phone")
    return LinkResult(LinkStatus.LINKED, cadre)


async def issue_invite(
    session: AsyncSession,
    cadre_code: str,
    *,
    now: datetime,
    days: int = DEFAULT_INVITE_DAYS,
    created_by: str = "operator",
) -> tuple[str, Cadre]:
    """A fresh single-use code (only its hash is stored); earlier unused codes expire."""
    cadre = await cadre_by_code(session, cadre_code)
    await session.execute(
        update(InviteCode)
        .where(InviteCode.cadre_id == cadre.id, InviteCode.used_at.is_(None))
        .where(InviteCode.expires_at > now)
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    session.add(
        InviteCode(
            cadre_id=cadre.id,
            code_hash=hash_invite(code),
            created_at=now,
            expires_at=now + timedelta(days=days),
            created_by=created_by,
        )
    )
    audit.record(
        session, at=now, action="invite", object_type="cadre", object_id=cadre.id,
        actor_label=created_by, after={"expires_at": (now + timedelta(days=days)).isoformat()},
    )
    return code, cadre


async def _check_invite(session: AsyncSession, code: str, now: datetime, *,
                        lock: bool) -> tuple[InviteCode | None, LinkResult]:
    """The invite and what it leads to: LINKED with its active record when it can be used,
    else why not (nothing is claimed)."""
    query = select(InviteCode).where(InviteCode.code_hash == hash_invite(code))
    invite = await session.scalar(query.with_for_update() if lock else query)
    if invite is None:
        return None, LinkResult(InviteStatus.UNKNOWN)
    if invite.used_at is not None:
        return invite, LinkResult(InviteStatus.USED)
    if invite.expires_at <= now:
        return invite, LinkResult(InviteStatus.EXPIRED)
    cadre = await session.get(Cadre, invite.cadre_id)
    if cadre is None or not cadre.active:
        return invite, LinkResult(InviteStatus.INACTIVE)
    return invite, LinkResult(InviteStatus.LINKED, cadre)


async def invite_target(session: AsyncSession, code: str, now: datetime) -> Cadre | None:
    """The active record a still usable invite code is for (nothing is claimed)."""
    _invite, result = await _check_invite(session, code, now, lock=False)
    return result.cadre


async def redeem_invite(
    session: AsyncSession, *, code: str, telegram_user_id: int, chat_id: int, now: datetime
) -> LinkResult:
    invite, result = await _check_invite(session, code, now, lock=True)
    if result.status != InviteStatus.LINKED:
        return result
    cadre = result.cadre
    # Claim the code atomically: a second redeemer racing us updates no row.
    claimed = await session.execute(
        update(InviteCode)
        .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None))
        .values(used_at=now, used_by_telegram_id=telegram_user_id)
    )
    if claimed.rowcount != 1:
        return LinkResult(InviteStatus.USED)
    await _attach(session, cadre, telegram_user_id, chat_id, now, how="invite")
    return LinkResult(InviteStatus.LINKED, cadre)


@dataclass(frozen=True)
class Linked:
    """What an attempt to link a Telegram account led to, and, once linked, who the account
    belongs to now (with their roles: the menu to show)."""

    result: LinkResult
    actor: Actor | None = None

    @property
    def linked(self) -> bool:
        return self.result.status in (LinkStatus.LINKED, LinkStatus.ALREADY, InviteStatus.LINKED)


async def link_account(session: AsyncSession, *, telegram_user_id: int, chat_id: int,
                       now: datetime, phone: str | None = None,
                       code: str | None = None) -> Linked:
    """Link this account by the shared phone number, or else by the invite code."""
    if phone is not None:
        result = await link_by_phone(session, telegram_user_id=telegram_user_id,
                                     chat_id=chat_id, phone=phone, now=now)
    else:
        result = await redeem_invite(session, code=code or "", telegram_user_id=telegram_user_id,
                                     chat_id=chat_id, now=now)
    linked = Linked(result)
    if linked.linked:
        linked = Linked(result, await actor_for(session, telegram_user_id, now))
    return linked


@dataclass(frozen=True)
class InviteOpened:
    """A linked person opened an invite link (SPEC §2.4): the other record it would move
    their account to (they are asked first), or else what redeeming the code did."""

    move_to: Cadre | None = None
    linked: Linked | None = None


async def open_invite(session: AsyncSession, *, actor: Actor, code: str, telegram_user_id: int,
                      chat_id: int, now: datetime) -> InviteOpened:
    target = await invite_target(session, code, now)
    if target is None or target.id == actor.cadre_id or not looks_like_invite(code):
        return InviteOpened(linked=await link_account(
            session, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, code=code))
    return InviteOpened(move_to=target)


async def grant_role(
    session: AsyncSession, cadre_code: str, role: Role, *, now: datetime, by: str = "operator"
) -> tuple[Cadre, bool]:
    """Give a role; returns (cadre, created) — granting twice changes nothing."""
    if role == Role.CADRE:
        raise ValueError("every roster member is a cadre already")
    cadre = await cadre_by_code(session, cadre_code)
    existing = await session.scalar(
        select(func.count()).select_from(RoleGrant).where(
            RoleGrant.cadre_id == cadre.id, RoleGrant.role == role.value
        )
    )
    if existing:
        return cadre, False
    session.add(RoleGrant(cadre_id=cadre.id, role=role.value, granted_at=now, granted_by=by))
    audit.record(
        session, at=now, action="grant", object_type="cadre", object_id=cadre.id,
        actor_label=by, after={"role": role.value},
    )
    return cadre, True


async def mark_unreachable(session: AsyncSession, telegram_chat_id: int) -> None:
    await session.execute(
        update(Cadre).where(Cadre.telegram_chat_id == telegram_chat_id).values(reachable=False)
    )
