"""What the board (and those it watches) met on first use, #22 items 9–12: statistics that
say when they mean nothing yet, a lock that asks first and hides nothing, screens that offer
only what the person can do, and words that read right."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.policy import IndicatorTarget
from bot.services import periods as period_rules
from bot.services.indicators import Indicator
from handlers.screens.common import shorten
from handlers.screens.digest import indicator_line
from models import AuditLog, Cadre, Delegation, Entry, Evidence, NoticeDelivery, Period
from tests.test_flow_notices import compose, drain, province
from tests.test_flow_report import entries, fill_and_submit, setup

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


async def link(harness, code: str, user_id: int, name: str):
    async with harness.db.session() as s:
        cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
        cadre.telegram_user_id = cadre.telegram_chat_id = user_id
    return harness.person(user_id, name)


async def send_to_one_officer(ha) -> None:
    """Hà sends a notice with a "✅ Đã nhận" button to the one-stop officers (Thảo only)."""
    await compose(ha, "Họp giao ban cán bộ một cửa")
    await ha.tap("💼 Vị trí việc làm…")
    await ha.send("MC-XA")
    await ha.tap_starting("➡️ Tiếp tục (1 ")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("📤 Xác nhận gửi")


# ---------------------------------------------------------------- item 9: statistics

async def test_a_broadcast_that_reached_nobody_is_not_reported_as_sent(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    harness.emulator.block(thao.id)
    await send_to_one_officer(ha)
    await drain(harness)
    status = ha.last.text
    assert "Đã gửi xong" not in status and "✅" not in status.splitlines()[0]
    assert "❌ Thông báo #1 chưa đến được ai: không gửi được tới người nào trong 1 người nhận." \
        in status
    assert "Đã gửi 0/1" in status and "chặn bot 1" in status

    # the board digest: no "0/0 đã xác nhận" for a notice that reached nobody
    await ha.send("📈 Tổng hợp")
    overview = next(m.text for m in reversed(ha.fake.messages)
                    if "Tổng hợp toàn tỉnh" in (m.text or ""))
    assert "🔔 #1 Họp giao ban cán bộ một cửa: chưa đến được người nhận nào" in overview
    assert "/0 đã xác nhận" not in overview


async def test_a_broadcast_that_missed_some_says_how_many(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    harness.emulator.block(truong.id)
    await compose(ha, "Họp giao ban")
    await ha.tap("▫️ Cấp xã")
    await ha.tap("➡️ Tiếp tục (3 người nhận)")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("📤 Xác nhận gửi")
    await drain(harness)
    assert "⚠️ Đã gửi thông báo #1, nhưng 1 người chưa nhận được." in ha.last.text
    assert "Đã gửi 2/3" in ha.last.text


async def test_acknowledgements_are_counted_over_those_the_notice_reached(harness, clock):
    """Seen: "1/0 đã xác nhận" — an acknowledged delivery whose later status was not "sent"."""
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await send_to_one_officer(ha)
    await drain(harness)
    await thao.tap("✅ Đã nhận")
    async with harness.db.session() as s:
        delivery = await s.scalar(select(NoticeDelivery))
        delivery.status = "failed"  # e.g. a follow-up's push failed after she confirmed
    await ha.send("📈 Tổng hợp")
    overview = next(m.text for m in reversed(ha.fake.messages)
                    if "Tổng hợp toàn tỉnh" in (m.text or ""))
    assert "🔔 #1 Họp giao ban cán bộ một cửa: 1/1 đã xác nhận" in overview


def _on_time(value: float, basis: tuple[int, int], minimum: float = 0.5) -> Indicator:
    target = IndicatorTarget(metric="on_time_share", name="Báo cáo gửi đúng hạn", target=0.95,
                             horizon="period")
    return Indicator(target, value, None, basis, minimum)


def test_a_target_with_too_little_data_says_so_and_is_not_reached():
    early = _on_time(1.0, (1, 60))
    assert not early.reached and early.gap == 0
    assert indicator_line(early) == ("• Báo cáo gửi đúng hạn: chưa đủ số liệu (1/60 báo cáo) — "
                                     "mục tiêu: đạt 95% mỗi kỳ")
    half = _on_time(1.0, (30, 60))  # the policy's minimum (half of those concerned) is met
    assert half.reached and "100,0% / mục tiêu: đạt 95% mỗi kỳ — đã đạt" in indicator_line(half)
    anything = _on_time(1.0, (1, 60), minimum=0.0)  # a province may show every figure
    assert anything.reached


async def test_the_coverage_minimum_is_a_policy_setting(harness, clock):
    from bot.policy import Policy

    assert Policy().indicator_min_coverage == 0.5
    assert Policy.model_validate({"indicator_min_coverage": 0.8}).indicator_min_coverage == 0.8


# ---------------------------------------------------------------- item 10: the lock

async def _november(harness) -> Period:
    entry = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        return await s.get(Period, entry.period_id)


async def test_a_lock_before_the_deadline_shows_what_is_open(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    november = await _november(harness)
    assert november.submission_deadline == date(2026, 12, 3)
    async with harness.db.session() as s:
        period = await s.get(Period, november.id)
        # 23:30 on the deadline day, in Hanoi: the deadline has not passed
        check = await period_rules.lock_check(s, period, hanoi(3, 12, 23, 30).astimezone(
            HANOI).date())
        assert check.before_deadline and check.needs_confirmation
        assert (check.not_sent, check.waiting, check.returned) == (check.expected - 1, 1, 0)
        # 00:30 the day after, in Hanoi (still the deadline day in UTC): it has
        late = await period_rules.lock_check(s, period, hanoi(4, 12, 0, 30).astimezone(
            HANOI).date())
        assert not late.before_deadline and late.needs_confirmation  # reports still open
    from bot.cli import lock_question

    text = lock_question(check)
    assert "Hạn gửi báo cáo của kỳ 2026-11 là 03/12/2026: chưa hết hạn." in text
    assert (f"Còn báo cáo chưa hoàn tất: chưa gửi {check.expected - 1}/{check.expected} · "
            "chờ duyệt 1 · bị trả lại 0.") in text


async def test_a_locked_periods_waiting_report_stays_visible(harness, clock):
    """Seen: after the lock the evaluator's report vanished from her screen. The evaluator
    reads it (only the board decides now, SPEC §4.4); the board finds and decides it."""
    thao, anh = await setup(harness, clock)
    ha = await link(harness, "BTC002", 803, "Hà")
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    clock.set(hanoi(2, 12, 9))  # December: November ended, its deadline is tomorrow
    november = await _november(harness)
    async with harness.db.session() as s:
        await period_rules.set_locked(s, await s.get(Period, november.id), True, clock.now())

    await anh.send("✅ Phê duyệt")
    assert "Đinh Thị Thảo — Tháng 11/2026: 3 sản phẩm" in anh.last.text
    assert "Đinh Thị Thảo · Tháng 11/2026 🔒" in anh.buttons()
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026 🔒")
    assert "🔒 Kỳ này đã khóa sổ: từ nay chỉ Ban Tổ chức có thể duyệt" in anh.last.text
    assert "✅ Duyệt tất cả" not in anh.buttons() and "↩️ Trả lại tất cả" not in anh.buttons()
    assert "⬅️ Hộp phê duyệt" in anh.buttons()

    # the cadre still finds the report she sent, read-only; the new month opens by default
    await thao.send("📝 Báo cáo KPI")
    assert "Báo cáo KPI — Tháng 12/2026" in thao.last.text
    await thao.tap("📅 Mở Tháng 11/2026")
    assert "🔒 Kỳ này đã khóa sổ" in thao.last.text and "⏳" in thao.last.text

    await ha.send("✅ Phê duyệt")
    await ha.tap("Đinh Thị Thảo · Tháng 11/2026 🔒")
    await ha.tap("✅ Duyệt tất cả")
    await ha.tap("✅ Xác nhận duyệt")
    assert "Đã duyệt 3 sản phẩm" in ha.last.text
    async with harness.db.session() as s:
        statuses = set(await s.scalars(select(Entry.status).where(
            Entry.period_id == november.id)))
    assert statuses == {"approved"}
    async with harness.db.session() as s:
        logs = list(await s.scalars(select(AuditLog).where(AuditLog.action == "approve")))
    board_id = await _id(harness, "BTC002")
    assert len(logs) == 3 and {log.actor_id for log in logs} == {board_id}


async def _id(harness, code: str) -> int:
    async with harness.db.session() as s:
        return await s.scalar(select(Cadre.id).where(Cadre.code == code))


# ---------------------------------------------------------------- item 11: by capability

async def test_each_approvals_screen_offers_only_what_the_person_can_do(harness, clock):
    thao, anh = await setup(harness, clock)
    ha = await link(harness, "BTC002", 803, "Hà")
    truong = await link(harness, "XTH005", 881, "Trường")
    async with harness.db.session() as s:
        assert not await s.scalar(select(Cadre.id).where(
            Cadre.evaluator_id == await _id(harness, "BTC002")))  # Hà evaluates nobody
        s.add(Delegation(delegator_id=await _id(harness, "XTH002"),
                         delegate_id=await _id(harness, "XTH005"), starts_on=date(2026, 11, 20),
                         ends_on=date(2026, 11, 27), created_at=clock.now()))

    await ha.send("✅ Phê duyệt")
    assert "🔁 Ủy quyền" not in ha.buttons()
    assert not any(b.startswith("📅 Xếp loại") for b in ha.buttons())
    assert "🏛 Danh sách xếp loại năm 2026" in ha.buttons()
    await ha.tap("🏛 Danh sách xếp loại năm 2026")
    assert "Xếp loại chất lượng năm 2026" in ha.last.text
    assert {"🏛 Danh sách các cơ quan", "⚑ Đề nghị về quy hoạch"} <= set(ha.buttons())
    assert not any(b.startswith("📄") for b in ha.buttons())
    await ha.send("❓ Trợ giúp")
    assert "chốt danh sách xếp loại năm của các cơ quan" in ha.last.text
    assert "cán bộ do anh/chị đánh giá" not in ha.last.text

    await anh.send("✅ Phê duyệt")  # the evaluator: both
    assert "🔁 Ủy quyền" in anh.buttons() and "📅 Xếp loại chất lượng năm 2026" in anh.buttons()

    await truong.send("✅ Phê duyệt")  # her deputy reviews for her, but cannot pass it on
    assert "📅 Xếp loại chất lượng năm 2026" in truong.buttons()
    assert "🔁 Ủy quyền" not in truong.buttons()

    await thao.send("✅ Phê duyệt")  # a plain cadre has no approvals
    assert "chỉ dành cho người đánh giá" in thao.last.text
    assert "✅ Phê duyệt" not in thao.keyboard_labels()


# ---------------------------------------------------------------- item 12: words

def test_labels_are_cut_at_a_word_with_an_ellipsis():
    assert shorten("Bồi dưỡng kiến thức quản lý nhà nước hằng năm", 35) == \
        "Bồi dưỡng kiến thức quản lý nhà…"
    assert shorten("Hồ sơ thủ tục hành chính tiếp nhận", 40) == "Hồ sơ thủ tục hành chính tiếp nhận"
    assert shorten("Siêuđơnvịkhôngcókhoảngtrắng", 10) == "Siêuđơnvị…"
    assert shorten("Họp giao ban,\nngày mai", 14) == "Họp giao ban…"


async def test_a_negative_percentage_is_called_a_percentage(harness, clock):
    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 2.")  # a rate product
    await thao.send("-5")
    assert "Tỷ lệ không thể âm. Vui lòng gõ lại." in thao.last.text
    assert "Số lượng" not in thao.last.text
    await thao.send("/huy")
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    await thao.send("-5")
    assert "Số lượng không thể âm" in thao.last.text


async def test_a_rate_target_reads_with_its_percent_sign(harness, clock):
    thao, anh = await setup(harness, clock)
    await anh.send("/chitieu")
    await anh.tap("Tiếp ▶️")
    await anh.tap("Đinh Thị Thảo")
    await anh.tap_starting("✏️ 2.")
    assert "(hiện tại 80%)" in anh.last.text
    await anh.send("85")
    assert "là 85%." in anh.last.text and "(mặc định 80%)" in anh.last.text
    assert "85%" in thao.last.text


async def test_files_and_links_are_counted_apart(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    first = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        s.add(Evidence(entry_id=first.id, kind="link", url="https://dvc.example/1",
                       created_at=clock.now()))
        s.add(Evidence(entry_id=first.id, kind="photo", file_id="AgAD", created_at=clock.now()))
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "Minh chứng: 1 tệp · 1 đường dẫn" in anh.last.text
    async with harness.db.session() as s:
        await s.execute(Evidence.__table__.delete().where(Evidence.kind == "photo"))
    await anh.tap("⬅️ Hộp phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "Minh chứng: 1 đường dẫn" in anh.last.text and "tệp" not in anh.last.text


async def test_the_schedule_example_is_the_next_working_morning(harness, clock):
    """Seen: "ví dụ 25/11/2026 08:00" in December. At 00:30 on Friday 27/11 in Hanoi (still
    Thursday in UTC) and at 23:30 that Friday, the example is Monday 30/11 08:00."""
    thao, anh, ha, truong, tuan = await province(harness, clock)
    for moment in (hanoi(27, 11, 0, 30), hanoi(27, 11, 23, 30)):
        clock.set(moment)
        await compose(ha, "Hội nghị trực tuyến")
        await ha.tap_starting("➡️ Tiếp tục")
        await ha.tap("Không cần xác nhận")
        assert "ví dụ 30/11/2026 08:00." in ha.last.text
        await ha.send("ngày mai")
        assert "Vui lòng gõ ngày giờ theo dạng 30/11/2026 08:00" in ha.last.text
        await ha.send("/huy")
    clock.set(hanoi(2, 12, 10))  # Wednesday 02/12: Thursday 03/12
    await compose(ha, "Hội nghị trực tuyến")
    await ha.tap_starting("➡️ Tiếp tục")
    await ha.tap("Không cần xác nhận")
    assert "ví dụ 03/12/2026 08:00." in ha.last.text
    assert "25/11/2026" not in ha.last.text


def test_no_ratio_in_a_digest_has_a_zero_denominator():
    from collections import Counter

    from bot.services.digests import BoardDigest, Digest
    from handlers.screens.digest import board_text, supervisor_text

    period = Period(kind="month", year=2026, number=11)
    board = board_text(BoardDigest(period, [], Counter(), {}, [(3, "Họp giao ban", 0, 0),
                                                             (4, "Tập huấn", 2, 1)], 0, 0))
    assert "Đã gửi báo cáo: không có ai phải gửi báo cáo trong kỳ này." in board
    assert "🔔 #3 Họp giao ban: chưa đến được người nhận nào" in board
    assert "🔔 #4 Tập huấn: 1/2 đã xác nhận" in board
    assert "/0" not in board
    mine = supervisor_text(Digest(period, []))
    assert "Trong kỳ này không có cán bộ nào do anh/chị đánh giá phải gửi báo cáo." in mine
    assert "/0" not in mine
