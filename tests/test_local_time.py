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


# ---------------------------------------------------------------- the audit of #22 item 7:
# every comparison of a day — which period is current, lateness, training due dates, ages,
# working hours, the lock's deadline (tests/test_flow_board.py), the schedule's example
# (ibid.) — at 00:30 and at 23:30 in Hanoi


async def test_the_new_month_begins_at_local_midnight(harness, clock):
    from tests.test_flow_report import setup

    thao, _anh = await setup(harness, clock)
    clock.set(hanoi(30, 11, 23, 30))  # still November everywhere
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 11/2026" in thao.last.text
    assert "📅 Mở Tháng 12/2026" not in thao.buttons()
    clock.set(hanoi(1, 12, 0, 30))  # December in Hanoi, 30/11 17:30 in UTC
    await thao.send("📝 Báo cáo KPI")
    assert "📅 Mở Tháng 12/2026" in thao.buttons()  # December is the current period
    await thao.tap("📅 Mở Tháng 12/2026")
    assert "Hạn gửi: 06/01/2027" in thao.last.text


async def test_a_report_sent_late_on_the_deadline_evening_is_on_time(harness, clock):
    from tests.test_flow_report import entries, setup

    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # November's sheet, begun on 20/11
    clock.set(hanoi(3, 12, 23, 30))  # the deadline day (03/12), 16:30 in UTC
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    assert "muộn" not in thao.last.text
    assert not any(e.is_late for e in (await entries(harness)).values() if e.status != "draft")


async def test_a_report_sent_after_local_midnight_is_late(harness, clock):
    from tests.test_flow_report import entries, setup

    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # November's sheet, begun on 20/11
    clock.set(hanoi(4, 12, 0, 30))  # 04/12 in Hanoi, still the deadline day (03/12) in UTC
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 11/2026" in thao.last.text
    await fill_and_submit(thao)
    assert "ghi nhận là nộp muộn" in thao.last.text
    sent = [e for e in (await entries(harness)).values() if e.status == "submitted"]
    assert sent and all(e.is_late for e in sent)


async def test_a_training_due_date_is_overdue_from_local_midnight(harness, clock):
    """The digital-skills requirement is due on 30/11/2026."""
    from tests.test_flow_report import setup

    thao, _anh = await setup(harness, clock)
    clock.set(hanoi(30, 11, 23, 30))
    await thao.send("📚 Bồi dưỡng")
    digital = next(line for line in thao.last.text.splitlines() if "Kỹ năng số" in line)
    assert digital.startswith("⚠️ sắp đến hạn")
    clock.set(hanoi(1, 12, 0, 30))  # 30/11 17:30 in UTC
    await thao.send("📚 Bồi dưỡng")
    digital = next(line for line in thao.last.text.splitlines() if "Kỹ năng số" in line)
    assert digital.startswith("❌ quá hạn")


async def test_young_is_under_42_on_the_local_day(harness, clock):
    """Thảo turns 42 on 01/12/2026: "young" (< 42) until 23:59 on 30/11 in Hanoi, not from
    00:30 on 01/12 (still 30/11 in UTC)."""
    from sqlalchemy import select

    from models import Cadre
    from tests.test_flow_notices import compose, province

    thao, _anh, ha, _truong, _tuan = await province(harness, clock)
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        cadre.birth_date = date(1984, 12, 1)

    async def young_count(at: datetime) -> str:
        clock.set(at)
        await compose(ha, "Diễn đàn cán bộ trẻ")
        await ha.tap("▫️ Cán bộ trẻ (< 42)")
        label = next(b for b in ha.buttons() if b.startswith("➡️ Tiếp tục"))
        await ha.send("/huy")
        return label

    before = await young_count(hanoi(30, 11, 23, 30))
    after = await young_count(hanoi(1, 12, 0, 30))
    count = int(before.split("(")[1].split()[0])
    assert after == before.replace(f"({count} ", f"({count - 1} ")


async def test_reminders_keep_the_provinces_working_hours(harness, clock):
    """23:30 in Hanoi is 16:30 in UTC — inside 07:30–17:00 if compared in UTC."""
    from tests.test_flow_report import setup

    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # November's sheet begun, not sent
    services = harness.app.bot_data["services"]

    async def due(at: datetime) -> list:
        async with harness.db.session() as s:
            return await reminders.due(s, at, HANOI, services.calendar, services.policy)

    assert await due(hanoi(3, 12, 23, 30)) == []  # Thursday, the deadline day
    assert await due(hanoi(4, 12, 0, 30)) == []
    morning = await due(hanoi(3, 12, 8, 0))
    assert {r.step for r in morning if r.kind == "entry"} == {"due"}  # deadline-day reminder
