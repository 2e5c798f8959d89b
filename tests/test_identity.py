"""Linking rules (SPEC §2) at the service level, on every database backend."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo import load_demo_province
from bot.services import identity
from bot.services.identity import InviteStatus, LinkStatus
from models import AuditLog, Cadre, InviteCode, RoleGrant
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


async def test_the_sender_is_found_by_index_after_analyze_with_most_people_unlinked(db, clock):
    """Most of a province is not linked to Telegram yet. SQLite's ANALYZE counts their NULL
    accounts as one value shared by every row; the sender of each update must still be
    found through an index, not by reading the whole roster (bench/RESULTS.md §1)."""
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's statistics know the NULLs (null_frac)
    await _province(db, clock)
    async with db.session() as s:
        unit_id = await s.scalar(select(Cadre.unit_id).where(Cadre.code == "XTH003"))
        s.add_all(Cadre(code=f"X{n:05}", full_name=f"Người {n}", unit_id=unit_id)
                  for n in range(300))
        linked = await s.scalar(select(Cadre).where(Cadre.code == "XTH003"))
        linked.telegram_user_id = 42
        s.add(RoleGrant(cadre_id=linked.id, role=Role.BOARD.value, granted_at=clock.now()))
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        # the statistics ANALYZE wrote for the measured province (50,000 cadres, 41 linked):
        # the account's unique index says 50,000 rows share each value
        await conn.exec_driver_sql(
            "UPDATE sqlite_stat1 SET stat = '50000' || substr(stat, instr(stat, ' ')) "
            "WHERE tbl = 'cadres' AND idx <> 'ix_cadres_linked'")
        await conn.exec_driver_sql(
            "UPDATE sqlite_stat1 SET stat = '50000 50000' WHERE idx IN (SELECT name FROM "
            "pragma_index_list('cadres') WHERE \"unique\" AND name IN (SELECT il.name FROM "
            "pragma_index_list('cadres') il, pragma_index_info(il.name) ii "
            "WHERE ii.name = 'telegram_user_id'))")
        await conn.exec_driver_sql("ANALYZE sqlite_schema")  # SQLite reloads the statistics
        compiled = identity._SENDER.compile(dialect=conn.dialect)
        params = compiled.construct_params({"user_id": 42, "chat_id": 42,
                                            "today": clock.now().date()})
        plan = (await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params[name] for name in compiled.positiontup))).all()
    steps = [row[-1] for row in plan]
    assert not any(step.startswith("SCAN cadres") for step in steps), steps
    async with db.session() as s:
        actor = await identity.actor_for(s, 42, clock.now())
    assert actor is not None and actor.code == "XTH003"
