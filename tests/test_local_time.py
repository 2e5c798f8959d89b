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
