"""📋 Giao việc (issue #24 §1): Ánh assigns Thảo a task with its six "rõ", Thảo is reminded
before the deadline and once it has passed, reports it done late, Ánh returns it once and
accepts it the second time — and the product's b and c come from those events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services import tasks as rules
from bot.services.kpi import figures_of
from bot.services.scoring import score_product
from models import AuditLog, Cadre, Entry, Period, ProductType, Task, TaskEvent
from tests.test_flow_leave import tick
from tests.test_flow_report import fill_count_product, setup

TITLE = "Báo cáo tổng hợp hồ sơ một cửa tháng 11"
PRODUCT = "Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả"


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    """A moment in Hanoi time."""
    return datetime(2026, month, day, hour, 0,
                    tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)


async def assign(anh, deadline: str = "25/11/2026", units: str = "2") -> None:
    await anh.send("✅ Phê duyệt")
    await anh.tap_starting("📋 Giao việc")
    await anh.tap("➕ Giao việc mới")
    await anh.send("thao")  # a name, searched among her people
    await anh.tap("Đinh Thị Thảo (XTH004)")
    await anh.send(TITLE)
    await anh.tap(PRODUCT)
    await anh.tap(units)
    await anh.send("Báo cáo gửi UBND xã, đủ số liệu trực tiếp và trực tuyến")
    await anh.send(deadline)


async def deliver(thao, *evidence) -> None:
    await thao.tap("📋 Mở việc")
    await thao.tap("📤 Báo cáo hoàn thành")
    for item in evidence:
        if item == "photo":
            await thao.send_photo(content=b"\x89PNG task photo")
        else:
            await thao.send(item)
    await thao.tap("📤 Gửi nghiệm thu")


async def the_task(harness) -> Task:
    async with harness.db.session() as s:
        return await s.scalar(select(Task).order_by(Task.id.desc()).limit(1))


async def november_entry(harness) -> tuple[Entry, ProductType, float]:
    async with harness.db.session() as s:
        thao = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        product = await s.scalar(select(ProductType).where(
            ProductType.position_id == thao.position_id, ProductType.code == "MC01"))
        november = await s.scalar(select(Period).where(
            Period.kind == "month", Period.year == 2026, Period.number == 11))
        entry = await s.scalar(select(Entry).where(
            Entry.cadre_id == thao.id, Entry.period_id == november.id,
            Entry.product_type_id == product.id))
        return entry, product, product.default_target


def task_reminders(person) -> list[str]:
    return [m.text for m in person.fake.messages if TITLE in (m.text or "")
            and (m.text.startswith("⏰") or m.text.startswith("⚠️"))]


async def test_assigned_reminded_late_returned_then_accepted_gives_b_and_c(harness, clock):
    thao, anh = await setup(harness, clock)  # Friday 20/11/2026
    await assign(anh)
    confirm = anh.last.text
    for clear in ("Rõ người", "Rõ việc", "Rõ trách nhiệm", "Rõ thẩm quyền", "Rõ thời gian",
                  "Rõ kết quả"):
        assert clear in confirm, clear
    assert "Đinh Thị Thảo" in confirm and "Phan Thị Ngọc Ánh nghiệm thu" in confirm
    assert "tính 2 hồ sơ vào sản phẩm" in confirm
    assert "hạn 25/11/2026 (còn 2 ngày làm việc)" in confirm  # 24/11 is a day off
    assert "đã nhập số liệu" not in confirm  # nothing typed for that product this month
    await anh.tap("✅ Giao việc")
    assert "✅ Đã giao “" + TITLE + "” cho 1 người, hạn 25/11/2026." in anh.last.text
    assert "📋 Phan Thị Ngọc Ánh giao việc mới" in thao.last.text
    task = await the_task(harness)
    assert (task.status, task.units, task.deadline) == ("assigned", 2, date(2026, 11, 25))

    # reminded: the "three working days before" step still relevant on Friday, one working
    # day before (Monday), and once overdue (Thursday) — each once, however many ticks
    for when in (at(20, 10), at(20, 11), at(23), at(23, 14), at(26, 8), at(26, 10)):
        await tick(harness, clock, when)
    reminded = task_reminders(thao)
    assert len(reminded) == 3, reminded
    assert "còn 2 ngày làm việc" in reminded[0] and "còn 1 ngày làm việc" in reminded[1]
    assert reminded[2].startswith("⚠️") and "chậm tiến độ" in reminded[2]

    # Thảo finds it in 📝 Báo cáo KPI and reports it done on Thursday, after the deadline
    clock.set(at(26, 10))
    await thao.send("📝 Báo cáo KPI")
    await thao.tap("📋 Việc được giao (1)")
    assert "quá hạn 1 ngày làm việc" in thao.last.text
    await thao.tap_starting("📋 Báo cáo tổng hợp")
    await thao.tap("📤 Báo cáo hoàn thành")
    await thao.tap("📤 Gửi nghiệm thu")  # nothing sent yet: refused, asked again
    assert "ít nhất một minh chứng" in thao.alerts[-1]
    await thao.send_photo(content=b"\x89PNG task photo")
    assert "Đã nhận 1 minh chứng." in thao.last.text
    await thao.send("xem tại đây")  # not a link: asked again
    assert "không dùng làm minh chứng" in thao.last.text
    await thao.send("https://motcua.tanhung.gov.vn/bao-cao-11")
    await thao.tap("📤 Gửi nghiệm thu")
    assert "📨 Đã gửi nghiệm thu" in thao.last.text and "Sau hạn (25/11/2026)" in thao.last.text
    assert "📨 Đinh Thị Thảo đã báo cáo hoàn thành" in anh.last.text
    assert "Nộp sau hạn (25/11/2026)" in anh.last.text

    # Ánh returns it (a failed review), with a reason
    await anh.tap("📋 Mở việc")
    await anh.tap("↩️ Trả lại")
    await anh.send(".")
    assert "nêu lý do" in anh.last.text
    await anh.send("Thiếu số liệu hồ sơ trực tuyến")
    assert "↩️ Đã trả lại: Đinh Thị Thảo" in anh.last.text
    assert "bị trả lại" in thao.last.text and "Lý do: Thiếu số liệu" in thao.last.text

    # Thảo delivers again on Friday, Ánh accepts
    clock.set(at(27, 10))
    await deliver(thao, "https://motcua.tanhung.gov.vn/bao-cao-11-bo-sung")
    await anh.tap("📋 Mở việc")
    assert "Đã bị trả lại 1 lần" in anh.last.text
    await anh.tap("✅ Nghiệm thu")
    assert "✅ Đã nghiệm thu: Đinh Thị Thảo" in anh.last.text
    assert "đã được nghiệm thu" in thao.last.text and "chậm tiến độ" in thao.last.text
    await anh.tap_data(f"tk:ok:{task.id}:3")  # the same decision again: refused
    assert "đã được xử lý" in anh.alerts[-1]

    task = await the_task(harness)
    assert (task.status, task.returns, task.delivered_late) == ("accepted", 1, True)
    async with harness.db.session() as s:
        kinds = list(await s.scalars(select(TaskEvent.kind).where(TaskEvent.task_id == task.id)
                                     .order_by(TaskEvent.id)))
        audited = list(await s.scalars(select(AuditLog.action).where(
            AuditLog.object_type == "task").order_by(AuditLog.id)))
    assert kinds == ["assigned", "delivered", "returned", "delivered", "accepted"]
    assert audited == ["assign_task", "deliver_task", "return_task", "deliver_task",
                       "accept_task"]

    # the product's figures come from the task: 2 items done, the return a failed review of
    # each of its 2 items, the late delivery a delay of each (LAW L3, per item)
    entry, product, target = await november_entry(harness)
    assert (entry.quantity_done, entry.quantity_passed) == (2, 2)
    assert (entry.failed_reviews, entry.delays) == (2, 2)
    async with harness.db.session() as s:
        kpi = harness.app.bot_data["services"].kpi
        thao_row = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        period = await s.get(Period, entry.period_id)
        line = next(line for line in (await kpi.sheet(s, thao_row, period)).lines
                    if line.product.id == product.id)
    scored = score_product(figures_of(line), 1.0, kpi.policy.scoring)
    assert scored.b == pytest.approx((2 - 0.25 * 2) / target)
    assert scored.c == pytest.approx((2 - 0.25 * 2) / target)

    # the KPI questions of that product no longer ask for the delays and failed reviews
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    assert "lấy từ các việc được giao" in thao.last.text
    assert "khách quan" in thao.last.text  # the next question: an objective-cause exemption


async def test_deadline_extended_before_it_passes_is_not_a_delay(harness, clock):
    thao, anh = await setup(harness, clock)
    await assign(anh, deadline="24/11/2026", units="1")
    await anh.tap("✅ Giao việc")
    task = await the_task(harness)
    clock.set(at(24, 15))
    await anh.send("✅ Phê duyệt")
    await anh.tap_starting("📋 Giao việc")
    await anh.tap_starting("📋 Đinh Thị Thảo")
    await anh.tap("📅 Gia hạn")
    await anh.send("24/11/2026")
    assert "Hạn mới phải sau hạn hiện tại" in anh.last.text
    await anh.send("27/11/2026")
    assert "Hạn mới của “" in anh.last.text
    assert "gia hạn đến 27/11/2026" in thao.last.text
    clock.set(at(26, 10))  # after the first deadline, before the new one
    await deliver(thao, "https://motcua.tanhung.gov.vn/bc")
    await anh.tap("📋 Mở việc")
    assert "gia hạn 24/11/2026 → 27/11/2026" in anh.last.text
    await anh.tap("✅ Nghiệm thu")
    task = await the_task(harness)
    assert (task.status, task.delivered_late, task.deadline) == ("accepted", False,
                                                                date(2026, 11, 27))
    entry, _product, _target = await november_entry(harness)
    assert (entry.quantity_done, entry.failed_reviews, entry.delays) == (1, 0, 0)
    async with harness.db.session() as s:
        extended = await s.scalar(select(AuditLog).where(
            AuditLog.action == "extend_task_deadline"))
    assert extended.before == {"deadline": "2026-11-24"}
    assert extended.after == {"deadline": "2026-11-27"}
    # once the deadline has passed it can no longer be extended
    clock.set(at(30, 10))
    await anh.tap_data(f"tk:ex:{task.id}")
    assert anh.alerts  # accepted already: refused


async def test_only_the_cadre_delivers_and_only_the_authority_decides(harness, clock):
    thao, anh = await setup(harness, clock)
    await assign(anh)
    await anh.tap("✅ Giao việc")
    task = await the_task(harness)
    await anh.tap_data(f"tk:d:{task.id}")  # Ánh cannot deliver Thảo's task
    assert "Việc này không còn" in anh.alerts[-1] or "không phụ trách" in anh.alerts[-1]
    await thao.tap_data(f"tk:ok:{task.id}:{task.version}")  # nor Thảo accept it
    assert "không phụ trách" in thao.alerts[-1]
    await thao.tap_data(f"tk:ex:{task.id}")
    assert "không phụ trách" in thao.alerts[-1]
    await thao.tap_data("tk:new")
    assert thao.alerts
    assert (await the_task(harness)).status == "assigned"


async def test_the_assigner_is_told_that_typed_figures_will_be_replaced(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="118")
    await assign(anh)
    assert ("⚠️ Đinh Thị Thảo đã nhập số liệu của sản phẩm này cho kỳ đó. Sau khi giao việc, "
            "số liệu của sản phẩm này trong kỳ sẽ chỉ tính theo các việc được giao") in anh.last.text
    await anh.tap("✅ Giao việc")
    entry, _product, _score = await november_entry(harness)
    assert entry.quantity_done == 0  # from the task (not delivered yet), as the screen said
    async with harness.db.session() as s:
        logged = await s.scalar(select(AuditLog).where(AuditLog.action == "task_figures"))
    assert logged is not None and logged.before["quantity_done"] == 118  # kept in the log
    # a second task of the same product that month: its figures already come from tasks
    await assign(anh, deadline="27/11/2026")
    assert "đã nhập số liệu" not in anh.last.text


async def test_a_unit_s_cadres_get_one_task_each(harness, clock):
    thao, anh = await setup(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap_starting("📋 Giao việc")
    await anh.tap("➕ Giao việc mới")
    await anh.tap_starting("👥 UBND xã Tân Hưng")
    await anh.send("Rà soát hồ sơ tồn đọng")
    await anh.tap("Hồ sơ đất đai được thẩm định")  # in the catalogue of both
    await anh.send("abc")
    assert "số nguyên từ 1 đến 999" in anh.last.text
    await anh.send("3")
    await anh.send("Danh sách hồ sơ tồn đọng đã xử lý")
    await anh.send("31/02/2026")
    assert "dd/mm/yyyy" in anh.last.text
    await anh.tap("5 ngày làm việc")  # on the question above: it becomes the confirmation
    assert any("Mỗi người trong 2 người sẽ được giao" in text for text in anh.texts)
    await anh.tap("✅ Giao việc")
    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
        rows = list(await s.scalars(select(Task)))
        cadres = {c.id: c for c in await s.scalars(select(Cadre))}
    assert len(rows) > 1 and len({t.cadre_id for t in rows}) == len(rows)
    assert all(cadres[t.cadre_id].evaluator_id == anh_id for t in rows)
    assert all(t.deadline == date(2026, 11, 30) and t.units == 3 for t in rows)


# ---------------------------------------------------------------- the rule, worked examples

def _task(units: int, status: str, returns: int = 0, late: bool | None = None) -> Task:
    return Task(units=units, status=status, returns=returns, delivered_late=late)


def test_figures_per_item():
    """LAW L3 per item: each return is a failed review of each item of the task; an accepted
    task delivered late is a delay of each of its items; only accepted tasks count done."""
    result = rules.figures([
        _task(2, "accepted", returns=1, late=True),  # 2 done, 2 failed, 2 delays
        _task(1, "accepted"),  # 1 done on time
        _task(3, "returned", returns=2),  # 6 failed, nothing done yet
        _task(1, "assigned"),
        _task(5, "cancelled", returns=1),  # counts nowhere
    ])
    assert result == rules.TaskFigures(tasks=4, assigned=7, done=3, on_time=1,
                                       failed_reviews=8, delays=2)


def test_figures_score_worked_example():
    """Four tasks of one item each (n = 4): three accepted, one of them returned once and
    one delivered late → b = (3 − 0,25) / 4, c = (3 − 0,25) / 4."""
    from bot.policy import ScoringPolicy
    from bot.services.scoring import ProductFigures
    from models.enums import ProductKind

    got = rules.figures([_task(1, "accepted", returns=1), _task(1, "accepted", late=True),
                         _task(1, "accepted"), _task(1, "assigned")])
    figures = ProductFigures(1, "x", ProductKind.COUNT, 1.0, got.assigned, done=got.done,
                             passed=got.done, on_time=got.on_time,
                             failed_reviews=got.failed_reviews, delays=got.delays)
    scored = score_product(figures, 1.0, ScoringPolicy())
    assert scored.a == pytest.approx(0.75)
    assert scored.b == pytest.approx(2.75 / 4)
    assert scored.c == pytest.approx(2.75 / 4)


def test_delivered_late_is_judged_on_the_local_day():
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    deadline = date(2026, 11, 25)
    assert not rules.delivered_late(at(25, 23), deadline, tz)  # 23:00 on the day, in Hanoi
    assert rules.delivered_late(at(26, 0), deadline, tz)
