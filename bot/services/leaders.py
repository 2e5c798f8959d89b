"""A leader's d (Decree 335, LAW L5): the results of the civil servants under their
management — 100% when every one is at "Hoàn thành nhiệm vụ" or above, 50% when any is
"Không hoàn thành" — and whether it can be known yet.

Who is "under their management": a deputy assigned units or fields (leader_scopes, from
the roster's "Đơn vị phụ trách") counts the civil servants of those units, sub-units
included; any other leader counts everyone in their own unit and its sub-units, except
themselves and the person who evaluates them. Only the people who report on the same kind
of period (month or quarter) count for that period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import vietnamese_name_key
from bot.policy import ScoringPolicy
from bot.services.scoring import unit_result
from bot.services.units import UnitTree
from models import Cadre, Evaluation, LeaderScope, Period
from models.enums import Band


@dataclass(frozen=True)
class UnitResult:
    """d, or None while some of those managed are not yet evaluated (and nobody failed)."""

    value: float | None
    managed: int
    evaluated: int
    failed: int
    pending_names: list[str] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.managed - self.evaluated

    @property
    def known(self) -> bool:
        return self.value is not None


async def scope_units(session: AsyncSession, tree: UnitTree, leader: Cadre) -> set[int]:
    assigned = list(await session.scalars(select(LeaderScope.unit_id).where(
        LeaderScope.cadre_id == leader.id)))
    roots = assigned or ([leader.unit_id] if leader.unit_id is not None else [])
    units: set[int] = set()
    for uid in roots:
        if uid in tree.units:
            units |= tree.subtree(uid)
    return units


async def managed_cadres(session: AsyncSession, leader: Cadre, period_kind: str) -> list[Cadre]:
    tree = await UnitTree.load(session)
    units = await scope_units(session, tree, leader)
    if not units:
        return []
    people = await session.scalars(select(Cadre).where(
        Cadre.active.is_(True), Cadre.unit_id.in_(units), Cadre.id != leader.id))
    return [c for c in people if c.id != leader.evaluator_id
            and tree.period_kind_of(c.unit_id) == period_kind]


async def unit_result_of(session: AsyncSession, leader: Cadre, period: Period,
                         policy: ScoringPolicy) -> UnitResult:
    managed = await managed_cadres(session, leader, period.kind)
    if not managed:  # nobody under the leader's management: the condition holds
        return UnitResult(policy.unit_result_all_done, 0, 0, 0)
    bands = dict((await session.execute(select(Evaluation.cadre_id, Evaluation.band).where(
        Evaluation.period_id == period.id, Evaluation.status == "rated",
        Evaluation.cadre_id.in_([c.id for c in managed])))).all())
    rated = [Band(b) for b in bands.values() if b]
    failed = sum(b == Band.FAILED for b in rated)
    pending = sorted((c.full_name for c in managed if not bands.get(c.id)),
                     key=vietnamese_name_key)
    if failed:  # one "Không hoàn thành" settles d whatever the others get
        value: float | None = policy.unit_result_any_failed
    elif pending:
        value = None
    else:
        value = unit_result(rated, policy)
    return UnitResult(value, len(managed), len(rated), failed, pending)
