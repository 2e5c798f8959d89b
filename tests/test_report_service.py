"""📝 Báo cáo KPI's use cases (bot/services/report.py), called directly: one transaction per
call, as the bot makes them, on the demo province (Thảo XTH004, her evaluator Ánh XTH002,
Hà of the Organization Board BTC002)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import flows, report
from bot.services.calendar import WorkCalendar
from bot.services.entry_rules import SentFile
from bot.services.identity import Actor
from bot.services.kpi import KpiError, KpiService
from bot.services.periods import set_locked
from models import AuditLog, Cadre, Entry, Evidence, Period
from models.enums import Role

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
CHAT = 801


@pytest.fixture
async def province(db):
    async with db.session() as session:
        await load_demo_province(session, NOW, link=False)
    policy = Policy()
    return db, KpiService(policy, WorkCalendar(policy.calendar))


async def caller(db, code, *, board=False, now=NOW, chat=CHAT) -> report.Caller:
    async with db.session() as session:
        cadre = await session.scalar(select(Cadre).where(Cadre.code == code))
    roles = {Role.CADRE} | ({Role.BOARD} if code.startswith("BTC") else set())
    actor = Actor(cadre.id, cadre.code, cadre.full_name, cadre.unit_id, frozenset(roles))
    return report.Caller(actor, chat, now, (now + timedelta(hours=7)).date(), board)


async def call(province, use_case, who, *args):
    db, kpi = province
    async with db.session() as session:
        return await use_case(session, kpi, who, *args)


async def typed(province, who, text=None, file=None):
    """A message in the chat's flow, as the flow router hands it over."""
    db, kpi = province
    async with db.session() as session:
        flow = await flows.get_flow(session, who.chat_id)
        return await report.answer(session, kpi, who, flow, text, file)


async def entries(db) -> list[Entry]:
    async with db.session() as session:
        return list(await session.scalars(select(Entry).order_by(Entry.product_type_id)))


async def open_sheet(province, who) -> report.SheetView:
    return await call(province, report.open_report, who)


async def fill(province, who, count_entry, rates):
    ask = await call(province, report.start_entry, who, count_entry)
    await typed(province, who, "125")
    await call(province, report.take_all, who, count_entry, "passed")
    await call(province, report.pick_count, who, count_entry, "failed", 0)
    await call(province, report.pick_count, who, count_entry, "delays", 0)
    await call(province, report.skip_step, who, count_entry, "note")
    await call(province, report.skip_step, who, count_entry, "evidence")
    for entry_id in rates:
        await call(province, report.start_entry, who, entry_id)
        await typed(province, who, "90")
        await call(province, report.skip_step, who, entry_id, "note")
        await call(province, report.skip_step, who, entry_id, "evidence")
    return ask


async def self_assess(province, who, period_id):
    result = await call(province, report.start_self_assessment, who, period_id)
    while isinstance(result, report.AskCriterion):
        result = await call(province, report.tap_points, who, period_id, result.index, 100)
    return result


async def test_a_counted_product_step_by_step(province):
    db, _kpi = province
    thao = await caller(db, "XTH004")
    sheet = (await open_sheet(province, thao)).sheet
    first = sheet.lines[0].entry.id
    ask = await call(province, report.start_entry, thao, first)
    assert (ask.step, ask.note) == ("done", None)
    assert (await typed(province, thao, "mười")).problem.code == "not_a_number"
    assert (await typed(province, thao, "-5")).problem.code == "negative"
    assert (await typed(province, thao, "125")).step == "passed"
    assert (await typed(province, thao, "130")).problem.code == "over_done"
    assert (await call(province, report.take_all, thao, first, "passed")).step == "failed"
    assert (await call(province, report.pick_count, thao, first, "failed", 1)).step == "delays"
    assert (await typed(province, thao, "0")).step == "exempt"
    assert (await typed(province, thao, "có")).problem.code == "choose_button"
    assert (await call(province, report.answer_exemption, thao, first, 1)).step == "exempt_reason"
    assert (await typed(province, thao, "?")).problem.code == "cause_words"
    ask = await typed(province, thao, "Mất điện ngày 12/11, Công văn số 5 của UBND xã")
    assert (ask.step, ask.note) == ("note", "exemption_requested")
    ask = await typed(province, thao, "Cao điểm cấp căn cước")
    assert (ask.step, ask.note) == ("evidence", "note_saved")
    pdf = SentFile("document", "F1", "U1", "so.pdf", "application/pdf", 100)
    assert (await typed(province, thao, file=pdf)).count == 1
    assert (await typed(province, thao, "https://example.vn/x")).count == 2
    assert (await typed(province, thao, "xong")).problem.code == "no_evidence"
    done = await call(province, report.skip_step, thao, first, "evidence")
    assert isinstance(done, report.SheetView) and isinstance(done.note, report.ProductSaved)
    stored = (await entries(db))[0]
    assert (stored.quantity_done, stored.quantity_passed, stored.failed_reviews,
            stored.delays) == (125, 125, 1, 0)
    assert (stored.exemption_status, stored.note) == ("claimed", "Cao điểm cấp căn cước")
    async with db.session() as session:
        assert len(list(await session.scalars(select(Evidence)))) == 2
        assert await flows.get_flow(session, CHAT) is None


async def test_an_absurd_figure_is_stored_only_once_confirmed(province):
    db, _kpi = province
    thao = await caller(db, "XTH004")
    first = (await open_sheet(province, thao)).sheet.lines[0].entry.id
    await call(province, report.start_entry, thao, first)
    confirm = await typed(province, thao, "1250")  # more than 10× the target of 120
    assert isinstance(confirm, report.ConfirmFigure) and confirm.value == 1250
    assert (await entries(db))[0].quantity_done is None
    assert (await typed(province, thao, "125")).problem.code == "choose_button"
    assert (await call(province, report.retype, thao, first)).step == "done"
    await typed(province, thao, "1250")
    assert (await call(province, report.keep_figure, thao, first)).step == "passed"
    assert (await entries(db))[0].quantity_done == 1250


async def test_taps_of_a_step_the_chat_is_not_at_are_stale(province):
    db, _kpi = province
    thao = await caller(db, "XTH004")
    first = (await open_sheet(province, thao)).sheet.lines[0].entry.id
    await call(province, report.start_entry, thao, first)
    for use_case, args in [(report.take_all, ("passed",)), (report.skip_step, ("note",)),
                           (report.answer_exemption, (1,)), (report.keep_figure, ()),
                           (report.take_all, ("note",)), (report.pick_count, ("done", 0))]:
        with pytest.raises(KpiError) as refused:
            await call(province, use_case, thao, first, *args)
        assert refused.value.code == "not_found"
    await typed(province, thao, "125")
    await call(province, report.take_all, thao, first, "passed")
    with pytest.raises(KpiError):  # only 0–99 can be tapped, as typed
        await call(province, report.pick_count, thao, first, "failed", 100)
    anh = await caller(db, "XTH002", chat=802)
    with pytest.raises(KpiError) as refused:  # not her entry
        await call(province, report.start_entry, anh, first)
    assert refused.value.code == "not_found"


async def test_sending_warns_of_what_lacks_then_sends_late_after_the_deadline(province):
    db, _kpi = province
    thao = await caller(db, "XTH004")
    sheet = (await open_sheet(province, thao)).sheet
    period_id = sheet.period.id
    with pytest.raises(KpiError) as refused:
        await call(province, report.preview_submission, thao, period_id)
    assert refused.value.code == "missing" and len(refused.value.info["products"]) == 3
    await fill(province, thao, sheet.lines[0].entry.id, [line.entry.id for line in sheet.lines[1:]])
    lacking = await call(province, report.preview_submission, thao, period_id)
    assert isinstance(lacking, report.SelfAssessmentMissing)
    assert (lacking.missing, lacking.points) == ((0, 1, 2), 0)
    saved = await self_assess(province, thao, period_id)
    assert isinstance(saved.note, report.SelfAssessed)
    preview = await call(province, report.preview_submission, thao, period_id)
    assert (preview.count, preview.evaluator_name) == (3, "Phan Thị Ngọc Ánh")
    assert preview.early  # 20/11: November has not ended
    late = await caller(db, "XTH004", now=datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    assert not (await call(province, report.preview_submission, late, period_id)).early
    sent = await call(province, report.submit, late, period_id)
    assert (sent.count, sent.view.note.late) == (3, True)
    assert sent.evaluator_chat_id is None  # Ánh has not linked Telegram in this province
    assert all(e.status == "submitted" and e.is_late for e in await entries(db))
    with pytest.raises(KpiError) as refused:
        await call(province, report.preview_submission, late, period_id)
    assert refused.value.code == "nothing_to_submit"
    with pytest.raises(KpiError) as refused:
        await call(province, report.start_self_assessment, late, period_id)
    assert refused.value.code == "self_sent"


async def test_the_board_corrects_a_locked_report_and_the_change_is_audited(province):
    db, _kpi = province
    thao = await caller(db, "XTH004")
    first = (await open_sheet(province, thao)).sheet.lines[0].entry.id
    await call(province, report.start_entry, thao, first)
    await typed(province, thao, "125")
    async with db.session() as session:
        period = await session.get(Period, (await session.get(Entry, first)).period_id)
        await set_locked(session, period, True, NOW)
    ended = await typed(province, thao, "120")  # her step is refused, the flow ends
    assert isinstance(ended, report.Ended) and ended.error.code == "locked"
    async with db.session() as session:
        assert await flows.get_flow(session, CHAT) is None

    hoa = await caller(db, "BTC002", chat=803)
    for code, args in [("usage", (None,)), ("no_cadre", ("XYZ999",)),
                       ("bad_period", ("XTH004", "tháng-mười"))]:
        with pytest.raises(KpiError) as refused:
            await call(province, report.board_open, hoa, *args)
        assert refused.value.code == code
    with pytest.raises(KpiError) as refused:
        await call(province, report.board_open, thao, "XTH004")
    assert refused.value.code == "board_only"
    view = await call(province, report.board_open, hoa, "XTH004", "2026-11")
    assert view.board and view.sheet.cadre.code == "XTH004"

    forged = report.Caller(thao.actor, CHAT, NOW, thao.today, board=True)
    with pytest.raises(KpiError):  # the board's buttons are the board's
        await call(province, report.start_entry, forged, first)
    board = report.Caller(hoa.actor, 803, NOW, hoa.today, board=True)
    await call(province, report.start_entry, board, first)
    assert (await typed(province, board, "110")).step == "passed"
    async with db.session() as session:
        logs = list(await session.scalars(select(AuditLog).where(
            AuditLog.action == "board_edit_entry")))
    assert logs[0].before["quantity_done"] == 125 and logs[0].after["quantity_done"] == 110
