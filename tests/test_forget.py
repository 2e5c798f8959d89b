"""`cadrebot forget` (Decree 13/2023): the person's phone, Telegram id and name are gone from
every text column of every table — except the name on their own record, which the kept
evaluations need — and a later roster import does not bring the phone back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, cast, select

from bot.demo import EXAMPLES
from bot.services.imports.apply import import_roster
from bot.services.privacy import forget
from models import Base, Cadre, FlowState, InboundUpdate

TG = 705_500_123  # a real-looking Telegram id
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def _mentions(session, needles: list[str]) -> list[str]:
    """table.column holding any needle, the person's own name on their record excepted."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if table.name == "cadres" and column.name == "full_name":
                continue
            for needle in needles:
                query = select(table).where(cast(column, String).contains(needle))
                if (await session.execute(query)).first() is not None:
                    found.append(f"{table.name}.{column.name} ∋ {needle}")
    return found


async def test_forget_leaves_no_trace_of_phone_telegram_id_or_name(harness, clock):
    from bot.demo import load_demo_province

    clock.set(NOW)
    async with harness.db.session() as s:
        await load_demo_province(s, NOW, link=False)
    thao = harness.person(TG, "Thảo", phone="0912 000 015")
    await thao.send("/start")
    await thao.share_contact()  # linked by phone: the audit log keeps who and how
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")  # a conversation step is stored for her chat
    async with harness.db.session() as s:
        s.add(InboundUpdate(update_id=99, chat_id=TG, payload={"message": {"from": {
            "id": TG, "first_name": "Thảo", "phone_number": "+84912000015"}}},
            received_at=NOW, holder="p1"))
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        assert cadre.telegram_user_id == TG and await s.get(FlowState, TG) is not None
        needles = ["912000015", str(TG), "Đinh Thị Thảo"]
        assert await _mentions(s, needles)  # before: plenty
        await forget(s, cadre, NOW)
    async with harness.db.session() as s:
        assert await _mentions(s, needles) == []
        cadre = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        assert (cadre.phone, cadre.telegram_user_id, cadre.full_name) == (
            None, None, "Đinh Thị Thảo")
        # the next full roster import keeps the phone away
        report = await import_roster(s, EXAMPLES / "danh_sach_can_bo.xlsx", now=NOW)
        assert report.ok
    async with harness.db.session() as s:
        assert (await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))).phone is None
        assert await _mentions(s, ["912000015"]) == []
