"""`cadrebot sandbox` as a person trying the product uses it: lines typed (or piped) into the
terminal, the chat it prints, what ends up stored. Issue #22, "the sandbox shows the whole
product" (and the sandbox's log lines)."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.clock import FrozenClock
from bot.db import Database
from bot.sandbox.emulator import Emulator
from bot.sandbox.runner import prepare, run_sandbox
from tests.harness import make_settings

# Tuesday 1 December 2026, 09:00 in Hanoi: November has just ended, its reports are coming in.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
BUTTON = re.compile(r"\[#(\d+)\] (.+?)(?=\s{3}\[#|$)", re.MULTILINE)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, int]:
    """The sandbox's database after its first start (the demo province and its year), and how
    many SQL statements that start took."""
    path = tmp_path_factory.mktemp("sandbox") / "first-start.db"
    statements = [0]

    async def first_start() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")

        def count(*_args) -> None:
            statements[0] += 1

        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            await prepare(db, make_settings(), FrozenClock(NOW))
        finally:
            await db.dispose()

    asyncio.run(first_start())
    return path, statements[0]


def tap(label: str | re.Pattern) -> Callable[[list[str]], str]:
    """Type the number the terminal shows for the button whose label contains `label` (or
    matches it)."""
    def number(shown: list[str]) -> str:
        for block in reversed(shown):
            for found in BUTTON.finditer(block):
                text = found.group(2)
                if (label.search(text) if isinstance(label, re.Pattern) else label in text):
                    return "#" + found.group(1)
        raise AssertionError(f"no button {label!r} shown")
    return number


async def sandbox(province, tmp_path: Path, lines: list, role: str = "cadre",
                  emulator: Emulator | None = None) -> tuple[list[str], Path]:
    """Run `cadrebot sandbox --as role` on a copy of the first start's database, typing
    `lines` (a callable is given what was shown so far and returns the line; or it just acts
    and returns None). Returns what the terminal printed and the database."""
    database = tmp_path / "data" / "sandbox.db"
    database.parent.mkdir(parents=True)
    shutil.copy(province[0], database)
    shown: list[str] = []

    async def typed():
        for line in lines:
            if callable(line):
                line = line(shown)
                if line is None:
                    continue
            yield line

    await run_sandbox(make_settings(), as_role=role, database=database, lines=typed(),
                      write=shown.append, clock=FrozenClock(NOW), emulator=emulator)
    return shown, database


async def stored(database: Path, query):
    db = Database(f"sqlite+aiosqlite:///{database}")
    try:
        async with db.session() as session:
            return (await session.execute(query)).all()
    finally:
        await db.dispose()


def after(shown: list[str], typed: str) -> str:
    """What the terminal printed after the person typed `typed` (up to the next line typed)."""
    start = shown.index(f"Bạn: {typed}")
    rest = shown[start + 1:]
    end = next((i for i, block in enumerate(rest) if block.startswith("Bạn: ")), len(rest))
    return "\n".join(rest[:end])


# ---------------------------------------------------------------- 13: typed numbers are text

async def test_a_bare_number_is_an_answer_and_a_tap_is_hash_number(province, tmp_path):
    from models import Cadre, Entry, Period

    shown, database = await sandbox(province, tmp_path, [
        "📝 Báo cáo KPI", tap("✏️ 1."), "5", "#99"])
    assert "#5" in shown[0] and "[#5]" in shown[0]  # the syntax, on the first line
    assert "Anh/chị đã hoàn thành bao nhiêu hồ sơ?" in after(shown, "#1")
    # "5" answered the question; the menu's fifth key (❓ Trợ giúp) was not tapped
    assert "Trong 5 đã hoàn thành, bao nhiêu đạt yêu cầu chất lượng?" in after(shown, "5")
    assert "Hướng dẫn" not in "\n".join(shown)
    assert after(shown, "#99") == "⚠️ Không có nút #99 trên màn hình này."
    november = select(Period.id).where(Period.year == 2026, Period.number == 11,
                                       Period.kind == "month").scalar_subquery()
    rows = await stored(database, select(Entry.quantity_done)
                        .join(Cadre, Cadre.id == Entry.cadre_id)
                        .where(Cadre.code == "XTH004", Entry.period_id == november,
                               Entry.quantity_done.is_not(None)))
    assert rows == [(5.0,)]


# ---------------------------------------------------------------- 14: piped mode is not racy

async def test_each_line_waits_until_the_bot_has_handled_it(province, tmp_path):
    """A chart that takes long to send is shown under the line that asked for it, and the one
    asked for by the last line is not lost when the input ends."""
    emulator = Emulator()
    emulator.delay_for["sendPhoto"] = 0.8  # slower than any quiet spell a terminal would wait
    shown, _db = await sandbox(province, tmp_path, [
        "📈 Tổng hợp", "❓ Trợ giúp", "📈 Tổng hợp"], role="supervisor", emulator=emulator)
    first_digest = after(shown, "❓ Trợ giúp")
    assert "Hướng dẫn" in first_digest and "[Ảnh]" not in first_digest
    digest = "\n".join(shown[shown.index("Bạn: 📈 Tổng hợp") + 1:shown.index("Bạn: ❓ Trợ giúp")])
    assert "🤖 [Ảnh] → " in digest and "📈 Tổng hợp Tháng 11/2026" in digest
    last = "\n".join(shown[len(shown) - shown[::-1].index("Bạn: 📈 Tổng hợp"):])
    assert "🤖 [Ảnh] → " in last and "📈 Tổng hợp Tháng 11/2026" in last


# ---------------------------------------------------------------- 15: everyone has a chat

async def test_as_switches_person_and_shows_what_they_received(province, tmp_path):
    approve_a_report = ["✅ Phê duyệt", tap(re.compile(r"^[^⭐].*· Tháng 11/2026")),
                        tap("✅ Duyệt tất cả"), tap("✅ Xác nhận duyệt")]
    shown, _db = await sandbox(province, tmp_path, [*approve_a_report, "/as", "/as 999"],
                               role="supervisor")
    opened = next(block for block in shown if block.startswith("🤖 📋 Báo cáo Tháng 11/2026"))
    name = re.search(r"📋 Báo cáo Tháng 11/2026 — (.+?) \(", opened).group(1)
    news = next(block for block in shown if block.startswith("📬 "))
    code = re.search(r"gõ /as (\w+) để xem", news).group(1)
    assert news == f"📬 {name} ({code}): 1 tin chưa đọc — gõ /as {code} để xem"
    listing = after(shown, "/as")
    assert "XTH002 Phan Thị Ngọc Ánh — Phó Chủ tịch UBND xã · người đánh giá · bạn" in listing
    assert re.search(rf"{code} {name} — .* · 1 tin chưa đọc", listing)
    assert listing.count("\n") == 60  # a heading and the 60 people of the demo province
    assert "Không có ai có mã hoặc số thứ tự 999" in after(shown, "/as 999")

    shown, _db = await sandbox(province, tmp_path / "again", [
        *approve_a_report, f"/as {code}", "/as supervisor"], role="supervisor")
    switched = after(shown, f"/as {code}")
    assert switched.startswith(f"👤 Bây giờ bạn là {name} ({code}")
    assert "1 tin chưa đọc:" in switched
    assert "✅ Phan Thị Ngọc Ánh đã duyệt" in switched  # what the evaluator has just done
    # a chat not opened yet in this run is opened, as tapping "Start" in Telegram
    assert shown[shown.index(f"Bạn: /as {code}") + 3] == "Bạn: /start"
    assert after(shown, "/as supervisor").startswith(
        "👤 Bây giờ bạn là Phan Thị Ngọc Ánh (XTH002")


async def test_a_broadcast_reaches_every_linked_person_of_the_province(province, tmp_path):
    shown, _db = await sandbox(province, tmp_path, [
        "🔔 Thông báo", tap("📣 Soạn thông báo"), "Họp giao ban trực tuyến lúc 14:00 thứ Sáu.",
        tap("Không đính kèm"), tap("➡️ Tiếp tục"), tap("Không cần xác nhận"),
        tap("🚀 Gửi ngay"), tap("📤 Xác nhận gửi")], role="board")
    confirmed = "\n".join(shown[len(shown) - 1 - shown[::-1].index(
        next(b for b in reversed(shown) if b.startswith("Bạn: #"))):])
    # the outbox finished before the terminal showed the answer to the last line
    assert "✅ Đã gửi xong thông báo" in confirmed
    assert "Đã gửi 59/59 · lỗi 0" in confirmed  # everyone but the one not linked yet
    assert "📬 58 người nhận được tin nhắn" in confirmed


# ---------------------------------------------------------------- 16: files both ways

async def test_files_the_bot_sends_are_saved_and_can_be_opened(province, tmp_path):
    from openpyxl import load_workbook

    shown, database = await sandbox(province, tmp_path, [
        "📈 Tổng hợp", tap("📥 Tải Excel")], role="supervisor")
    chart = Path(re.search(r"🤖 \[Ảnh\] → (\S+)", after(shown, "📈 Tổng hợp")).group(1))
    assert chart.parent == database.parent / "sandbox-files" / "XTH002"
    assert chart.read_bytes().startswith(b"\x89PNG")
    excel = Path(re.search(r"🤖 \[Tệp\] \S+\.xlsx → (\S+)", "\n".join(shown)).group(1))
    sheet = load_workbook(excel).worksheets[0]
    assert sheet.max_row > 10  # the cadres of the digest
    assert f"Tệp bot gửi được lưu tại {database.parent / 'sandbox-files'}" in shown[1]


async def test_gui_sends_a_file_from_disk_as_evidence(province, tmp_path):
    from models import Cadre, Entry, Evidence

    certificate = tmp_path / "bien ban kiem tra.pdf"
    certificate.write_bytes(b"%PDF-1.4 minh chung")
    photo = tmp_path / "anh.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    shown, database = await sandbox(province, tmp_path, [
        "📝 Báo cáo KPI", tap("✏️ 1."), "118", tap("Tất cả"), "0", "0", tap("Bỏ qua"),
        f'/gui "{certificate}"', f"/gui {photo} ảnh hiện trường", "/gui /khong/co/tep.pdf"])
    assert "📎 Đã gửi tệp bien ban kiem tra.pdf (19 byte)." in shown
    assert "Đã nhận minh chứng (1)" in after(shown, f'/gui "{certificate}"')
    assert "Đã nhận minh chứng (2)" in after(shown, f"/gui {photo} ảnh hiện trường")
    assert after(shown, "/gui /khong/co/tep.pdf") == "⚠️ Không tìm thấy tệp /khong/co/tep.pdf."
    rows = await stored(database, select(Evidence.kind, Evidence.file_name).join(Entry)
                        .join(Cadre, Cadre.id == Entry.cadre_id).where(Cadre.code == "XTH004")
                        .order_by(Evidence.id))
    assert rows == [("document", "bien ban kiem tra.pdf"), ("photo", None)]


def test_files_people_sent_still_open_in_a_later_run(tmp_path):
    """A file_id stored in the database (evidence, a notice's picture) refers to a file the
    emulator of an earlier run received."""
    first = Emulator(file_store=tmp_path)
    file_id, _unique = first.store_file(b"%PDF-1.4", "documents")
    later = Emulator(file_store=tmp_path)
    assert later.file(file_id) == b"%PDF-1.4"
    assert later.store_file(b"other", "documents")[0] != file_id
    assert later.file("../../etc/passwd") is None


# ---------------------------------------------------------------- 17: a province with a past

async def test_the_demo_province_has_a_year_behind_it(province):
    from bot.policy import Policy
    from bot.services import annual, review, training
    from bot.services.calendar import WorkCalendar
    from bot.services.identity import Actor
    from bot.services.kpi import KpiService
    from models import Cadre, Entry, Evaluation, Notice, NoticeDelivery, PastRating, Period
    from models.enums import Role

    path, statements = province
    assert statements < 1500  # the first start stays a matter of seconds
    policy = Policy()
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session() as session:
            thao = await session.scalar(select(Cadre).where(Cadre.code == "XTH004"))
            months = list(await session.scalars(
                select(Period.number).join(Evaluation, Evaluation.period_id == Period.id)
                .where(Evaluation.cadre_id == thao.id, Evaluation.status == "rated",
                       Period.year == 2026).order_by(Period.number)))
            assert months == list(range(1, 11))  # January to October, rated
            draft, = await annual.annual_drafts(session, policy, [thao], 2026)
            assert draft.ratable and len(draft.periods) == 10

            # every stored score is the one bot.services.scoring gives for what is stored
            # (a staff member, an evaluator, an agency head and a quarterly unit's head)
            kpi = KpiService(policy, WorkCalendar(policy.calendar))
            checked = 0
            for code in ("XTH004", "XTH002", "PAP100", "STC001"):
                cadre = await session.scalar(select(Cadre).where(Cadre.code == code))
                rated = {e.period_id: e for e in await session.scalars(select(Evaluation).where(
                    Evaluation.cadre_id == cadre.id, Evaluation.status == "rated"))}
                periods = list(await session.scalars(select(Period).where(
                    Period.id.in_(rated))))
                for sheet in await kpi.sheets(session, cadre, periods):
                    evaluation = rated[sheet.period.id]
                    assert sheet.score.total == pytest.approx(evaluation.total_score), code
                    assert sheet.score.band.value == evaluation.band
                    checked += 1
            assert checked == 12 + 12 + 12 + 4

            anh = await session.scalar(select(Cadre).where(Cadre.code == "XTH002"))
            actor = Actor(anh.id, anh.code, anh.full_name, anh.unit_id,
                          frozenset({Role.SUPERVISOR}))
            _items, reports, entries = await review.inbox(session, actor, NOW.date())
            assert reports >= 6 and entries >= 15  # a full approvals inbox
            assert await review.to_rate(session, actor, NOW.date())  # and someone to rate
            assert await training.pending_for(session, anh.id, False)  # courses to verify
            returned = await session.scalar(select(func.count()).select_from(Entry).where(
                Entry.status == "returned", Entry.return_reason.is_not(None)))
            claimed = await session.scalar(select(func.count()).select_from(Entry).where(
                Entry.status == "submitted", Entry.exemption_status == "claimed"))
            assert returned and claimed
            # the demo accounts' own reports of November are theirs to try
            mine = await session.scalar(select(func.count()).select_from(Entry).where(
                Entry.cadre_id.in_([thao.id, anh.id]), Entry.period_id.in_(
                    select(Period.id).where(Period.year == 2026, Period.number == 11))))
            assert mine == 0

            acknowledged = await session.scalar(select(func.count()).select_from(
                NoticeDelivery).where(NoticeDelivery.acknowledged_at.is_not(None)))
            assert await session.scalar(select(func.count()).select_from(Notice)) == 3
            assert acknowledged > 20
            assert await session.scalar(select(func.count()).select_from(PastRating).where(
                PastRating.year == 2025)) > 50
    finally:
        await db.dispose()


# ---------------------------------------------------------------- 12: the sandbox's log lines

async def test_only_warnings_reach_the_chat_in_vietnamese(province, tmp_path):
    def a_reminder_fails(_shown):
        logging.getLogger("bot.reminder_job").warning(
            "reminder %s/%s not sent: %s", "report", "T-1", "Forbidden")
        logging.getLogger("bot.app").info("something routine")

    shown, database = await sandbox(province, tmp_path, ["/trogiup", a_reminder_fails, "/huy"])
    chat = "\n".join(shown)
    assert "INFO" not in chat and "bot.app" not in chat and "ready" not in chat
    assert "⚠️ Cảnh báo của bot: chưa gửi được lời nhắc report/T-1: Forbidden" in shown
    log = (database.parent / "sandbox.log").read_text()
    assert "INFO bot.app: bot @trolycanbo_bot ready" in log
    assert "WARNING bot.reminder_job: reminder report/T-1 not sent: Forbidden" in log


# ---------------------------------------------------------------- the dashboard (#25)

async def test_the_sandbox_prints_a_signed_dashboard_address_that_opens(province, tmp_path):
    """`cadrebot sandbox` serves the dashboard on this machine and prints its address with
    initData signed for the person one is; /web gives it for whoever one is then."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    database = tmp_path / "data" / "sandbox.db"
    database.parent.mkdir(parents=True)
    shutil.copy(province[0], database)
    shown: list[str] = []
    answers: dict[str, dict] = {}

    def address(block: str) -> str:
        return re.search(r"(http://127\.0\.0\.1:\d+/app/#\S+)", block).group(1)

    async def lines():
        yield "🖥 Bảng điều khiển"
        url = address(next(b for b in shown if "Bảng điều khiển của anh/chị" in b))
        init_data = parse_qs(urlsplit(url).fragment)["tgWebAppData"][0]
        async with httpx.AsyncClient() as client:
            page = await client.get(url.split("#")[0])
            assert page.status_code == 200
            me = await client.get(url.split("#")[0] + "api/me",
                                  headers={"X-Telegram-Init-Data": init_data})
            answers["board"] = me.json()
        yield tap("Mở bảng điều khiển")(shown)

    await run_sandbox(make_settings(), as_role="board", database=database, lines=lines(),
                      write=shown.append, clock=FrozenClock(NOW))
    assert answers["board"]["board"] is True
    opened = after(shown, next(b[5:] for b in shown if b.startswith("Bạn: #")))
    assert "Mở bằng trình duyệt trên máy này: http://127.0.0.1:" in opened
