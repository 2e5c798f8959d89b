"""Reminders by time travel across a deadline: working days and hours only, once per step,
nothing after the work is done, snooze, restarts (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import reminder_job
from models import Cadre, ReminderLog
from tests.test_flow_report import fill_count_product, fill_rates, self_assess, setup


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    """A moment given in Hanoi time."""
    return datetime(2026, month, day, hour, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


def kpi_reminders(person) -> list[str]:
    return [m.text for m in person.fake.messages if "báo cáo KPI Tháng 11/2026" in (m.text or "")
            or "Báo cáo KPI Tháng 11/2026 của anh/chị đã quá hạn" in (m.text or "")]


async def tick(harness, clock, when) -> int:
    clock.set(when)
    return await reminder_job.tick(harness.app)


async def test_entry_reminders_follow_the_working_days(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # a draft exists; nothing sent yet
    await tick(harness, clock, at(28))  # Saturday
    await tick(harness, clock, at(27))  # Friday: T-4, nothing yet
    assert kpi_reminders(thao) == []
    await tick(harness, clock, at(30, hour=6))  # Monday before working hours
    assert kpi_reminders(thao) == []
    await tick(harness, clock, at(30))  # Monday = T-3
    assert kpi_reminders(thao) == ["⏰ Còn 3 ngày làm việc nữa là đến hạn gửi báo cáo KPI Tháng 11/2026 (hạn 03/12/2026)."]
    assert "⏰ Nhắc lại sau" in thao.last.buttons
    await tick(harness, clock, at(30, hour=15))  # a second tick the same day
    await harness.restart(clock)  # and a restart
    await tick(harness, clock, at(30, hour=16))
    assert len(kpi_reminders(thao)) == 1
    await tick(harness, clock, at(1, 12))  # T-2: no step
    await tick(harness, clock, at(2, 12))  # T-1
    await tick(harness, clock, at(3, 12))  # deadline day
    await tick(harness, clock, at(4, 12))  # T+1
    await tick(harness, clock, at(8, 12))  # T+3
    await tick(harness, clock, at(10, 12))  # then stop
    texts = kpi_reminders(thao)
    assert len(texts) == 5
    assert texts[2] == "⏰ Hôm nay (03/12/2026) là hạn gửi báo cáo KPI Tháng 11/2026 của anh/chị."
    assert texts[3].startswith("⚠️ Báo cáo KPI Tháng 11/2026 của anh/chị đã quá hạn")
    async with harness.db.session() as s:
        thao_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH004"))
        steps = list(await s.scalars(select(ReminderLog.step).where(
            ReminderLog.subject.like("entry:%"), ReminderLog.cadre_id == thao_id)
            .order_by(ReminderLog.id)))
    assert steps == ["before3", "before1", "due", "after1", "after3"]


async def test_no_reminder_after_submission_and_snooze(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await tick(harness, clock, at(30))
    await thao.tap("⏰ Nhắc lại sau")
    assert "Trợ lý sẽ nhắc lại lúc 07:30 01/12/2026" in thao.alerts[-1]
    await tick(harness, clock, at(2, 12))  # T-1, but snoozed? no: snooze ended on 01/12
    assert len(kpi_reminders(thao)) == 2
    await thao.send("/caidat")
    await thao.tap("🔕 Tắt nhắc nhở")
    assert "đang tắt" in thao.last.text
    await tick(harness, clock, at(3, 12))  # optional step: not sent
    assert len(kpi_reminders(thao)) == 2
    await tick(harness, clock, at(4, 12))  # overdue: always sent
    assert len(kpi_reminders(thao)) == 3
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)
    await fill_rates(thao)
    await self_assess(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await tick(harness, clock, at(8, 12))  # T+3, but she has sent it
    assert len(kpi_reminders(thao)) == 3
