"""🏖 Time away from work (issue #23 §6): the cadre declares a leave, the evaluator confirms
or refuses it, the board records one directly; a confirmed leave silences reminders on its
days and a period wholly on leave is not counted as missing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.jobs import reminders as reminder_job
from bot.services import leave as rules
from bot.services import reminders
from bot.services.annual import months_worked, not_worked
from bot.services.calendar import WorkCalendar
from handlers.screens.reminders import reminder_screen
from models import AuditLog, Cadre, Leave, Period
from tests.test_cli import cadrebot, province_db  # noqa: F401 - the CLI's fixture
from tests.test_flow_report import setup

SON = 905  # Kiều Văn Sơn (XTH009), another of Ánh's cadres


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    """A moment given in Hanoi time."""
    return datetime(2026, month, day, hour, 0,
                    tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


def kpi_reminders(person) -> list[str]:
    return [m.text for m in person.fake.messages if "KPI Tháng 11/2026" in (m.text or "")
            and (m.text.startswith("⏰") or m.text.startswith("⚠️"))]


async def tick(harness, clock, when) -> int:
    clock.set(when)
    return await reminder_job.tick(harness.app, reminder_screen)


async def with_son(harness, clock):
    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        son = await s.scalar(select(Cadre).where(Cadre.code == "XTH009"))
        son.telegram_user_id = son.telegram_chat_id = SON
    return thao, anh, harness.person(SON, "Sơn")


async def declare(thao, kind: str, start: str, end: str, note: str | None = None) -> None:
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🏖 Nghỉ phép, ốm, thai sản, đi học")
    await thao.tap("➕ Khai báo nghỉ")
    await thao.tap(kind)
    await thao.send(start)
    await thao.send(end)
    if note is None:
        await thao.tap("⏭ Bỏ qua")
    else:
        await thao.send(note)


async def leaves(harness, code: str = "XTH004") -> list[Leave]:
    async with harness.db.session() as s:
        return list(await s.scalars(select(Leave).join(Cadre, Cadre.id == Leave.cadre_id)
                                    .where(Cadre.code == code).order_by(Leave.id)))


async def actions(harness) -> list[str]:
    async with harness.db.session() as s:
        return list(await s.scalars(select(AuditLog.action).where(
            AuditLog.object_type == "leave").order_by(AuditLog.id)))


async def test_declared_confirmed_leave_silences_reminders_and_the_digest(harness, clock):
    thao, anh, son = await with_son(harness, clock)
    since = len(harness.transactions)
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🏖 Nghỉ phép, ốm, thai sản, đi học")
    assert "Năm nay anh/chị chưa khai báo thời gian nghỉ nào." in thao.last.text
    await thao.tap("➕ Khai báo nghỉ")
    await thao.send("nghỉ ốm")  # a button is expected
    assert "Vui lòng chọn một trong các nút" in thao.last.text
    await thao.tap("Nghỉ ốm đau")
    assert "Nghỉ ốm đau: nghỉ từ ngày nào?" in thao.last.text
    await thao.send("31/02/2026")
    assert "dd/mm/yyyy" in thao.last.text
    await thao.send("02/11/2026")
    await thao.send("01/11/2026")  # before the start: typed again
    assert "Ngày kết thúc trước ngày bắt đầu" in thao.last.text
    await thao.send("30/11/2026")
    await thao.send("Điều trị tại Bệnh viện đa khoa tỉnh")
    assert "📨 Đã khai báo nghỉ: Nghỉ ốm đau 02/11/2026–30/11/2026." in thao.last.text
    assert "⏳ chờ xác nhận" in thao.last.text
    assert "Đinh Thị Thảo đã khai báo nghỉ: Nghỉ ốm đau 02/11/2026–30/11/2026" in anh.last.text
    # every step of the cadre's: one transaction (the declaration tells Ánh after the commit)
    assert all(begun == 1 for _data, begun in harness.transactions[since:])
    [leave] = await leaves(harness)
    assert (leave.status, leave.kind, leave.note) == ("pending", "om_dau",
                                                      "Điều trị tại Bệnh viện đa khoa tỉnh")

    await anh.send("✅ Phê duyệt")
    await anh.tap("🏖 1 đơn nghỉ chờ xác nhận")
    assert "Đinh Thị Thảo (XTH004): Nghỉ ốm đau 02/11/2026–30/11/2026" in anh.last.text
    confirm = next(b for row in anh.last.inline_buttons for b in row
                   if b.text == "✅ Xác nhận: Đinh Thị Thảo")
    await anh.tap("✅ Xác nhận: Đinh Thị Thảo")
    assert "✅ Đã xác nhận: Đinh Thị Thảo, Nghỉ ốm đau 02/11/2026–30/11/2026." in anh.last.text
    assert "Không có đơn nghỉ nào chờ anh/chị xác nhận" in anh.last.text
    assert "đã được xác nhận" in thao.last.text
    await anh.tap_data(confirm.callback_data)  # twice: refused
    assert "Đơn nghỉ này đã được xử lý." in anh.alerts[-1]
    [leave] = await leaves(harness)
    assert leave.status == "confirmed" and leave.decided_by_id is not None
    assert await actions(harness) == ["declare_leave", "confirm_leave"]

    # November is wholly on leave: no KPI reminder at any step, nothing at all on a day of
    # leave; Sơn gets his
    await son.send("📝 Báo cáo KPI")  # his November draft (the period exists from now on)
    told = len(thao.fake.messages)
    await tick(harness, clock, at(30))
    assert thao.fake.messages[told:] == []  # not even the training reminders due
    assert any(m.text.startswith("📚") for m in son.fake.messages)
    for day, month in ((2, 12), (3, 12), (4, 12), (8, 12)):
        await tick(harness, clock, at(day, month))
    assert kpi_reminders(thao) == []
    assert len(kpi_reminders(son)) == 5

    clock.set(at(4, 12))  # the day after the deadline
    await anh.send("📈 Tổng hợp")
    text = next(m.text for m in reversed(anh.fake.messages) if "Tổng hợp Tháng 11/2026" in (m.text or ""))
    assert "Đinh Thị Thảo" not in text.split("Chưa gửi: ")[1].split("\n")[0]
    assert "Kiều Văn Sơn" in text.split("Chưa gửi: ")[1].split("\n")[0]
    assert "🏖 Nghỉ trọn kỳ (không phải báo cáo): Đinh Thị Thảo" in text


async def test_refused_leave_counts_as_nothing_and_pending_can_be_withdrawn(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # her November draft
    await declare(thao, "Nghỉ phép", "23/11/2026", "04/12/2026")
    await anh.send("✅ Phê duyệt")
    await anh.tap("🏖 1 đơn nghỉ chờ xác nhận")
    await anh.tap("❌ Không xác nhận")
    assert "Vì sao không xác nhận thời gian nghỉ của Đinh Thị Thảo" in anh.last.text
    await anh.send(".")  # no reason: asked again
    assert "Vui lòng nêu lý do" in anh.last.text
    await anh.send("Trùng đợt kiểm tra cuối năm, đề nghị dời lịch nghỉ")
    assert "❌ Không xác nhận: Đinh Thị Thảo" in anh.last.text
    assert "không được xác nhận" in thao.last.text
    assert "Lý do: Trùng đợt kiểm tra cuối năm" in thao.last.text
    [leave] = await leaves(harness)
    assert leave.status == "refused" and leave.refusal_reason.startswith("Trùng đợt")

    # refused: the reminders go as if nothing had been declared
    await tick(harness, clock, at(30))
    assert len(kpi_reminders(thao)) == 1

    # a new declaration over the same days is allowed (the refused one counts as nothing),
    # and withdrawn while it waits
    await declare(thao, "Nghỉ phép", "23/11/2026", "04/12/2026")
    await thao.tap("🗑 Rút đơn 23/11/2026–04/12/2026")
    assert "🗑 Đã rút đơn: Nghỉ phép 23/11/2026–04/12/2026." in thao.last.text
    assert [leave.status for leave in await leaves(harness)] == ["refused", "cancelled"]
    await anh.send("✅ Phê duyệt")
    assert "đơn nghỉ" not in " ".join(anh.last.buttons)
    assert await actions(harness) == ["declare_leave", "refuse_leave", "declare_leave",
                                      "cancel_leave"]


async def test_partly_on_leave_no_reminder_on_leave_days_only(harness, clock):
    """A leave from 16/11 to 02/12 leaves the first half of November worked: the month is
    still expected; the reminders skip the leave days and resume after them."""
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # her November draft
    async with harness.db.session() as s:
        thao_row = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        s.add(Leave(cadre_id=thao_row.id, kind="nghi_phep", starts_on=date(2026, 11, 16),
                    ends_on=date(2026, 12, 2), status="confirmed", created_at=clock.now()))
    await tick(harness, clock, at(30))  # T-3, on leave
    await tick(harness, clock, at(2, 12))  # T-1, on leave
    assert kpi_reminders(thao) == []
    await tick(harness, clock, at(3, 12))  # deadline day, back at work
    assert kpi_reminders(thao) == [
        "⏰ Hôm nay (03/12/2026) là hạn gửi báo cáo KPI Tháng 11/2026 của anh/chị."]
    await anh.send("📈 Tổng hợp")
    assert "Đinh Thị Thảo" in anh.last.text.split("Chưa gửi: ")[1]  # still expected


async def test_board_records_a_leave_directly(harness, clock):
    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 890
        thao_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH004"))
    ha = harness.person(890, "Hà")
    await ha.tap_data(f"ry:c:{thao_id}:2026")  # Thảo's year, as the board opens it
    await ha.tap("🏖 Ghi nhận thời gian nghỉ")
    await ha.tap("Nghỉ thai sản")
    await ha.send("01/03/2024")  # before last year
    assert "không được bắt đầu trước ngày 01/01 của năm trước" in ha.last.text
    await ha.send("01/03/2026")
    await ha.send("31/08/2026")
    assert "🏖 Đã ghi nhận thời gian nghỉ." in ha.last.text
    assert "Số tháng công tác: 6\n   Nghỉ thai sản 01/03/2026–31/08/2026" in ha.last.text
    [leave] = await leaves(harness)
    assert (leave.status, leave.kind) == ("confirmed", "thai_san")
    assert await actions(harness) == ["record_leave"]
    await anh.send("✅ Phê duyệt")  # nothing to confirm: the board's word is final
    assert "đơn nghỉ" not in " ".join(anh.last.buttons)
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🏖 Nghỉ phép, ốm, thai sản, đi học")
    assert "• Nghỉ thai sản 01/03/2026–31/08/2026" in thao.last.text
    assert "🗑" not in " ".join(thao.last.buttons)  # a confirmed leave is not withdrawn


# ---------------------------------------------------------------- the coverage rule

def test_a_period_is_covered_when_all_its_working_days_are():
    calendar = WorkCalendar()
    november = (date(2026, 11, 1), date(2026, 11, 30))
    # Sunday 01/11 needs no leave; two leaves that touch count as one
    assert rules.covers_period([(date(2026, 11, 2), date(2026, 11, 15)),
                                (date(2026, 11, 16), date(2026, 11, 30))], *november, calendar)
    # Monday 30/11 is a working day outside the leave
    assert not rules.covers_period([(date(2026, 11, 2), date(2026, 11, 27))], *november,
                                   calendar)
    # Thursday 30/04 and Friday 01/05/2026 are public holidays: April is covered to 29/04
    assert rules.covers_period([(date(2026, 3, 20), date(2026, 4, 29))],
                               date(2026, 4, 1), date(2026, 4, 30), calendar)
    assert not rules.covers_period([], *november, calendar)


def test_months_worked_count_confirmed_leave_of_a_kind_not_worked():
    def leave(kind, status, start, end):
        return Leave(kind=kind, status=status, starts_on=start, ends_on=end)

    from bot.policy import ScoringPolicy

    scoring = ScoringPolicy()
    spans = not_worked([
        leave("om_dau", "confirmed", date(2026, 1, 1), date(2026, 3, 31)),  # 3 months
        leave("nghi_phep", "confirmed", date(2026, 7, 1), date(2026, 7, 31)),  # worked time
        leave("thai_san", "pending", date(2026, 8, 1), date(2026, 8, 31)),  # not confirmed
        leave("di_hoc", "refused", date(2026, 9, 1), date(2026, 9, 30)),
    ], scoring)
    assert months_worked(2026, None, spans) == 9
    # overlapping confirmed leave counts once
    assert months_worked(2026, None, [(date(2026, 1, 1), date(2026, 1, 31)),
                                      (date(2026, 1, 15), date(2026, 2, 28))]) == 10
    # a province may count annual leave as not worked too (policy)
    scoring = ScoringPolicy(leave_kinds_not_worked=["om_dau", "nghi_phep"])
    assert months_worked(2026, None, not_worked(
        [leave("nghi_phep", "confirmed", date(2026, 7, 1), date(2026, 7, 31))], scoring)) == 11


async def test_the_leave_day_is_the_provinces_day(harness, clock):
    """At 00:30 on 02/12 in Hanoi it is still 01/12 in UTC: a leave starting 02/12 already
    silences reminders, one ending 01/12 no longer does."""
    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # her November draft
    services = harness.app.bot_data["services"]
    policy = services.policy.model_copy(update={
        "reminders": services.policy.reminders.model_copy(update={"work_start": "00:00"})})
    now = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 02/12/2026 00:30 in Hanoi: T-1
    async with harness.db.session() as s:
        thao = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        leave = Leave(cadre_id=thao.id, kind="om_dau", starts_on=date(2026, 12, 2),
                      ends_on=date(2026, 12, 2), status="confirmed", created_at=now)
        s.add(leave)
        await s.flush()
        due = await reminders.due(s, now, services.settings.tz, services.calendar, policy)
        assert not [r for r in due if r.cadre_id == thao.id]
        assert await rules.on_leave_on(s, date(2026, 12, 2)) == {thao.id}
        leave.starts_on = leave.ends_on = date(2026, 12, 1)
        await s.flush()
        due = await reminders.due(s, now, services.settings.tz, services.calendar, policy)
        assert [r.step for r in due if r.cadre_id == thao.id and r.kind == "entry"] == [
            "before1"]


async def test_who_is_away_is_one_query_for_any_number_of_people(harness, clock):
    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # November exists from now on
    calendar = WorkCalendar()
    async with harness.db.session() as s:
        people = list(await s.scalars(select(Cadre.id).order_by(Cadre.id)))
        november = await s.scalar(select(Period).where(Period.kind == "month",
                                                       Period.year == 2026, Period.number == 11))
        for cadre_id in people[:3]:
            s.add(Leave(cadre_id=cadre_id, kind="di_hoc", starts_on=date(2026, 10, 1),
                        ends_on=date(2026, 12, 31), status="confirmed", created_at=clock.now()))
        s.add(Leave(cadre_id=people[3], kind="di_hoc", starts_on=date(2026, 10, 1),
                    ends_on=date(2026, 12, 31), status="pending", created_at=clock.now()))
        await s.flush()
        statements = []
        from sqlalchemy import event

        def count(*_args):
            statements.append(1)

        engine = s.bind.sync_engine if hasattr(s.bind, "sync_engine") else s.bind
        event.listen(engine, "before_cursor_execute", count)
        try:
            away = await rules.away_by_period(s, [november], calendar)
            away_few = await rules.away_for(s, november, calendar, people[:2])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert away[november.id] == set(people[:3]) and away_few == set(people[:2])
    assert len(statements) == 2


def test_operator_records_a_confirmed_leave(province_db):  # noqa: F811
    """`cadrebot record leave`: confirmed at once, with the same overlap rule."""
    import sqlite3

    year = date.today().year
    args = ("record", "leave", "XTH004", f"01/02/{year}", f"28/02/{year}", "--kind", "om-dau")
    result = cadrebot(province_db, *args)
    assert result.returncode == 0, result.stderr
    again = cadrebot(province_db, *args)
    assert again.returncode != 0
    assert "Đã có thời gian nghỉ được ghi nhận trùng với một phần các ngày này." in again.stderr
    with sqlite3.connect(province_db / "data" / "cli.db") as db:
        rows = db.execute("SELECT kind, status, created_by_label FROM leaves").fetchall()
        audited = db.execute("SELECT action, actor_label FROM audit_log "
                             "WHERE object_type = 'leave'").fetchall()
    assert rows == [("om_dau", "confirmed", "operator")]
    assert audited == [("record_leave", "operator")]
