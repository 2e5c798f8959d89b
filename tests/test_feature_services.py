"""The use cases behind 🔁 Ủy quyền, /chitieu, 📊 Kết quả của tôi, ⚙️ reminders and linking,
called directly (the flow tests drive them through the bot)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import delegation, identity, reminder_settings, results, targets
from bot.services.calendar import WorkCalendar
from bot.services.identity import InviteStatus
from bot.services.kpi import KpiError, KpiService
from bot.services.review import ReviewError
from models import Cadre, Period
from models.enums import Role

TODAY = date(2026, 11, 24)  # the clock fixture's day, a Tuesday
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


async def _province(db, clock) -> dict[str, Cadre]:
    async with db.session() as s:
        await load_demo_province(s, clock.now(), link=False)
        return {c.code: c for c in await s.scalars(select(Cadre))}


def _kpi() -> KpiService:
    policy = Policy()
    return KpiService(policy, WorkCalendar(policy.calendar))


async def _actor(s, cadre: Cadre, clock, *roles: Role) -> identity.Actor:
    cadre = await s.get(Cadre, cadre.id)
    cadre.telegram_user_id = 7000 + cadre.id
    actor = await identity.actor_for(s, cadre.telegram_user_id, clock.now())
    return identity.Actor(actor.cadre_id, actor.code, actor.full_name, actor.unit_id,
                          actor.roles | set(roles))


# ------------------------------------------------------------------------------ delegation
def test_a_typed_range_is_read_or_refused_with_a_reason():
    assert delegation.parse_range(" 01/12/2026 - 15/12/2026 ") == (date(2026, 12, 1),
                                                                    date(2026, 12, 15))
    assert delegation.parse_range("1/12/2026 đến 5/1/2027") == (date(2026, 12, 1), date(2027, 1, 5))
    for text, code in [("20/11/2026 - 31/02/2026", "bad_range"), ("next week", "not_a_range"),
                       ("01/12/2026", "not_a_range")]:
        with pytest.raises(ReviewError) as refused:
            delegation.parse_range(text)
        assert refused.value.code == code
    assert delegation.days_from(TODAY, 7) == (TODAY, TODAY + timedelta(days=6))
    with pytest.raises(ReviewError):
        delegation.days_from(TODAY, 8)  # only the durations offered


async def test_a_delegation_is_made_refused_and_cancelled(db, clock):
    people = await _province(db, clock)
    anh, binh, thao = people["XTH002"].id, people["XTH001"], people["XTH004"]
    now = clock.now()

    async def make(delegator, code, start, end):
        async with db.session() as s:
            return await delegation.create(s, delegator_id=delegator, delegate_code=code,
                                           starts_on=start, ends_on=end, now=now, today=TODAY)

    for delegator, code, start, end, refusal in [
            (anh, "XTH002", TODAY, TODAY, "self_delegate"),
            (anh, "KHONGCO", TODAY, TODAY, "unknown_delegate"),
            (anh, "XTH001", TODAY, TODAY - timedelta(days=1), "bad_range"),
            (anh, "XTH001", TODAY, TODAY + timedelta(days=181), "bad_range"),
            (anh, "XTH001", TODAY - timedelta(days=9), TODAY - timedelta(days=1), "past_range"),
            (thao.id, "XTH001", TODAY, TODAY, "not_evaluator")]:  # Thảo evaluates nobody
        with pytest.raises(ReviewError) as refused:
            await make(delegator, code, start, end)
        assert refused.value.code == refusal

    made = await make(anh, " xth001 ", TODAY, TODAY + timedelta(days=6))
    assert made.item.delegate.name == binh.full_name and made.item.delegate.chat_id is None
    assert made.delegator.code == "XTH002"
    assert [item.id for item in made.current] == [made.item.id]
    with pytest.raises(ReviewError) as refused:
        await make(anh, "XTH001", TODAY + timedelta(days=3), TODAY + timedelta(days=9))
    assert refused.value.code == "overlap" and refused.value.info["starts_on"] == TODAY

    async with db.session() as s:
        assert (await delegation.one_of_mine(s, anh, made.item.id, TODAY)).id == made.item.id
        with pytest.raises(ReviewError):
            await delegation.one_of_mine(s, thao.id, made.item.id, TODAY)
        with pytest.raises(ReviewError):  # only the delegator cancels
            await delegation.revoke(s, delegator_id=thao.id, delegation_id=made.item.id,
                                    now=now, today=TODAY)
        cancelled = await delegation.revoke(s, delegator_id=anh, delegation_id=made.item.id,
                                            now=now, today=TODAY)
        assert cancelled.current == () and cancelled.item.delegate.code == "XTH001"
    async with db.session() as s:
        with pytest.raises(ReviewError):  # once
            await delegation.revoke(s, delegator_id=anh, delegation_id=made.item.id, now=now,
                                    today=TODAY)
        assert await delegation.overview(s, anh, TODAY) == ()
        with pytest.raises(ReviewError) as refused:
            await delegation.overview(s, thao.id, TODAY)
        assert refused.value.code == "not_evaluator"


# --------------------------------------------------------------------------------- targets
async def test_targets_are_reached_only_by_the_evaluator_or_the_board(db, clock):
    people = await _province(db, clock)
    kpi = _kpi()
    async with db.session() as s:
        anh = await _actor(s, people["XTH002"], clock)
        board = await _actor(s, people["BTC002"], clock, Role.BOARD)
        page = await targets.my_cadres(s, anh, -3)  # a forged page is the first one
        assert page.page == 0 and len(page.cadres) == targets.PAGE and page.more
        second = await targets.my_cadres(s, anh, 1)
        assert second.total == page.total and not second.more
        assert await targets.cadre_id_of(s, anh, " xth004") == people["XTH004"].id
        for actor, code, refusal in [(anh, "SNV003", "forbidden"), (anh, "NOBODY", "not_found")]:
            with pytest.raises(KpiError) as refused:
                await targets.cadre_id_of(s, actor, code)
            assert refused.value.code == refusal
        assert await targets.cadre_id_of(s, board, "SNV003") == people["SNV003"].id
        sheet = await targets.targets_of(s, kpi, anh, people["XTH004"].id, TODAY)
        assert sheet.cadre_name == people["XTH004"].full_name and len(sheet.lines) == 3
        assert all(sheet.editable(line) for line in sheet.lines)
        other = await targets.targets_of(s, kpi, board, people["SNV003"].id, TODAY)
        with pytest.raises(KpiError):  # a product of another position
            await targets.ask(s, kpi, anh, people["XTH004"].id, other.lines[0].product_id, TODAY)


async def test_a_target_is_changed_within_its_rules(db, clock):
    people = await _province(db, clock)
    kpi, thao = _kpi(), people["XTH004"].id
    async with db.session() as s:
        anh = await _actor(s, people["XTH002"], clock)
        sheet = await targets.targets_of(s, kpi, anh, thao, TODAY)
        rate = next(line for line in sheet.lines if line.rate)
        asked = await targets.ask(s, kpi, anh, thao, rate.product_id, TODAY)
        assert asked.line == rate and asked.period_id == sheet.period.id

    async def change(quantity, period_id=asked.period_id):
        async with db.session() as s:
            return await targets.change(s, kpi, anh, cadre_id=thao, product_id=rate.product_id,
                                        period_id=period_id, quantity=quantity,
                                        now=clock.now(), today=TODAY)

    for quantity, period_id, refusal in [(0, asked.period_id, "not_positive"),
                                         (1e8, asked.period_id, "not_positive"),
                                         (101, asked.period_id, "percent"),
                                         (95, asked.period_id + 1000, "not_found")]:
        with pytest.raises(KpiError) as refused:
            await change(quantity, period_id)
        assert refused.value.code == refusal
    changed = await change(95)
    assert changed.quantity == 95 and changed.cadre_chat_id is None
    assert next(line for line in changed.sheet.lines if line.rate and
                line.product_id == rate.product_id).target == 95
    async with db.session() as s:
        (await s.get(Period, asked.period_id)).status = "locked"
    with pytest.raises(KpiError) as refused:
        await change(90)
    assert refused.value.code == "locked"


# --------------------------------------------------------------------------------- results
async def test_results_open_only_the_callers_own_periods(db, clock):
    people = await _province(db, clock)
    async with db.session() as s:
        mine = await results.my_results(s, _kpi(), people["XTH004"].id, TODAY)
    assert mine.periods == [] and mine.year == TODAY.year
    assert results.period_result(mine, 1) is None


# -------------------------------------------------------------------------------- reminders
async def test_reminders_snooze_to_the_next_working_morning_and_turn_off(db, clock):
    people = await _province(db, clock)
    thao = people["XTH004"].id
    policy = Policy()
    async with db.session() as s:
        assert await reminder_settings.reminders_on(s, thao)
        assert await reminder_settings.set_reminders(s, thao, None) is False
        assert await reminder_settings.set_reminders(s, thao, None) is True
        assert await reminder_settings.set_reminders(s, thao, False) is False
        until = await reminder_settings.snooze(
            s, thao, now=clock.now(), tz=HANOI, calendar=WorkCalendar(policy.calendar),
            policy=policy)
    assert until.date() == TODAY + timedelta(days=1)  # Tuesday → Wednesday morning
    async with db.session() as s:
        cadre = await s.get(Cadre, thao)
        assert not cadre.reminders_enabled and cadre.snoozed_until is not None


# --------------------------------------------------------------------------------- linking
async def test_linking_returns_the_new_actor_and_an_invite_link_asks_before_moving(db, clock):
    await _province(db, clock)
    now = clock.now()
    async with db.session() as s:
        linked = await identity.link_account(s, telegram_user_id=42, chat_id=42, now=now,
                                             phone="0912000015")
        assert linked.linked and linked.actor.code == "XTH004"
        refused = await identity.link_account(s, telegram_user_id=43, chat_id=43, now=now,
                                              code="ABCDEFGH23")
        assert refused.result.status == InviteStatus.UNKNOWN and refused.actor is None
        code, _ = await identity.issue_invite(s, "XTH007", now=now)
        own, _ = await identity.issue_invite(s, "XTH004", now=now)
    async with db.session() as s:
        actor = await identity.actor_for(s, 42, now)
        asked = await identity.open_invite(s, actor=actor, code=code, telegram_user_id=42,
                                           chat_id=42, now=now)
        assert asked.move_to.code == "XTH007" and asked.linked is None
        again = await identity.open_invite(s, actor=actor, code=own, telegram_user_id=42,
                                           chat_id=42, now=now)
        assert again.move_to is None and again.linked.result.status == InviteStatus.LINKED
        wrong = await identity.open_invite(s, actor=actor, code="abc123", telegram_user_id=42,
                                           chat_id=42, now=now)
        assert wrong.linked.result.status == InviteStatus.UNKNOWN and not wrong.linked.linked
