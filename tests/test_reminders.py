"""Reminders by time travel across a deadline: working days and hours only, once per step,
nothing after the work is done, snooze, restarts (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.jobs import reminders as reminder_job
from handlers.screens.reminders import reminder_screen
from models import Cadre, ReminderLog
from tests.test_flow_report import (
    fill_and_submit,
    fill_sheet,
    setup,
)


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    """A moment given in Hanoi time."""
    return datetime(2026, month, day, hour, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


def kpi_reminders(person) -> list[str]:
    return [m.text for m in person.fake.messages if "báo cáo KPI Tháng 11/2026" in (m.text or "")
            or "Báo cáo KPI Tháng 11/2026 của anh/chị đã quá hạn" in (m.text or "")]


async def tick(harness, clock, when) -> int:
    clock.set(when)
    return await reminder_job.tick(harness.app, reminder_screen)


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
    await fill_and_submit(thao)
    await tick(harness, clock, at(8, 12))  # T+3, but she has sent it
    assert len(kpi_reminders(thao)) == 3


async def test_no_reminders_during_tet_and_the_next_step_after_it(harness, clock):
    thao, anh = await setup(harness, clock, when=at(15, 1).replace(year=2027))
    await thao.send("📝 Báo cáo KPI")
    assert "Tháng 1/2027" in thao.last.text and "Hạn gửi: 03/02/2027" in thao.last.text

    def jan(day, month=2, hour=9):
        return at(day, month, hour).replace(year=2027)

    def texts():
        return [m.text for m in thao.fake.messages if "KPI Tháng 1/2027" in (m.text or "")]

    await tick(harness, clock, jan(29, 1))  # Friday = T-3
    assert len(texts()) == 1
    await tick(harness, clock, jan(2))  # T-1
    await tick(harness, clock, jan(3))  # the deadline
    assert len(texts()) == 3
    for day in range(4, 11):  # Tết: 04–10/02/2027, no reminder at all
        await tick(harness, clock, jan(day))
    assert len(texts()) == 3
    await tick(harness, clock, jan(11))  # the first working day after Tết = T+1
    assert len(texts()) == 4 and "đã quá hạn" in texts()[-1]


async def test_review_training_and_notice_reminders(harness, clock):
    from bot.services import notices as notice_rules
    from tests.test_flow_notices import drain

    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_sheet(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")  # submitted Friday 20/11
    async with harness.db.session() as s:
        notice = await notice_rules.create(s, author_id=None, text="Đề nghị xác nhận", audience={
            "cadre_ids": [await s.scalar(select(Cadre.id).where(Cadre.code == "XTH004"))]},
            ack_kind="ack", attachment_kind=None, attachment_file_id=None, scheduled_at=None,
            now=clock.now())
        await notice_rules.queue(s, notice, clock.now(), clock.now().date())
    await drain(harness)
    await tick(harness, clock, at(23))  # Monday: 1 working day waiting (24/11 is a holiday)
    assert not any("chờ anh/chị duyệt" in (m.text or "") for m in anh.fake.messages)
    # the digital-skills course is due 30/11: "due in 7 days" on Monday 23/11
    assert any("«Kỹ năng số và chuyển đổi số cho cán bộ, công chức» đến hạn vào 30/11/2026"
               in (m.text or "") for m in thao.fake.messages)
    await tick(harness, clock, at(26))  # Thursday: waiting > 2 working days; notice unconfirmed
    assert any("đã chờ anh/chị duyệt hơn 2 ngày làm việc" in (m.text or "")
               for m in anh.fake.messages)
    assert any("chưa xác nhận một thông báo" in (m.text or "") for m in thao.fake.messages)
    await tick(harness, clock, at(1, 12))  # overdue training
    assert any("đã quá hạn (30/11/2026)" in (m.text or "") for m in thao.fake.messages)
    reminders_seen = [m.text for m in thao.fake.messages + anh.fake.messages
                      if (m.text or "").startswith(("📥", "🔔 Anh/chị chưa", "📚", "❌"))]
    await tick(harness, clock, at(1, 12, hour=15))
    assert [m.text for m in thao.fake.messages + anh.fake.messages
            if (m.text or "").startswith(("📥", "🔔 Anh/chị chưa", "📚", "❌"))] == reminders_seen
