"""🔔 Thông báo: composing, the durable outbox, acknowledgements, statistics (SPEC §4.7)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import outbox_worker
from bot.services import notices as rules
from bot.services.exports import export_notices
from models import Cadre, Notice, NoticeDelivery
from tests.test_flow_report import setup


async def province(harness, clock):
    thao, anh = await setup(harness, clock)
    async with harness.db.session() as s:
        for code, tg in [("BTC002", 880), ("XTH005", 881), ("SNV003", 882)]:
            c = await s.scalar(select(Cadre).where(Cadre.code == code))
            c.telegram_user_id = c.telegram_chat_id = tg
    return thao, anh, harness.person(880, "Hà"), harness.person(881, "Trường"), harness.person(882, "Tuấn")


async def drain(harness) -> None:
    worker = outbox_worker(harness.app, progress_every=0)
    for _ in range(20):
        if not await worker.tick():
            break


def notice_messages(person) -> list:
    return [m for m in person.fake.messages if "Thông báo của Ban Tổ chức" in (m.text or "")]


async def compose(ha, text="Mời dự lớp bồi dưỡng kỹ năng số ngày 28/11/2026."):
    await ha.send("🔔 Thông báo")
    await ha.tap("📣 Soạn thông báo")
    await ha.send(text)
    await ha.tap("Không đính kèm")


async def test_board_broadcast_to_commune_level_with_acknowledgement(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.tap_data("nt:new")  # not board
    assert any("hết hiệu lực" in a for a in thao.alerts)
    await compose(ha)
    assert "tất cả mọi người — 5 người" in ha.last.text
    await ha.tap("▫️ Cấp xã")
    assert "cấp xã — 3 người" in ha.last.text
    await ha.tap("➡️ Tiếp tục (3 người nhận)")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.tap("🚀 Gửi ngay")
    preview = ha.fake.messages[-2]
    assert "Mời dự lớp bồi dưỡng kỹ năng số" in preview.text and preview.buttons == ["✅ Đã nhận"]
    assert "Gửi tới <b>3</b> người (cấp xã)" in ha.last.text
    await ha.tap("📤 Xác nhận gửi")
    assert "Đang gửi thông báo #1" in ha.last.text
    await drain(harness)
    for person in (thao, anh, truong):
        assert len(notice_messages(person)) == 1
    assert notice_messages(tuan) == [] and len(notice_messages(ha)) == 1  # the preview only
    assert "Đã gửi xong thông báo #1" in ha.last.text and "Đã gửi 3/3" in ha.last.text

    await thao.tap("✅ Đã nhận")
    assert thao.alerts[-1] == "✅ Đã ghi nhận: anh/chị đã nhận thông báo này."
    await thao.tap("✅ Đã nhận")
    assert "đã xác nhận lúc" in thao.alerts[-1]
    await thao.send("🔔 Thông báo")
    assert "✅ đã xác nhận" in thao.last.text

    await ha.send("🔔 Thông báo")
    await ha.tap("📊 Thống kê thông báo")
    await ha.tap_starting("#1")
    assert "đã xác nhận 1" in ha.last.text
    await ha.tap("🔁 Nhắc lại người chưa xác nhận")
    assert "Sẽ nhắc lại tới 2 người" in ha.last.text
    await drain(harness)
    assert "Nhắc lại" in notice_messages(anh)[-1].text
    await anh.tap("✅ Đã nhận")  # on the reminder: counts for the original notice too
    async with harness.db.session() as s:
        stats = await rules.stats(s, 1)
    assert stats.acknowledged == 2


async def test_a_notice_whose_message_failed_is_still_in_the_list(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    async with harness.db.session() as s:
        notice = await rules.create(s, author_id=None, text="Họp giao ban", audience={},
                                    ack_kind="ack", attachment_kind=None,
                                    attachment_file_id=None, scheduled_at=None, now=clock.now())
        await rules.queue(s, notice, clock.now(), clock.now().date())
    harness.emulator.fail("sendMessage", status=400, times=1, chat_id=801,
                          description="Bad Request: message is too long")
    await drain(harness)
    assert notice_messages(thao) == []  # the push failed
    await thao.send("🔔 Thông báo")
    assert "Họp giao ban — ⏳ chưa xác nhận" in thao.last.text
    await thao.tap_starting("Xem: Họp giao ban")
    assert len(notice_messages(thao)) == 1
    await thao.tap("✅ Đã nhận")
    async with harness.db.session() as s:
        assert (await rules.stats(s, notice.id)).acknowledged == 1


async def test_outbox_429_403_and_resume_after_a_crash(harness, clock, tmp_path):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    async with harness.db.session() as s:
        notice = await rules.create(s, author_id=None, text="Họp giao ban", audience={},
                                    ack_kind="none", attachment_kind=None,
                                    attachment_file_id=None, scheduled_at=None, now=clock.now())
        assert await rules.queue(s, notice, clock.now(), clock.now().date()) == 5
    harness.emulator.block(881)
    # the rate limiter retries a 429 up to 3 times; a longer storm puts the row back in queue
    harness.emulator.fail("sendMessage", status=429, retry_after=1, times=4, chat_id=882)
    # a crash: rows claimed by a worker that died before sending them
    async with harness.db.session() as s:
        claimed = await rules.claim(s, "dead-worker", clock.now(), 2)
    assert len(claimed) == 2
    await drain(harness)
    async with harness.db.session() as s:
        rows = {d.cadre_id: d for d in await s.scalars(select(NoticeDelivery))}
        truong_row = rows[await s.scalar(select(Cadre.id).where(Cadre.code == "XTH005"))]
        assert truong_row.status == "blocked"
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH005"))).reachable is False
    clock.advance(minutes=3)  # the dead worker's claims are stale now
    await drain(harness)
    clock.advance(seconds=2)  # after Telegram's retry_after
    await drain(harness)
    for person in (thao, anh, ha, tuan):
        assert len([m for m in person.fake.messages if "Họp giao ban" in (m.text or "")]) == 1
    async with harness.db.session() as s:
        stats = await rules.stats(s, notice.id)
        assert (stats.sent, stats.blocked, stats.queued) == (4, 1, 0)
        assert (await s.get(Notice, notice.id)).status == "done"
        await export_notices(s, tmp_path / "tb.xlsx", ZoneInfo("Asia/Ho_Chi_Minh"))
    rows = list(load_workbook(tmp_path / "tb.xlsx")["Người nhận"].iter_rows(values_only=True))
    truong = next(r for r in rows if r[1] == "XTH005")
    assert (truong[4], truong[7]) == ("chặn bot", "người nhận đã chặn bot")


async def test_audience_filters_and_scheduling(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    today = clock.now().date()
    async with harness.db.session() as s:
        assert len(await rules.recipients(s, {"units": ["XTH"]}, today)) == 3
        assert len(await rules.recipients(s, {"units": ["XTH-VP"]}, today)) == 1
        assert len(await rules.recipients(s, {"positions": ["MC-XA"]}, today)) == 1
        assert len(await rules.recipients(s, {"missing": "BD-VTVL"}, today)) == 1
        assert len(await rules.recipients(s, {"staff_types": ["can_bo"]}, today)) == 1
    await compose(ha, "Hội nghị trực tuyến")
    await ha.tap("🏢 Đơn vị…")
    await ha.send("xth, XTHH")  # a typo would send the notice to nobody
    assert "Không có đơn vị nào mã XTHH. Vui lòng kiểm tra và gõ lại các mã." in ha.last.text
    await ha.send("xth")  # however it is typed
    assert "đơn vị XTH — 3 người" in ha.last.text
    await ha.tap("➡️ Tiếp tục (3 người nhận)")
    await ha.tap("Không cần xác nhận")
    await ha.send("25/11/2026 8:00")
    assert "Thời điểm này đã qua" not in ha.last.text
    await ha.tap("📤 Xác nhận gửi")
    assert "sẽ được gửi tới 3 người lúc 08:00 25/11/2026" in ha.last.text
    await drain(harness)
    assert not [m for m in thao.fake.messages if "Hội nghị trực tuyến" in (m.text or "")]
    clock.set(clock.now() + timedelta(days=5))
    await drain(harness)
    assert len([m for m in thao.fake.messages if "Hội nghị trực tuyến" in (m.text or "")]) == 1


async def test_a_follow_up_to_tens_of_thousands_fits_postgresql(harness, clock):
    """A follow-up names its recipients: more ids than PostgreSQL's 32,767 parameters."""
    await setup(harness, clock)
    async with harness.db.session() as s:
        linked = list(await s.scalars(select(Cadre.id).where(Cadre.telegram_chat_id.is_not(None))))
        wanted = [linked[0], *range(10_000_000, 10_040_000)]  # one real, 40,000 unknown
        assert await rules.recipients(s, {"cadre_ids": wanted}, clock.now().date()) == [linked[0]]


async def test_notice_text_is_escaped_once_where_it_is_shown(harness, clock, tmp_path):
    """Text with <, > and & reads as typed everywhere: in the message (escaped once for
    Telegram's HTML), in 🔔 Thông báo, on buttons and in the export."""
    from openpyxl import load_workbook

    from bot.services.exports import export_notices

    thao, anh, ha, truong, tuan = await province(harness, clock)
    typed = "Họp <quan trọng> & tài liệu “A&B” lúc 8h"
    await compose(ha, typed)
    await ha.tap("➡️ Tiếp tục (5 người nhận)")
    await ha.tap("Không cần xác nhận")
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("📤 Xác nhận gửi")
    await drain(harness)
    received = notice_messages(thao)[-1].text
    assert "Họp &lt;quan trọng&gt; &amp; tài liệu “A&amp;B” lúc 8h" in received
    assert "&amp;lt;" not in received and "&amp;amp;" not in received
    await thao.send("🔔 Thông báo")
    assert "Họp &lt;quan trọng&gt; &amp; tài liệu" in thao.last.text
    assert any(label.startswith("Xem: Họp <quan trọng> & tài") for label in thao.buttons())
    async with harness.db.session() as s:
        await export_notices(s, tmp_path / "n.xlsx", clock.now().tzinfo)
    row = next(load_workbook(tmp_path / "n.xlsx").worksheets[0].iter_rows(min_row=2,
                                                                         values_only=True))
    assert row[2] == typed


# ------------------------------------------------------------------ transactions per update
# One transaction per update; two where the update has the bot write to other people (📤
# Confirm and send: the status message is sent before the notice that names it is written).


def update_kind(update: dict) -> str:
    """'prefix:action' of a tap, the text of a message ('file' for a photo or document)."""
    if "callback_query" in update:
        return ":".join(update["callback_query"]["data"].split(":")[:2])
    return update.get("message", {}).get("text") or "file"


def over_budget(harness, more: dict[str, int]) -> list[tuple[str, int]]:
    """Updates that began more transactions than one (plus `more` for their kind)."""
    return [(update_kind(update), begun) for update, begun in harness.transactions
            if begun > 1 + more.get(update_kind(update), 0)]


async def test_one_transaction_per_update(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    harness.transactions.clear()
    await compose(ha)
    await ha.tap("🏢 Đơn vị…")
    await ha.send("XTHH")  # refused
    await ha.send("XTH")
    await ha.tap("📚 Chưa đạt yêu cầu bồi dưỡng…")
    await ha.tap_starting("BD-VTVL")
    await ha.tap("👥 Tất cả")
    await ha.tap("▫️ Cấp xã")
    await ha.tap("➡️ Tiếp tục (3 người nhận)")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.send("ngày mai")  # refused
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("✏️ Sửa người nhận")
    await ha.tap("➡️ Tiếp tục (3 người nhận)")
    await ha.tap("✅ Nút «Đã nhận»")
    await ha.tap("🚀 Gửi ngay")
    await ha.tap("📤 Xác nhận gửi")
    await ha.tap_data("nt:go")  # a second tap: nothing left to send
    await drain(harness)
    await thao.send("🔔 Thông báo")
    await thao.tap_starting("Xem:")
    await thao.tap("✅ Đã nhận")
    await thao.tap_data("nt:a:999999")  # not hers
    await ha.send("🔔 Thông báo")
    await ha.tap("📊 Thống kê thông báo")
    await ha.tap_starting("#1")
    await ha.tap("🔁 Nhắc lại người chưa xác nhận")
    await ha.tap_data("nt:f:l:xa")  # forged
    assert len(notice_messages(thao)) == 2  # delivered once, opened once
    assert len(harness.transactions) >= 30
    assert over_budget(harness, {"nt:go": 1}) == []
