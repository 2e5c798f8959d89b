"""📋 Giao việc's rules called directly (bot/services/tasks.py): who may assign and accept,
who accepts by default, what is refused, and what a locked period keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import periods as period_rules
from bot.services import tasks as rules
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.kpi import KpiService
from bot.services.review import ReviewError
from models import Cadre, Delegation, Entry, Task
from models.enums import PeriodType, Role

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
TODAY = NOW.date()
TZ = __import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = Policy()
KPI = KpiService(POLICY, WorkCalendar(POLICY.calendar))


def actor_of(cadre: Cadre, *roles: Role) -> Actor:
    return Actor(cadre.id, cadre.code, cadre.full_name, cadre.unit_id,
                 frozenset(roles or (Role.SUPERVISOR,)))


async def province(db) -> dict[str, Cadre]:
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        cadres = {c.code: c for c in await s.scalars(select(Cadre))}
        # Ánh (XTH002) hands her reviews to Nam (XTH003) this week
        s.add(Delegation(delegator_id=cadres["XTH002"].id, delegate_id=cadres["XTH003"].id,
                         starts_on=TODAY - timedelta(days=1), ends_on=TODAY + timedelta(days=5),
                         created_at=NOW))
    return cadres


async def assign(s, actor: Actor, cadre: Cadre, deadline=date(2026, 11, 27)) -> Task:
    assigned = await rules.assign(s, KPI, actor=actor, cadre_ids=[cadre.id], product_code="MC01",
                                  units=1, title="Báo cáo tháng", expected_result="Báo cáo",
                                  deadline=deadline, now=NOW, today=TODAY)
    return assigned.tasks[0]


async def test_who_may_assign_and_who_accepts(db):
    cadres = await province(db)
    async with db.session() as s:
        thao = await s.get(Cadre, cadres["XTH004"].id)
        nam = actor_of(cadres["XTH003"])  # Ánh's delegate: assigns for her, she accepts
        task = await assign(s, nam, thao)
        assert task.authority_id == cadres["XTH002"].id
        board = actor_of(cadres["BTC002"], Role.BOARD)
        assert (await assign(s, board, thao)).authority_id == cadres["XTH002"].id
        for stranger in (cadres["XTH005"], cadres["SNV002"], cadres["XTH006"]):
            with pytest.raises(ReviewError) as refused:
                await assign(s, actor_of(stranger), thao)
            assert refused.value.code == "forbidden"
        with pytest.raises(ReviewError):  # nobody assigns to themselves
            await assign(s, actor_of(thao), thao)
        # Nam, as Ánh's delegate, may accept what Thảo delivers; another evaluator may not
        await rules.deliver(s, actor=actor_of(thao), task_id=task.id,
                            evidence=[{"kind": "link", "url": "https://x.vn"}], note=None,
                            now=NOW, tz=TZ)
        with pytest.raises(ReviewError) as refused:
            await rules.decide(s, KPI, actor=actor_of(cadres["SNV002"]), task_id=task.id,
                               version=task.version, accept=True, reason=None, now=NOW,
                               today=TODAY)
        assert refused.value.code == "forbidden"
        accepted = await rules.decide(s, KPI, actor=nam, task_id=task.id, version=task.version,
                                      accept=True, reason=None, now=NOW, today=TODAY)
        assert accepted.task.status == "accepted" and not accepted.late


async def test_a_cadre_without_evaluator_is_accepted_by_whoever_assigned(db):
    cadres = await province(db)
    async with db.session() as s:
        thao = await s.get(Cadre, cadres["XTH004"].id)
        thao.evaluator_id = None
        board = actor_of(cadres["BTC002"], Role.BOARD)
        assert (await assign(s, board, thao)).authority_id == cadres["BTC002"].id


async def test_refusals(db):
    cadres = await province(db)
    async with db.session() as s:
        thao = await s.get(Cadre, cadres["XTH004"].id)
        anh = actor_of(cadres["XTH002"])
        with pytest.raises(ReviewError) as refused:
            await assign(s, anh, thao, deadline=TODAY - timedelta(days=1))
        assert refused.value.code == "task_deadline_past"
        task = await assign(s, anh, thao)
        with pytest.raises(ReviewError) as refused:  # delivered without evidence
            await rules.deliver(s, actor=actor_of(thao), task_id=task.id, evidence=[],
                                note=None, now=NOW, tz=TZ)
        assert refused.value.code == "task_evidence"
        with pytest.raises(ReviewError) as refused:  # nothing delivered to decide on
            await rules.decide(s, KPI, actor=anh, task_id=task.id, version=task.version,
                               accept=True, reason=None, now=NOW, today=TODAY)
        assert refused.value.code == "task_decided"
        await rules.deliver(s, actor=actor_of(thao), task_id=task.id,
                            evidence=[{"kind": "link", "url": "https://x.vn"}], note=None,
                            now=NOW, tz=TZ)
        with pytest.raises(ReviewError) as refused:  # a return needs a reason
            await rules.decide(s, KPI, actor=anh, task_id=task.id, version=task.version,
                               accept=False, reason="?", now=NOW, today=TODAY)
        assert refused.value.code == "reason_required"
        with pytest.raises(ReviewError) as refused:  # the deadline has passed
            await rules.extend(s, KPI, actor=anh, task_id=task.id, deadline=date(2026, 12, 4),
                               now=NOW, today=date(2026, 11, 30))
        assert refused.value.code == "task_deadline_passed"


async def test_a_locked_period_keeps_its_figures(db):
    cadres = await province(db)
    async with db.session() as s:
        thao = await s.get(Cadre, cadres["XTH004"].id)
        november = await period_rules.ensure_period(s, PeriodType.MONTH, 2026, 11,
                                                    KPI.calendar, POLICY.calendar)
        sheet = await KPI.sheet(s, thao, november)
        line = next(line for line in sheet.lines if line.product.code == "MC01")
        line.entry.quantity_done = 125.0
        november.status = "locked"
        await assign(s, actor_of(cadres["XTH002"]), thao)
        entry = await s.get(Entry, line.entry.id)
        assert (entry.quantity_done, entry.failed_reviews) == (125.0, 0)
