"""✅ Phê duyệt: the evaluator's side of the loop (SPEC §4.4)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.services.identity import actor_for
from bot.services.review import Authority, Decision, ReviewError, decide
from models import AuditLog, Cadre, Delegation, Entry, EntryAdjustment, Evidence
from tests.test_flow_report import (
    entries,
    fill_and_submit,
    fill_count_product,
    setup,
)


async def submitted(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    return thao, anh


async def deputy(harness):
    """Bình (XTH001), the evaluator's colleague who takes her reviews over, linked."""
    async with harness.db.session() as s:
        binh = await s.scalar(select(Cadre).where(Cadre.code == "XTH001"))
        binh.telegram_user_id = binh.telegram_chat_id = 860
    return harness.person(860, "Bình")


async def test_inbox_approve_all_and_no_second_decision(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    assert "3 sản phẩm trong 1 báo cáo đang chờ duyệt" in anh.last.text
    assert "Đinh Thị Thảo — Tháng 11/2026: 3 sản phẩm" in anh.last.text
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "Báo cáo Tháng 11/2026 — Đinh Thị Thảo" in anh.last.text
    assert "đã hoàn thành 125 · đạt yêu cầu chất lượng 125" in anh.last.text
    await anh.tap("✅ Duyệt tất cả")
    assert "Duyệt cả 3 sản phẩm" in anh.last.text
    confirm = next(b for row in anh.last.inline_buttons for b in row if b.text == "✅ Xác nhận duyệt")
    await anh.tap("✅ Xác nhận duyệt")
    assert "Đã duyệt 3 sản phẩm" in anh.last.text
    assert "Không có báo cáo nào chờ duyệt" in anh.last.text
    assert "Phan Thị Ngọc Ánh đã duyệt" in thao.last.text
    assert "Điểm dự kiến: <b>100,0</b>" in thao.last.text  # projected until the evaluation
    for entry in (await entries(harness)).values():
        assert entry.status == "approved" and entry.decided_version == 1
    # the same button again (double tap, or a second device)
    await anh.tap_data(confirm.callback_data)
    assert any("đã được xử lý lúc" in a for a in anh.alerts)
    async with harness.db.session() as s:
        assert len(list(await s.scalars(select(AuditLog).where(AuditLog.action == "approve")))) == 3


async def test_the_report_shows_each_products_evidence_count(harness, clock):
    thao, anh = await submitted(harness, clock)
    stored = await entries(harness)
    async with harness.db.session() as s:
        for url in ("https://a.example/1", "https://a.example/2"):
            s.add(Evidence(entry_id=stored["XTH004#1"].id, kind="link", url=url,
                           created_at=clock.now()))
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert anh.last.text.count("Minh chứng: 2 đường dẫn") == 1  # links are not files (#22)
    assert "Minh chứng: 0" not in anh.last.text
    assert "📎 Xem minh chứng" in anh.buttons()


async def test_return_with_reason_then_resubmit_needs_a_new_decision(harness, clock):
    thao, anh = await submitted(harness, clock)
    await anh.send("/pheduyet")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap_starting("🔍 1.")
    old_return = next(b for row in anh.last.inline_buttons for b in row if b.text == "↩️ Trả lại")
    await anh.tap("↩️ Trả lại")
    assert "Lý do trả lại" in anh.last.text
    await anh.send(".")  # not a reason the cadre can act on: asked again
    assert "Vui lòng gõ lý do" in anh.last.text
    assert (await entries(harness))["XTH004#1"].status == "submitted"
    await anh.send("Thiếu sổ theo dõi hồ sơ tháng 11")
    assert "Đã trả lại 1 sản phẩm cho Đinh Thị Thảo" in anh.last.text
    assert "Lý do: Thiếu sổ theo dõi hồ sơ tháng 11" in thao.last.text
    first = (await entries(harness))["XTH004#1"]
    assert first.status == "returned" and first.return_reason == "Thiếu sổ theo dõi hồ sơ tháng 11"

    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    assert (await entries(harness))["XTH004#1"].version == 2
    await anh.tap_data(old_return.callback_data)  # a button made for version 1
    assert any("đã được xử lý" in a for a in anh.alerts)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("↩️ Trả lại tất cả")
    await anh.tap("Thiếu minh chứng")  # return all asks first, as approve all does
    assert "Trả lại cả 3 sản phẩm của Tháng 11/2026 cho Đinh Thị Thảo?" in anh.last.text
    await anh.tap("↩️ Xác nhận trả lại")
    assert "Lý do: Thiếu minh chứng" in thao.last.text


async def test_adjust_and_approve_keeps_the_original(harness, clock):
    """One figure at a time, each with a reason; the confirmation lists them all; failed
    reviews and delays can be changed too; the cadre's figures are kept."""
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap_starting("🔍 1.")
    await anh.tap("✏️ Điều chỉnh và duyệt")
    assert "Chọn số liệu cần điều chỉnh" in anh.last.text
    assert anh.buttons()[:4] == ["✏️ Hoàn thành: 125", "✏️ Đạt chất lượng: 125",
                                 "✏️ Sai sót lớn: 0", "✏️ Chậm tiến độ: 0"]
    await anh.tap("✏️ Đạt chất lượng: 125")
    await anh.send("130")  # more passed than done: refused by the cadre's own rule
    assert "(130) không thể lớn hơn số đã hoàn thành (125)" in anh.last.text
    await anh.send("95")
    assert "Vì sao đạt chất lượng 125 → 95?" in anh.last.text
    await anh.send(".")  # not a reason the cadre can read
    assert "Vui lòng gõ lý do điều chỉnh bằng lời" in anh.last.text
    await anh.send("30 hồ sơ thiếu chữ ký")
    assert "Vui lòng xác nhận điều chỉnh" in anh.last.text
    assert "• đạt chất lượng 125 → 95 — lý do: 30 hồ sơ thiếu chữ ký" in anh.last.text
    assert (await entries(harness))["XTH004#1"].status == "submitted"  # nothing applied yet
    await anh.tap("✏️ Sai sót lớn: 0")  # another figure before confirming
    await anh.send("1")
    await anh.send("Sai tên người nộp")
    await anh.tap("✏️ Hoàn thành: 125")
    await anh.send("100")  # below the quality figure: that one comes down to it
    await anh.send("25 hồ sơ chưa trả kết quả")
    text = anh.last.text
    assert "• hoàn thành 125 → 100 — lý do: 25 hồ sơ chưa trả kết quả" in text
    assert "• đạt chất lượng 125 → 95 — lý do: 30 hồ sơ thiếu chữ ký" in text
    assert "• sai sót lớn 0 → 1 — lý do: Sai tên người nộp" in text
    await anh.tap("✅ Xác nhận điều chỉnh và duyệt")
    assert "Đã duyệt 1 sản phẩm" in anh.last.text
    first = (await entries(harness))["XTH004#1"]
    assert first.status == "approved" and first.adjusted
    assert (first.quantity_done, first.adj_quantity_done, first.adj_quantity_passed) == (125, 100, 95)
    assert (first.failed_reviews, first.adj_failed_reviews, first.adj_delays) == (0, 1, 0)
    assert ("«Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả» được điều chỉnh: hoàn thành "
            "125 → 100 — lý do: 25 hồ sơ chưa trả kết quả; đạt chất lượng 125 → 95 — lý do: 30 "
            "hồ sơ thiếu chữ ký; sai sót lớn 0 → 1 — lý do: Sai tên người nộp.") in thao.last.text
    async with harness.db.session() as s:
        rows = list(await s.scalars(select(EntryAdjustment).order_by(EntryAdjustment.id)))
        logged = list(await s.scalars(select(AuditLog).where(AuditLog.action == "adjust")))
    assert [(r.figure, r.old, r.new, r.reason, r.version) for r in rows] == [
        ("done", 125, 100, "25 hồ sơ chưa trả kết quả", 1),
        ("passed", 125, 95, "30 hồ sơ thiếu chữ ký", 1),
        ("failed", 0, 1, "Sai tên người nộp", 1)]
    assert len(logged) == 3 and logged[0].after["reason"] == "25 hồ sơ chưa trả kết quả"


async def test_only_the_evaluator_may_act(harness, clock):
    thao, anh = await submitted(harness, clock)
    first = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        other = await s.scalar(select(Cadre).where(Cadre.code == "SNV002"))
        other.telegram_user_id = other.telegram_chat_id = 850
    lan = harness.person(850, "Lan")
    await lan.send("✅ Phê duyệt")
    assert "Không có báo cáo nào chờ duyệt" in lan.last.text
    for data in (f"rv:g:{first.cadre_id}:{first.period_id}", f"rv:ok:{first.id}:1",
                 f"rv:adj:{first.id}:1", f"rv:e:{first.id}", "rv:g:x:y", "rv:zz"):
        await lan.tap_data(data)
    assert sum("không phụ trách đánh giá" in a for a in lan.alerts) == 4
    assert sum("hết hiệu lực" in a for a in lan.alerts) == 2
    await thao.tap_data(f"rv:ok:{first.id}:1")  # a cadre approving herself
    assert any("hết hiệu lực" in a for a in thao.alerts)
    assert all(e.status == "submitted" for e in (await entries(harness)).values())


async def test_concurrent_decisions_on_one_version_only_one_wins(harness, clock):
    await submitted(harness, clock)
    first = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        supervisor = await actor_for(s, 802, clock.now())

    async def attempt(approve: bool):
        try:
            async with harness.db.session() as s:
                await decide(s, actor=supervisor, authority=Authority(None),
                             decisions=[Decision(first.id, 1)], approve=approve,
                             now=clock.now(), reason=None if approve else "Sai số liệu")
            return "ok"
        except ReviewError as error:
            return error.code
        except Exception as error:  # noqa: BLE001 - a lock timeout counts as refused
            return type(error).__name__

    results = await asyncio.gather(attempt(True), attempt(False), attempt(True))
    assert results.count("ok") == 1
    async with harness.db.session() as s:
        entry = await s.get(Entry, first.id)
        assert entry.status in ("approved", "returned")


async def test_delegation_start_decision_on_behalf_and_end(harness, clock):
    thao, anh = await submitted(harness, clock)
    binh = await deputy(harness)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    assert "chưa ủy quyền" in anh.last.text
    await anh.tap("➕ Ủy quyền mới")
    await anh.send("XTH002")
    assert "không thể tự ủy quyền" in anh.last.text
    await anh.send("XTH999")
    assert "Không có cán bộ nào đang công tác có mã này" in anh.last.text
    await anh.send("XTH001")
    assert "Ủy quyền cho Lý Văn Bình trong bao lâu" in anh.last.text
    await anh.tap("7 ngày")
    assert "Lý Văn Bình sẽ duyệt thay anh/chị từ 20/11/2026 đến 26/11/2026" in anh.last.text
    assert "Phan Thị Ngọc Ánh đã ủy quyền cho anh/chị duyệt thay" in binh.last.text

    await binh.send("✅ Phê duyệt")
    assert "Đinh Thị Thảo — Tháng 11/2026" in binh.last.text
    await binh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "đang duyệt thay người đánh giá" in binh.last.text
    await binh.tap_starting("🔍 1.")
    await binh.tap("✅ Duyệt")
    assert "(duyệt thay cho Phan Thị Ngọc Ánh)" in thao.last.text
    first = (await entries(harness))["XTH004#1"]
    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
    assert first.decided_for_id == anh_id and first.status == "approved"

    clock.advance(days=8)  # the delegation ends by itself
    await binh.send("✅ Phê duyệt")
    assert "Đinh Thị Thảo" not in binh.last.text
    second = (await entries(harness))["XTH004#2"]
    await binh.tap_data(f"rv:ok:{second.id}:{second.version}")
    assert any("không phụ trách đánh giá" in a for a in binh.alerts)


async def test_delegation_can_be_cancelled(harness, clock):
    thao, anh = await submitted(harness, clock)
    binh = await deputy(harness)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    await anh.tap("➕ Ủy quyền mới")
    await anh.send("XTH001")
    await anh.send("20/11/2026 - 31/02/2026")
    assert "phải kết thúc sau khi bắt đầu" in anh.last.text
    await anh.send("01/11/2026 - 15/11/2026")  # today is 20/11
    assert "Khoảng thời gian này đã qua" in anh.last.text
    await anh.send("20/11/2026 - 30/11/2026")
    assert "đến 30/11/2026" in anh.last.text
    await anh.tap("➕ Ủy quyền mới")  # the same person again, overlapping
    await anh.send("XTH001")
    await anh.send("25/11/2026 - 05/12/2026")
    assert "Anh/chị đã ủy quyền cho người này từ 20/11/2026 đến 30/11/2026" in anh.last.text
    await anh.send("/huy")
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    await anh.tap("❌ Hủy ủy quyền cho Lý Văn Bình")
    assert "Hủy ủy quyền cho Lý Văn Bình (XTH001) từ 20/11/2026 đến 30/11/2026?" in anh.last.text
    await anh.tap("⬅️ Quay lại")  # changed her mind: still delegated
    assert "Lý Văn Bình (XTH001) từ 20/11/2026 đến 30/11/2026" in anh.last.text
    await anh.tap("❌ Hủy ủy quyền cho Lý Văn Bình")
    await anh.tap("✅ Đồng ý hủy")
    assert "Đã hủy ủy quyền" in anh.last.text
    assert "Phan Thị Ngọc Ánh đã hủy ủy quyền duyệt báo cáo cho anh/chị" in binh.last.text
    async with harness.db.session() as s:
        actions = list(await s.scalars(select(AuditLog.action).where(
            AuditLog.action.in_(["delegate", "revoke_delegation"])).order_by(AuditLog.id)))
    assert actions == ["delegate", "revoke_delegation"]


async def test_a_delegate_never_reviews_their_own_report_nor_passes_it_on(harness, clock):
    """Ánh delegates to Thảo, whom she evaluates: Thảo may review her colleagues on Ánh's
    behalf, but her own report stays out of her inbox and every tap on it is refused; and she
    cannot hand Ánh's reviews on to someone else."""
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("🔁 Ủy quyền")
    await anh.tap("➕ Ủy quyền mới")
    await anh.send("  xth004 ")  # a code typed in lower case, with spaces
    assert "Ủy quyền cho Đinh Thị Thảo trong bao lâu" in anh.last.text
    await anh.tap("7 ngày")
    assert "Đinh Thị Thảo sẽ duyệt thay anh/chị" in anh.last.text

    await thao.send("✅ Phê duyệt")
    assert "Đinh Thị Thảo — Tháng 11/2026" not in thao.last.text
    assert "Không có báo cáo nào chờ duyệt" in thao.last.text
    async with harness.db.session() as s:
        me = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        pending = list(await s.scalars(select(Entry).where(Entry.cadre_id == me.id)))
    first = pending[0]
    for data in (f"rv:g:{me.id}:{first.period_id}", f"rv:ok:{first.id}:{first.version}",
                 f"rv:e:{first.id}"):
        await thao.tap_data(data)  # forged or remembered buttons on her own report
    assert all(e.status == "submitted" for e in (await entries(harness)).values())
    assert any("không phụ trách đánh giá cán bộ này" in a for a in thao.alerts)

    await thao.tap_data("dl:m")  # the 🔁 button of the inbox: a delegate cannot pass it on
    assert any("không thể chuyển tiếp" in a for a in thao.alerts)
    async with harness.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Delegation)) == 1


async def test_objective_cause_exemption_claimed_then_decided_by_the_evaluator(harness, clock):
    """Decree 335 Art. 14: errors from an objective cause certified by a competent authority
    are not deducted; the cadre asks, the evaluator accepts or refuses, the score says so."""
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="100", failed="1", delays="2",
                             exemption="Mất điện ngày 12/11, Công văn số 15/UBND của UBND xã")
    assert "đã đề nghị miễn trừ do nguyên nhân khách quan, chờ người đánh giá" in thao.last.text
    from tests.test_flow_report import fill_rates, self_assess

    await fill_rates(thao)
    await self_assess(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    assert "⚖️ Đề nghị miễn trừ: Mất điện ngày 12/11, Công văn số 15/UBND" in anh.last.text
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")  # a pending request must be decided first
    assert any("chấp nhận hoặc không chấp nhận đề nghị miễn trừ" in a for a in anh.alerts)
    assert (await entries(harness))["XTH004#1"].status == "submitted"
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    accept = next(b for row in anh.last.inline_buttons for b in row
                  if b.text == "⚖️ 1: chấp nhận miễn trừ")
    await anh.tap("⚖️ 1: chấp nhận miễn trừ")
    assert "Đã chấp nhận miễn trừ" in anh.last.text
    await anh.tap_data(accept.callback_data)  # twice: already decided
    assert any("đã được xử lý" in a for a in anh.alerts)
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    first = (await entries(harness))["XTH004#1"]
    assert (first.status, first.exemption_status) == ("approved", "accepted")
    await thao.send("📊 Kết quả của tôi")
    await thao.tap("🔎 Cách tính điểm Tháng 11/2026")
    detail = thao.last.text
    assert "b = 100/120 = 83%" in detail and "c = 100/120 = 83%" in detail  # no deduction
    assert ("người đánh giá chấp nhận miễn trừ do nguyên nhân khách quan: không trừ 1 lần sai "
            "sót và 2 lần chậm tiến độ") in detail
    async with harness.db.session() as s:
        log = await s.scalar(select(AuditLog).where(AuditLog.action == "exemption_accept"))
        assert log.object_id == first.id


async def test_a_refused_exemption_keeps_the_deductions(harness, clock):
    thao, anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="100", failed="1", exemption="Hệ thống lỗi")
    from tests.test_flow_report import fill_rates, self_assess

    await fill_rates(thao)
    await self_assess(thao)
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("1: không chấp nhận")
    assert "Không chấp nhận miễn trừ" in anh.last.text
    assert "đề nghị miễn trừ không được chấp nhận" in anh.last.text
    first = (await entries(harness))["XTH004#1"]
    assert first.exemption_status == "refused"


def _updates_of(harness, user_id: int, since: int) -> list[tuple[str, int]]:
    """(what the person did, transactions begun) for each of their updates since `since`."""
    found = []
    for data, begun in harness.transactions[since:]:
        if "callback_query" in data and data["callback_query"]["from"]["id"] == user_id:
            found.append((data["callback_query"]["data"], begun))
        elif "message" in data and data["message"]["from"]["id"] == user_id:
            found.append((data["message"].get("text") or "", begun))
    return found


async def test_one_transaction_per_update_of_the_evaluator(harness, clock):
    """Every tap and typed step of ✅ Phê duyệt takes one transaction (the gate's read and the
    use case share it); a decision that tells the cadre may take two at most (approving a
    report took six before the handlers' redesign)."""
    thao, anh = await submitted(harness, clock)
    since = len(harness.transactions)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap_starting("🔍 1.")
    await anh.tap("↩️ Trả lại")
    await anh.send(".")  # refused: asked again
    await anh.send("Thiếu sổ theo dõi hồ sơ tháng 11")  # returned: Thảo is told
    assert "Lý do: Thiếu sổ theo dõi hồ sơ tháng 11" in thao.last.text
    await anh.tap_starting("🔍 2.")  # the report is shown again: products 2 and 3 wait
    await anh.tap("✏️ Điều chỉnh và duyệt")
    for typed in ("abc", "-1", "80", "Theo hệ thống một cửa"):  # a rate: one figure, a reason
        await anh.send(typed)
    assert "tỷ lệ đạt 85% → 80% — lý do: Theo hệ thống một cửa" in anh.last.text
    await anh.tap("✅ Xác nhận điều chỉnh và duyệt")
    assert "Đã duyệt 1 sản phẩm" in anh.last.text and "đã duyệt" in thao.last.text
    await anh.tap("✅ Duyệt tất cả")
    confirm = next(b for row in anh.last.inline_buttons for b in row if b.text == "✅ Xác nhận duyệt")
    await anh.tap("✅ Xác nhận duyệt")  # the rest of the report: Thảo is told
    assert "Không có báo cáo nào chờ duyệt" in anh.last.text
    await anh.tap_data(confirm.callback_data)  # twice: refused
    assert any("đã được xử lý" in a for a in anh.alerts)
    await anh.tap_data("rv:p:0")  # the reminder's button
    updates = _updates_of(harness, 802, since)
    assert len(updates) == 17, updates
    decisions = {"Thiếu sổ theo dõi hồ sơ tháng 11"}
    for what, begun in updates:
        if what in decisions or what.startswith(("rv:AA:", "rv:ao:")):
            assert begun <= 2, (what, begun)
        else:
            assert begun <= 1, (what, begun)


async def test_return_all_asks_first_and_the_resubmission_shows_what_was_returned(harness, clock):
    """Issue 22 item 5: "Trả lại tất cả" with a ready-made reason returned the whole report in
    two taps while "Duyệt tất cả" asked; and on resubmission the evaluator did not see the
    previous figures nor why they were returned."""
    thao, anh = await submitted(harness, clock)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("↩️ Trả lại tất cả")
    await anh.tap("Số liệu chưa khớp với sổ sách")
    assert ("Trả lại cả 3 sản phẩm của Tháng 11/2026 cho Đinh Thị Thảo?\nLý do: Số liệu chưa "
            "khớp với sổ sách") in anh.last.text
    assert all(e.status == "submitted" for e in (await entries(harness)).values())
    await anh.tap("⬅️ Quay lại")  # changed her mind: nothing returned
    assert "Báo cáo Tháng 11/2026 — Đinh Thị Thảo" in anh.last.text
    assert all(e.status == "submitted" for e in (await entries(harness)).values())
    await anh.tap("↩️ Trả lại tất cả")
    await anh.tap("Thiếu minh chứng")
    await anh.send("Hồ sơ tháng 11 thiếu sổ theo dõi")  # a typed reason replaces the chosen one
    assert "Lý do: Hồ sơ tháng 11 thiếu sổ theo dõi" in anh.last.text
    await anh.tap("↩️ Xác nhận trả lại")
    assert "Đã trả lại 3 sản phẩm cho Đinh Thị Thảo" in anh.last.text
    assert "Lý do: Hồ sơ tháng 11 thiếu sổ theo dõi" in thao.last.text
    assert all(e.status == "returned" for e in (await entries(harness)).values())

    await thao.send("📝 Báo cáo KPI")
    await fill_count_product(thao, done="120")  # product 1 corrected; 2 and 3 sent as they were
    await thao.tap("📤 Gửi duyệt")
    await thao.tap("📤 Xác nhận gửi")
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    report = anh.last.text
    assert report.count("↩️ Đã trả lại lúc 09:00 20/11/2026, lý do: Hồ sơ tháng 11 thiếu sổ "
                        "theo dõi") == 3
    assert "Đã sửa sau khi trả lại: hoàn thành 125 → 120; đạt chất lượng 125 → 120" in report
    assert report.count("Số liệu không thay đổi so với lần trả lại.") == 2
    await anh.tap_starting("🔍 1.")
    assert "Đã sửa sau khi trả lại: hoàn thành 125 → 120; đạt chất lượng 125 → 120" \
        in anh.last.text
    first = (await entries(harness))["XTH004#1"]
    assert first.version == 2 and first.returned_figures["done"] == 125
