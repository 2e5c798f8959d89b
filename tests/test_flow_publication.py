"""📋 Results published inside the agency (issue #24 part 3): once the agency's annual list
is closed, every member sees it — names, points, bands, the date — in 📊 Kết quả của tôi
and as an Excel file; nobody of another agency does, nor anybody before the closing; the
policy turns it off."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from bot.policy import Policy
from bot.services import periods
from bot.services.calendar import WorkCalendar
from models import Cadre, Evaluation, JobPosition, OrgUnit, Period
from models.enums import PeriodStatus

P, AN, BINH, CUC, OUT = 1950, 1951, 1952, 1953, 1954
YEAR_SCORES = {"AB1": (88.0, "tot"), "AB2": (75.5, "tot"), "AB3": (62.0, "hoan_thanh")}


async def province(harness, clock):
    """Tỉnh Thử: UBND xã An Bình (three professionals evaluated by the province's P) and
    UBND xã Cẩm Điền (one cadre, the outsider). The three have eleven months rated and their
    annual band proposed; An's proposal carries a reason nobody else may read."""
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 01/12/2026, 09:00
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)
    async with harness.db.session() as s:
        root = OrgUnit(code="T", name="Tỉnh Thử", level="tinh", period_type="month",
                       active=True, outstanding=False)
        s.add(root)
        await s.flush()
        ab = OrgUnit(code="XAB", name="UBND xã An Bình", parent_id=root.id, level="xa",
                     active=True, outstanding=False)
        cd = OrgUnit(code="XCD", name="UBND xã Cẩm Điền", parent_id=root.id, level="xa",
                     active=True, outstanding=False)
        leaders = JobPosition(code="LD", name="Lãnh đạo", group="lanh_dao_quan_ly", active=True)
        staff = JobPosition(code="CM", name="Công chức chuyên môn",
                            group="chuyen_mon_nghiep_vu", active=True)
        s.add_all([ab, cd, leaders, staff])
        await s.flush()

        def person(code, name, unit, position, tg, **kw):
            return Cadre(code=code, full_name=name, unit_id=unit.id, position_id=position.id,
                         party_member=True, active=True, reachable=True,
                         reminders_enabled=True, telegram_user_id=tg, telegram_chat_id=tg,
                         **kw)

        p = person("T01", "Vũ Văn Phong", root, leaders, P, is_leader=True)
        s.add(p)
        await s.flush()
        people = {"AB1": person("AB1", "Nguyễn Thị An", ab, staff, AN, evaluator_id=p.id,
                                title="Công chức Văn phòng - Thống kê"),
                  "AB2": person("AB2", "Phạm Văn Bình", ab, staff, BINH, evaluator_id=p.id),
                  "AB3": person("AB3", "Lê Thị Cúc", ab, staff, CUC, evaluator_id=p.id),
                  "CD1": person("CD1", "Đỗ Văn Dũng", cd, staff, OUT, evaluator_id=p.id)}
        s.add_all(people.values())
        await s.flush()
        for month in range(1, 12):
            period = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, month,
                                                 calendar, policy.calendar)
            for code, cadre in people.items():
                total = YEAR_SCORES.get(code, (80.0, "tot"))[0]
                s.add(Evaluation(cadre_id=cadre.id, period_id=period.id, unit_id=cadre.unit_id,
                                 status="rated", version=1, total_score=total,
                                 band="tot" if total >= 70 else "hoan_thanh"))
        year = await periods.ensure_period(s, periods.PeriodType.YEAR, 2026, 1, calendar,
                                           policy.calendar)
        for code, (total, band) in YEAR_SCORES.items():
            s.add(Evaluation(
                cadre_id=people[code].id, period_id=year.id, unit_id=ab.id, agency_id=ab.id,
                duty_group="chuyen_mon_nghiep_vu", status="proposed", version=1,
                total_score=total, computed_band=band, proposed_band=band, band=band,
                band_reason="Lý do riêng của người đánh giá" if code == "AB1" else None,
                months_worked=12, proposed_by_id=p.id, proposed_at=clock.now()))
        ids = {"year": year.id, "agency": ab.id}
    return ({code: harness.person(tg, code) for code, tg in
             (("AB1", AN), ("AB2", BINH), ("CD1", OUT))}, ids)


async def close_the_list(harness, clock, agency_id):
    services = harness.app.bot_data["services"]
    async with harness.db.session() as s:
        await services.annual.close(s, actor=None, agency_id=agency_id, year=2026,
                                    now=clock.now(), label="test")


async def open_published(person):
    await person.send("📊 Kết quả của tôi")
    await person.tap("📋 Kết quả công khai của cơ quan")


async def test_the_closed_list_is_published_to_its_agency_only(harness, clock):
    people, ids = await province(harness, clock)
    an, binh, outsider = people["AB1"], people["AB2"], people["CD1"]

    # before the closing: nothing published, and a forged tap shows nothing
    await open_published(an)
    assert "Kết quả công khai — UBND xã An Bình" in an.last.text
    assert "Chưa có kết quả nào được công khai" in an.last.text
    await an.tap_data(f"cb:v:{ids['year']}")
    assert any("chưa được công khai" in alert for alert in an.alerts)
    await an.tap_data(f"cb:x:{ids['year']}")
    assert not [m for m in an.fake.messages if m.kind == "document"]

    await close_the_list(harness, clock, ids["agency"])

    # a member: the list with names, titles, points and bands, never the reasons
    await open_published(binh)
    await binh.tap("Xếp loại chất lượng năm 2026 (công khai ngày 01/12/2026)")
    text = binh.last.text
    assert "UBND xã An Bình — Xếp loại chất lượng năm 2026" in text
    assert "Công khai ngày 01/12/2026." in text
    # in Vietnamese name order (by the given name)
    assert ("1. Nguyễn Thị An (Công chức Văn phòng - Thống kê, UBND xã An Bình) — 88,0 điểm "
            "— Hoàn thành tốt nhiệm vụ") in text
    assert "2. Phạm Văn Bình" in text and "75,5 điểm" in text
    assert ("3. Lê Thị Cúc (Công chức chuyên môn, UBND xã An Bình) — 62,0 điểm — Hoàn thành "
            "nhiệm vụ") in text
    assert "Lý do riêng" not in text and "Đỗ Văn Dũng" not in text
    await binh.tap("📥 Tệp Excel")
    document = binh.fake.messages[-1]
    assert document.kind == "document" and document.file_name == "cong_khai_2026.xlsx"
    assert "công khai ngày 01/12/2026" in document.text
    sheet = load_workbook(io.BytesIO(document.file_bytes)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["STT", "Họ và tên", "Đơn vị", "Chức vụ hoặc vị trí việc làm", "Điểm",
                       "Xếp loại", "Ngày công khai"]
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị An", "Phạm Văn Bình", "Lê Thị Cúc"]
    assert rows[1][4] == 88.0 and rows[1][5] == "Hoàn thành tốt nhiệm vụ"
    assert rows[1][6].date().isoformat() == "2026-12-01"
    assert not any("Lý do riêng" in str(v) for r in rows for v in r)

    # the outsider of another agency: nothing published for hers, and forged taps refused
    await open_published(outsider)
    assert "UBND xã Cẩm Điền" in outsider.last.text
    assert "Chưa có kết quả nào được công khai" in outsider.last.text
    assert not any("năm 2026" in label for label in outsider.buttons())
    await outsider.tap_data(f"cb:v:{ids['year']}")
    await outsider.tap_data(f"cb:x:{ids['year']}")
    assert sum("chưa được công khai" in alert for alert in outsider.alerts) == 2
    assert not any("Nguyễn Thị An" in (m.text or "") for m in outsider.fake.messages)
    assert not [m for m in outsider.fake.messages if m.kind == "document"]
    assert not harness.errors


async def test_publication_off_hides_the_lists_and_old_buttons_answer_politely(harness, clock):
    people, ids = await province(harness, clock)
    an = people["AB1"]
    await close_the_list(harness, clock, ids["agency"])
    await open_published(an)
    assert "Xếp loại chất lượng năm 2026 (công khai ngày 01/12/2026)" in an.buttons()

    services = harness.app.bot_data["services"]
    services.policy = services.policy.model_copy(update={
        "publication": services.policy.publication.model_copy(update={"annual": False})})
    await an.tap("Xếp loại chất lượng năm 2026 (công khai ngày 01/12/2026)")  # an old button
    assert any("không công khai kết quả trên bot" in alert for alert in an.alerts)
    await an.send("📊 Kết quả của tôi")
    assert "📋 Kết quả công khai của cơ quan" not in an.buttons()
    assert not harness.errors


async def test_a_locked_quarter_is_published_when_the_policy_says_so(harness, clock):
    people, ids = await province(harness, clock)
    an = people["AB1"]
    services = harness.app.bot_data["services"]
    async with harness.db.session() as s:
        q3 = await periods.ensure_period(s, periods.PeriodType.QUARTER, 2026, 3,
                                         services.calendar, services.policy.calendar)
        cadres = {c.code: c for c in await s.scalars(select(Cadre))}
        for code, total in (("AB1", 91.0), ("AB2", 72.0)):
            s.add(Evaluation(cadre_id=cadres[code].id, period_id=q3.id,
                             unit_id=cadres[code].unit_id, status="rated", version=1,
                             total_score=total, band="xuat_sac" if total >= 90 else "tot"))
        s.add(Evaluation(cadre_id=cadres["AB3"].id, period_id=q3.id,
                         unit_id=cadres["AB3"].unit_id, status="draft", version=0))
        q3_id = q3.id

    # the policy on, the quarter not locked yet: not published
    services.policy = services.policy.model_copy(update={
        "publication": services.policy.publication.model_copy(update={"quarterly": True})})
    await open_published(an)
    assert not any("Quý 3/2026" in label for label in an.buttons())
    await an.tap_data(f"cb:v:{q3_id}")
    assert any("chưa được công khai" in alert for alert in an.alerts)

    async with harness.db.session() as s:
        q3 = await s.get(Period, q3_id)
        q3.status, q3.locked_at = PeriodStatus.LOCKED.value, datetime(2026, 10, 9, 3, 0,
                                                                      tzinfo=UTC)
    await open_published(an)
    await an.tap("Kết quả đánh giá Quý 3/2026 (công khai ngày 09/10/2026)")
    text = an.last.text
    assert "2. Phạm Văn Bình (Công chức chuyên môn, UBND xã An Bình) — 72,0 điểm" in text
    assert "91,0 điểm — Hoàn thành xuất sắc nhiệm vụ" in text
    assert "Lê Thị Cúc" not in text  # not rated: not on the list
    assert not harness.errors
