"""📅 The annual quality rating of a 6-person agency, from proposals to the signed forms
(Decree 335 Art. 21; LAW L7, L8, L11): evaluators propose, the cap per group with similar
duties and the leader rule are checked on the whole list, the head closes it, people are
told, planning flags follow, the forms hold the final figures."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.policy import Policy, ScoringPolicy
from bot.services import periods
from bot.services.annual import GroupCap, group_caps, max_excellent
from bot.services.calendar import WorkCalendar
from bot.services.imports.apply import import_agency_ratings, import_past_ratings
from models import (
    AnnualList,
    AuditLog,
    Cadre,
    Evaluation,
    JobPosition,
    OrgUnit,
    Period,
    RoleGrant,
)

P, H, BOARD = 950, 951, 952  # the province's vice-chair, the commune's chair, the board
SCORES = {"AB1": 95.0, "AB2": 92.0, "AB3": 85.0, "AB4": 80.0, "AB5": 65.0}


async def agency(harness, clock, tmp_path):
    """Tỉnh Thử → UBND xã An Bình (an agency by the default rule): its chair H (a leader,
    evaluated by the province's vice-chair P) and five professionals H evaluates, each with
    eleven months evaluated in 2026."""
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 01/12/2026, 09:00
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)
    async with harness.db.session() as s:
        root = OrgUnit(code="T", name="Tỉnh Thử", level="tinh", period_type="month",
                       active=True, outstanding=False)
        s.add(root)
        await s.flush()
        commune = OrgUnit(code="XAB", name="UBND xã An Bình", parent_id=root.id, level="xa",
                          active=True, outstanding=False)
        leaders = JobPosition(code="LD", name="Lãnh đạo", group="lanh_dao_quan_ly", active=True)
        staff = JobPosition(code="CM", name="Chuyên môn", group="chuyen_mon_nghiep_vu",
                            active=True)
        s.add_all([commune, leaders, staff])
        await s.flush()

        def person(code, name, unit, position, **kw):
            return Cadre(code=code, full_name=name, unit_id=unit.id, position_id=position.id,
                         party_member=True, active=True, reachable=True,
                         reminders_enabled=True, is_leader=kw.pop("is_leader", False),
                         in_planning=kw.pop("in_planning", False), **kw)

        p = person("T01", "Vũ Văn Phong", root, leaders, is_leader=True,
                   telegram_user_id=P, telegram_chat_id=P)
        board = person("T02", "Lê Thị Hoa", root, staff, telegram_user_id=BOARD,
                       telegram_chat_id=BOARD)
        s.add_all([p, board])
        await s.flush()
        s.add(RoleGrant(cadre_id=board.id, role="board", granted_at=clock.now()))
        h = person("AB0", "Trần Văn Hải", commune, leaders, is_leader=True, evaluator_id=p.id,
                   title="Chủ tịch UBND xã", telegram_user_id=H, telegram_chat_id=H)
        s.add(h)
        await s.flush()
        names = {"AB1": "Nguyễn Thị An", "AB2": "Phạm Văn Bình", "AB3": "Lê Thị Cúc",
                 "AB4": "Đỗ Văn Dũng", "AB5": "Hoàng Thị Én"}
        people = {"AB0": h}
        for index, (code, name) in enumerate(names.items()):
            people[code] = person(code, name, commune, staff, evaluator_id=h.id,
                                  in_planning=code == "AB5",
                                  telegram_user_id=960 + index, telegram_chat_id=960 + index)
        s.add_all(list(people.values())[1:])
        await s.flush()
        for month in range(1, 12):
            period = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, month,
                                                 calendar, policy.calendar)
            for code, cadre in people.items():
                total = SCORES.get(code, 93.0)
                s.add(Evaluation(cadre_id=cadre.id, period_id=period.id, unit_id=commune.id,
                                 status="rated", version=1, total_score=total,
                                 band="xuat_sac" if total >= 90 else "tot"))
        # last year's rating of the one in planning, from the office's old records
        old = tmp_path / "xep_loai_2025.csv"
        old.write_text("Mã cán bộ,Năm,Xếp loại,Điểm\nAB5,2025,Hoàn thành nhiệm vụ,66\n",
                       encoding="utf-8")
        assert (await import_past_ratings(s, old, now=clock.now())).ok
    return (harness.person(P, "Phong"), harness.person(H, "Hải"),
            harness.person(BOARD, "Hoa"), {code: harness.person(960 + i, code)
                                           for i, code in enumerate(names)})


async def test_a_year_of_a_six_person_agency_closed_within_the_cap(harness, clock, tmp_path):
    phong, hai, hoa, staff = await agency(harness, clock, tmp_path)

    # the leader: proposed by the province's vice-chair, not above the agency's own rating
    await phong.send("✅ Phê duyệt")
    await phong.tap("📅 Xếp loại chất lượng năm 2026")
    assert "• Trần Văn Hải: 93,0 điểm qua 11 tháng — chưa đề xuất (theo điểm: Hoàn thành " \
        "xuất sắc nhiệm vụ)" in phong.last.text
    await phong.tap("Trần Văn Hải")
    assert "chưa có kết quả đánh giá cơ quan" in phong.last.text
    assert "Số tháng công tác: 12" in phong.last.text
    ratings = tmp_path / "co_quan_2026.csv"
    ratings.write_text("Mã đơn vị;Năm;Xếp loại;Điểm\nXAB;2026;Hoàn thành tốt nhiệm vụ;86\n",
                       encoding="utf-8")
    async with harness.db.session() as s:
        assert (await import_agency_ratings(s, ratings, now=clock.now())).ok
        hai_id = await s.scalar(select(Cadre.id).where(Cadre.code == "AB0"))
    await phong.tap("⬅️ Về danh sách")
    await phong.tap("Trần Văn Hải")
    assert "Kết quả xếp loại của cơ quan: Hoàn thành tốt nhiệm vụ" in phong.last.text
    assert not any("xuất sắc" in label for label in phong.buttons())
    await phong.tap_data(f"ry:ok:{hai_id}:2026:X")  # forged: above the agency
    assert any("không được xếp loại cao hơn kết quả xếp loại của cơ quan" in a
               for a in phong.alerts)
    await phong.tap("Đề xuất mức khác: Hoàn thành tốt nhiệm vụ")
    await phong.send("Theo kết quả xếp loại của UBND xã")
    assert "Đã đề xuất cho Trần Văn Hải: Hoàn thành tốt nhiệm vụ" in phong.last.text

    # the chair proposes for his five: the points' level, whatever the others get
    await hai.send("✅ Phê duyệt")
    await hai.tap("📅 Xếp loại chất lượng năm 2026")
    for name in ("Nguyễn Thị An", "Phạm Văn Bình", "Lê Thị Cúc", "Đỗ Văn Dũng",
                 "Hoàng Thị Én"):
        await hai.tap(name)
        await hai.tap_starting("📝 Đề xuất:")
    assert "Nguyễn Thị An: 95,0 điểm qua 11 tháng — đã đề xuất: Hoàn thành xuất sắc" \
        in hai.last.text

    # the agency's list: five professionals, two "xuất sắc" for two "tốt": the cap is 0
    await hai.tap("📋 Danh sách UBND xã An Bình")
    text = hai.last.text
    assert ("Tỷ lệ xếp loại «Hoàn thành xuất sắc nhiệm vụ» không vượt quá 20% số được xếp "
            "loại «Hoàn thành tốt nhiệm vụ» trong cơ quan, đơn vị và theo từng nhóm đối tượng "
            "có nhiệm vụ tương đồng") in text
    assert ("<b>Chuyên môn, nghiệp vụ</b>: 5 người được đề xuất · «Hoàn thành tốt» 2 · «Hoàn "
            "thành xuất sắc» 2 (tối đa 0) — ⚠️ vượt 2") in text
    assert "Kết quả xếp loại của cơ quan: Hoàn thành tốt nhiệm vụ." in text
    assert "✅ Chốt danh sách" not in hai.buttons()
    await hai.tap("⚖️ Chuyên môn, nghiệp vụ: giữ những người điểm cao nhất trong tỷ lệ")
    text = hai.last.text
    assert "«Hoàn thành tốt» 4 · «Hoàn thành xuất sắc» 0 (tối đa 0)" in text
    assert "• Nguyễn Thị An — 95,0 — Hoàn thành tốt nhiệm vụ (đề xuất Hoàn thành xuất sắc " \
        "nhiệm vụ)" in text
    await hai.tap("⬆️ Nguyễn Thị An → Hoàn thành xuất sắc nhiệm vụ")  # 1 of 3 "tốt": over
    assert "⚠️ vượt 1" in hai.last.text and "✅ Chốt danh sách" not in hai.buttons()
    await hai.tap("⬇️ Nguyễn Thị An → Hoàn thành tốt nhiệm vụ")
    assert not any(label.startswith("⬇️ Trần Văn Hải") for label in hai.buttons())  # not his own
    await hai.tap("✅ Chốt danh sách")
    assert "Hoàn thành tốt nhiệm vụ: 5 · Hoàn thành nhiệm vụ: 1" in hai.last.text
    await hai.tap("✅ Xác nhận chốt")
    assert any("✅ Đã chốt ngày 01/12/2026" in (m.text or "") for m in hai.fake.messages)
    assert "Kết quả xếp loại chất lượng năm 2026 của anh/chị: 93,0 điểm — Hoàn thành tốt " \
        "nhiệm vụ.\nLý do: Theo kết quả xếp loại của UBND xã" in hai.last.text  # his own

    # everyone is told the final band; the cap is explained to those it changed
    an = staff["AB1"]
    assert "Kết quả xếp loại chất lượng năm 2026 của anh/chị: 95,0 điểm — Hoàn thành tốt " \
        "nhiệm vụ" in an.last.text
    assert "theo tỷ lệ tối đa «Hoàn thành xuất sắc nhiệm vụ»" in an.last.text
    assert "Hoàn thành nhiệm vụ" in staff["AB5"].last.text
    async with harness.db.session() as s:
        year = await s.scalar(select(Period.id).where(Period.kind == "year"))
        final = {c: (b, f) for c, b, f in (await s.execute(
            select(Cadre.code, Evaluation.band, Evaluation.flags)
            .join(Evaluation, Evaluation.cadre_id == Cadre.id)
            .where(Evaluation.period_id == year, Evaluation.status == "rated"))).all()}
        assert final["AB1"] == ("tot", []) and final["AB0"] == ("tot", [])
        assert final["AB5"] == ("hoan_thanh", ["done_twice_in_planning"])
        assert (await s.scalar(select(AnnualList))).status == "closed"
        assert await s.scalar(select(AuditLog.id).where(AuditLog.action == "close_year_list"))

    # nothing changes a closed list from the chat
    await phong.tap_data(f"ry:ok:{hai_id}:2026:T")
    assert any("đã được chốt" in a for a in phong.alerts)

    # the board sees who is proposed for removal from planning, in words
    await hoa.send("✅ Phê duyệt")  # she rates nobody herself: the agencies' lists (#22)
    await hoa.tap("🏛 Danh sách xếp loại năm 2026")
    await hoa.tap("⚑ Đề nghị về quy hoạch")
    assert ("Hoàng Thị Én (AB5) — Hoàn thành nhiệm vụ\n   «Hoàn thành nhiệm vụ» 2 năm liên "
            "tiếp khi đang trong quy hoạch — đề nghị đưa ra khỏi quy hoạch") in hoa.last.text
    assert "done_twice" not in hoa.last.text

    # the forms: each person's sheet and the table, as the head gets them in the chat
    await hai.send("✅ Phê duyệt")
    await hai.tap("📅 Xếp loại chất lượng năm 2026")
    await hai.tap("📋 Danh sách UBND xã An Bình")
    await hai.tap("📄 Phiếu và bảng tổng hợp")
    files = {m.file_name: m.file_bytes for m in hai.fake.messages if m.kind == "document"}
    assert set(files) == {"phieu_xep_loai_2026_XAB.docx", "tong_hop_xep_loai_2026_XAB.docx",
                          "tong_hop_xep_loai_2026_XAB.xlsx"}
    sheets = "\n".join(p.text for p in Document(io.BytesIO(
        files["phieu_xep_loai_2026_XAB.docx"])).paragraphs)
    assert "PHIẾU XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC NĂM 2026" in sheets
    assert "Họ và tên: Nguyễn Thị An" in sheets
    assert "Điểm bình quân các kỳ (theo số tháng): 95,0 điểm" in sheets
    assert "Người đánh giá đề xuất: Hoàn thành xuất sắc nhiệm vụ" in sheets
    assert "(danh sách của cơ quan đã chốt): Hoàn thành tốt nhiệm vụ" in sheets
    table = Document(io.BytesIO(files["tong_hop_xep_loai_2026_XAB.docx"]))
    cells = [[c.text for c in row.cells] for t in table.tables for row in t.rows]
    assert ["1", "Nguyễn Thị An", "", "UBND xã An Bình", "12", "95,0",
            "Hoàn thành tốt nhiệm vụ"] == cells[next(i for i, r in enumerate(cells)
                                                      if r[1] == "Nguyễn Thị An")][:7]
    workbook = load_workbook(io.BytesIO(files["tong_hop_xep_loai_2026_XAB.xlsx"]))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Họ và tên", "Chức vụ")
    assert ("Hoàng Thị Én" in {r[1] for r in rows}) and len(rows) == 7


def test_the_cap_does_not_depend_on_the_order_of_proposals():
    """The cap is counted on the whole list at closing: any order of the same proposals
    gives the same caps, and the most that can stay "xuất sắc" is the same."""
    from itertools import permutations
    from types import SimpleNamespace

    scoring = ScoringPolicy()

    def draft(band):
        return SimpleNamespace(proposed=True, duty_group="chuyen_mon_nghiep_vu", band=band)

    bands = ["xuat_sac", "tot", "tot", "tot", "tot", "tot", "xuat_sac"]
    from models.enums import Band

    seen = set()
    for order in set(permutations(bands)):
        caps = group_caps([draft(Band(b)) for b in order], scoring, outstanding=False)
        cap = caps["chuyen_mon_nghiep_vu"]
        seen.add((cap.good, cap.excellent, cap.allowed, cap.over))
    assert seen == {(5, 2, 1, 1)}
    # 20% of the "tốt" rounded down: 5 "tốt" allow 1; keeping both would leave 5 "tốt" → 1
    assert max_excellent(5, 2, scoring, False) == 1
    assert max_excellent(3, 2, scoring, False) == 0  # a group of five cannot have one
    assert max_excellent(9, 3, scoring, False) == 2
    wider = ScoringPolicy(excellent_cap_base="good_or_better")
    assert max_excellent(4, 1, wider, False) == 1  # 20% of the five "tốt" or better
    assert GroupCap("x", 5, 2, 1, 7).over == 1


async def test_a_cadre_who_started_in_august_is_evaluated_not_rated(db, clock):
    from bot.services.annual import annual_drafts, months_worked

    assert months_worked(2026, date(2026, 8, 1), []) == 5
    assert months_worked(2026, date(2025, 3, 1), [(date(2026, 3, 1), date(2026, 8, 31))]) == 6
    async with db.session() as s:
        unit = OrgUnit(code="U", name="Đơn vị", level="xa", active=True, outstanding=False)
        s.add(unit)
        await s.flush()
        cadre = Cadre(code="N1", full_name="Người mới", unit_id=unit.id, is_leader=False,
                      party_member=False, in_planning=False, active=True, reachable=True,
                      reminders_enabled=True, start_date=date(2026, 8, 1))
        s.add(cadre)
        await s.flush()
        policy = Policy()
        calendar = WorkCalendar(policy.calendar)
        for month in (8, 9, 10, 11):
            period = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, month,
                                                 calendar, policy.calendar)
            s.add(Evaluation(cadre_id=cadre.id, period_id=period.id, status="rated",
                             version=1, total_score=92, band="xuat_sac"))
        await s.flush()
        d = (await annual_drafts(s, policy, [cadre], 2026))[0]
        assert (d.months_worked, d.score.too_few_months, d.ratable) == (5, True, False)
        assert d.total == 92  # evaluated: the average is kept, with no band
        off = Policy.model_validate({"scoring": {"not_rated_under_min_months": False}})
        assert (await annual_drafts(s, off, [cadre], 2026))[0].computed_band.value == "xuat_sac"
