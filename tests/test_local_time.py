"""Days are the province's days (#22 item 7): a moment stored in UTC is compared and shown
by the date it fell on in Asia/Ho_Chi_Minh — at 00:30 local time it is still yesterday in
UTC, at 23:30 it is already 16:30 UTC of the same day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import fmt_local_date
from bot.services import reminders
from tests.test_flow_report import fill_and_submit, setup

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


def test_a_stored_moment_is_shown_on_its_local_day():
    assert fmt_local_date(hanoi(2, 12, 0, 30)) == "02/12/2026"  # 17:30 UTC on 01/12
    assert fmt_local_date(hanoi(1, 12, 23, 30)) == "01/12/2026"  # 16:30 UTC on 01/12


async def test_waiting_for_review_counts_from_the_local_day_it_was_sent(harness, clock):
    thao, _anh = await setup(harness, clock)
    clock.set(hanoi(27, 11, 0, 30))  # Friday 27/11, 00:30 in Hanoi: Thursday 26/11 in UTC
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    services = harness.app.bot_data["services"]
    today = date(2026, 12, 2)  # Wednesday
    async with harness.db.session() as s:
        due = await reminders.review_reminders(s, today, services.calendar, services.policy,
                                               HANOI)
    assert [r.info["days"] for r in due] == [
        services.calendar.working_days_between(date(2026, 11, 27), today)]


async def test_a_delegation_runs_on_the_provinces_days(harness, clock):
    """A delegation for 02/12 only: the deputy evaluates from 00:30 on 02/12 in Hanoi (still
    01/12 in UTC) to 23:30 that day, and no longer at 00:30 on 03/12 (still 02/12 in UTC)."""
    from sqlalchemy import select

    from bot.services import identity
    from models import Cadre, Delegation
    from models.enums import Role

    await setup(harness, clock)
    async with harness.db.session() as s:
        deputy = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        evaluator = await s.scalar(select(Cadre).where(Cadre.code == "XTH002"))
        s.add(Delegation(delegator_id=evaluator.id, delegate_id=deputy.id,
                         starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2),
                         created_at=hanoi(1, 12, 9)))
        user = deputy.telegram_user_id

    async def evaluates(at: datetime) -> bool:
        async with harness.db.session() as s:
            actor = await identity.actor_for(s, user, at)
        return Role.SUPERVISOR in actor.roles

    assert not await evaluates(hanoi(1, 12, 23, 30))
    assert await evaluates(hanoi(2, 12, 0, 30))
    assert await evaluates(hanoi(2, 12, 23, 30))
    assert not await evaluates(hanoi(3, 12, 0, 30))
