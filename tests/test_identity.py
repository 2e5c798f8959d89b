"""Linking rules (SPEC §2) at the service level, on every database backend."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo import load_demo_province
from bot.services import identity
from bot.services.identity import InviteStatus, LinkStatus
from models import AuditLog, Cadre, InviteCode
from models.enums import Role


async def _province(db, clock):
    async with db.session() as s:
        await load_demo_province(s, clock.now(), link=False)


async def test_link_by_phone_in_any_writing(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        result = await identity.link_by_phone(
            s, telegram_user_id=42, chat_id=42, phone="84912000014", now=clock.now()
        )
        assert result.status == LinkStatus.LINKED and result.cadre.code == "XTH003"
    async with db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH003"))
        assert cadre.telegram_user_id == 42
        actions = list(await s.scalars(select(AuditLog.action)))
        assert actions == ["link"]


async def test_unknown_ambiguous_and_taken(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        r = await identity.link_by_phone(s, telegram_user_id=1, chat_id=1, phone="0999999999",
                                         now=clock.now())
        assert r.status == LinkStatus.NOT_FOUND
        other = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        other.phone = "+84912000014"  # two records share a number
    async with db.session() as s:
        r = await identity.link_by_phone(s, telegram_user_id=1, chat_id=1, phone="0912000014",
                                         now=clock.now())
        assert r.status == LinkStatus.AMBIGUOUS
        r = await identity.link_by_phone(s, telegram_user_id=1, chat_id=1, phone="0912000005",
                                         now=clock.now())
        assert r.status == LinkStatus.LINKED
    async with db.session() as s:
        r = await identity.link_by_phone(s, telegram_user_id=2, chat_id=2, phone="0912000005",
                                         now=clock.now())
        assert r.status == LinkStatus.TAKEN


async def test_invite_is_hashed_single_use_and_expires(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        code, cadre = await identity.issue_invite(s, "SNV003", now=clock.now(), days=7)
    assert identity.looks_like_invite(code)
    async with db.session() as s:
        stored = list(await s.scalars(select(InviteCode.code_hash)))
        assert code not in stored and identity.hash_invite(code) in stored
    async with db.session() as s:
        r = await identity.redeem_invite(s, code=code.lower(), telegram_user_id=7, chat_id=7,
                                         now=clock.now())
        assert r.status == InviteStatus.LINKED and r.cadre.code == "SNV003"
    async with db.session() as s:
        r = await identity.redeem_invite(s, code=code, telegram_user_id=8, chat_id=8,
                                         now=clock.now())
        assert r.status == InviteStatus.USED
    async with db.session() as s:
        code2, _ = await identity.issue_invite(s, "SNV004", now=clock.now(), days=7)
    clock.advance(days=8)
    async with db.session() as s:
        r = await identity.redeem_invite(s, code=code2, telegram_user_id=9, chat_id=9,
                                         now=clock.now())
        assert r.status == InviteStatus.EXPIRED
        r = await identity.redeem_invite(s, code="ABCDEFGHJK", telegram_user_id=9, chat_id=9,
                                         now=clock.now())
        assert r.status == InviteStatus.UNKNOWN


async def test_new_invite_voids_the_old_one_and_relink_is_audited(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        await identity.link_by_phone(s, telegram_user_id=100, chat_id=100, phone="0912000005",
                                     now=clock.now())
        old_code, _ = await identity.issue_invite(s, "SNV003", now=clock.now())
    async with db.session() as s:
        new_code, _ = await identity.issue_invite(s, "SNV003", now=clock.now())
    async with db.session() as s:
        r = await identity.redeem_invite(s, code=old_code, telegram_user_id=200, chat_id=200,
                                         now=clock.now())
        assert r.status == InviteStatus.EXPIRED
        r = await identity.redeem_invite(s, code=new_code, telegram_user_id=200, chat_id=200,
                                         now=clock.now())
        assert r.status == InviteStatus.LINKED
    async with db.session() as s:
        relink = await s.scalar(select(AuditLog).where(AuditLog.action == "relink"))
        assert relink.before == {"telegram_user_id": 100}
        assert relink.after == {"telegram_user_id": 200}


async def test_roles_from_roster_and_grants(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        for code, tg in [("XTH004", 1), ("XTH002", 2), ("BTC002", 3)]:
            c = await s.scalar(select(Cadre).where(Cadre.code == code))
            c.telegram_user_id = tg
    async with db.session() as s:
        cadre = await identity.actor_for(s, 1, clock.now())
        supervisor = await identity.actor_for(s, 2, clock.now())
        board = await identity.actor_for(s, 3, clock.now())
    assert cadre.roles == {Role.CADRE}
    assert supervisor.is_supervisor and not supervisor.is_board
    assert board.is_board and board.is_supervisor
    async with db.session() as s:
        _, created = await identity.grant_role(s, "XTH004", Role.SUPERVISOR, now=clock.now())
        assert created
        _, again = await identity.grant_role(s, "XTH004", Role.SUPERVISOR, now=clock.now())
        assert not again
    async with db.session() as s:
        assert (await identity.actor_for(s, 1, clock.now())).is_supervisor


async def test_deactivated_cadre_link_stops_working(db, clock):
    await _province(db, clock)
    async with db.session() as s:
        await identity.link_by_phone(s, telegram_user_id=5, chat_id=5, phone="0912000005",
                                     now=clock.now())
    async with db.session() as s:
        c = await s.scalar(select(Cadre).where(Cadre.code == "SNV003"))
        c.active = False
    async with db.session() as s:
        assert await identity.actor_for(s, 5, clock.now()) is None
        # the same account may then link to another (active) record by invite
        code, _ = await identity.issue_invite(s, "SNV004", now=clock.now())
    async with db.session() as s:
        r = await identity.redeem_invite(s, code=code, telegram_user_id=5, chat_id=5,
                                         now=clock.now())
        assert r.status == InviteStatus.LINKED
