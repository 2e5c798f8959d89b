"""The unit tree, loaded once per use case: ancestors, sub-units, the agency a unit belongs
to (the annual rating and its cap are counted per agency), the level (province or commune).

A province has a few thousand units at most, so the whole tree fits in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OrgUnit

MAX_DEPTH = 50  # a unit tree is a handful of levels; this only stops a cycle


@dataclass
class UnitTree:
    units: dict[int, OrgUnit]
    children: dict[int | None, list[int]]
    # answers remembered per unit (a tree is loaded once per use case and not changed after)
    _chains: dict[int | None, tuple[int, ...]] = field(default_factory=dict, repr=False)
    _memo: dict[tuple, object] = field(default_factory=dict, repr=False)

    @classmethod
    async def load(cls, session: AsyncSession) -> UnitTree:
        key = "unit_tree"
        if key not in session.info:
            units = {u.id: u for u in await session.scalars(select(OrgUnit))}
            children: dict[int | None, list[int]] = defaultdict(list)
            for unit in units.values():
                children[unit.parent_id if unit.parent_id in units else None].append(unit.id)
            session.info[key] = cls(units, children)
        return session.info[key]

    def chain(self, unit_id: int | None) -> tuple[int, ...]:
        """The unit and its ancestors, nearest first (remembered per unit: the province-wide
        views ask it for every person)."""
        found = self._chains.get(unit_id)
        if found is None:
            result: list[int] = []
            current = unit_id
            while current is not None and current in self.units and len(result) < MAX_DEPTH \
                    and current not in result:
                result.append(current)
                current = self.units[current].parent_id
            found = self._chains[unit_id] = tuple(result)
        return found

    def subtree(self, unit_id: int) -> set[int]:
        """The unit and every unit under it."""
        found, todo = set(), [unit_id]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            todo.extend(self.children.get(current, []))
        return found

    def agency_of(self, unit_id: int | None) -> int | None:
        """The agency (cơ quan, đơn vị) a unit belongs to: the nearest unit marked as one in
        the units file; when none is marked, the top unit under the province (a sở, a
        commune); the province itself for units directly in it."""
        chain = self.chain(unit_id)
        if not chain:
            return None
        for uid in chain:
            if self.units[uid].is_agency:
                return uid
        if len(chain) == 1:
            return chain[0]
        return chain[-2]  # the child of the root

    def level_of(self, unit_id: int | None) -> str | None:
        """"tinh" or "xa": the unit's own level."""
        unit = self.units.get(unit_id) if unit_id is not None else None
        return unit.level if unit is not None else None

    def commune_of(self, unit_id: int | None) -> int | None:
        """The commune or ward a unit is part of (the top unit at level "xa" in its chain)."""
        key = ("commune", unit_id)
        if key not in self._memo:
            communes = [uid for uid in self.chain(unit_id) if self.units[uid].level == "xa"]
            self._memo[key] = communes[-1] if communes else None
        return self._memo[key]

    def period_kind_of(self, unit_id: int | None) -> str:
        """"month" or "quarter", inherited up the tree (month at the root)."""
        key = ("kind", unit_id)
        if key not in self._memo:
            self._memo[key] = next((self.units[uid].period_type for uid in self.chain(unit_id)
                                    if self.units[uid].period_type), "month")
        return self._memo[key]

    def agencies(self) -> list[int]:
        """Every agency that has units in it, by name."""
        found = {self.agency_of(uid) for uid in self.units}
        found.discard(None)
        return sorted(found, key=lambda uid: self.units[uid].name)
