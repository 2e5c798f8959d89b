"""The demo province (examples/*.xlsx) loaded through the normal import code, for the
sandbox and the tests; a few of its people are pre-linked to sandbox Telegram accounts (in
the sandbox, everyone: `link_everyone`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.resources import data_dir
from bot.services.imports.apply import (
    import_catalogue,
    import_roster,
    import_training,
    import_units,
)
from models import Cadre, RoleGrant

EXAMPLES = data_dir("examples")
FILES = [
    (import_units, "don_vi.xlsx"),
    (import_catalogue, "danh_muc_san_pham.xlsx"),
    (import_roster, "danh_sach_can_bo.xlsx"),
    (import_training, "yeu_cau_boi_duong.xlsx"),
]
BOARD_CODE = "BTC002"
# Someone in the roster whose Telegram is not linked yet: the sandbox's `--as new` (onboarding).
NEW_USER_CODE = "XTH003"
NEW_USER_TELEGRAM_ID = 700_000_099
OTHER_IDS_FROM = 700_100_000  # everyone else's sandbox Telegram id: this + their cadre id


@dataclass(frozen=True)
class DemoIdentity:
    """A Telegram account pre-linked in the sandbox."""

    role: str
    cadre_code: str
    telegram_user_id: int


DEMO_IDENTITIES = {
    "cadre": DemoIdentity("cadre", "XTH004", 700_000_001),
    "supervisor": DemoIdentity("supervisor", "XTH002", 700_000_002),
    "board": DemoIdentity("board", BOARD_CODE, 700_000_003),
}


async def load_demo_province(session: AsyncSession, now: datetime, link: bool = True) -> bool:
    """Import the example files once; returns False when the province is already there."""
    if await session.scalar(select(Cadre.id).where(Cadre.code == BOARD_CODE)) is not None:
        return False
    for importer, name in FILES:
        report = await importer(session, EXAMPLES / name, now=now)
        if not report.ok:
            raise RuntimeError(f"{name}: {[str(p) for p in report.problems]}")
    board = await session.scalar(select(Cadre).where(Cadre.code == BOARD_CODE))
    session.add(RoleGrant(cadre_id=board.id, role="board", granted_at=now, granted_by="demo"))
    if link:
        for identity in DEMO_IDENTITIES.values():
            cadre = await session.scalar(select(Cadre).where(Cadre.code == identity.cadre_code))
            cadre.telegram_user_id = identity.telegram_user_id
            cadre.telegram_chat_id = identity.telegram_user_id
            cadre.linked_at = now
    await session.flush()
    return True


def roster_phone(code: str) -> str | None:
    """The phone of a demo cadre, as the roster file writes it, normalised."""
    from openpyxl import load_workbook

    from bot.phones import normalize_phone

    sheet = load_workbook(EXAMPLES / "danh_sach_can_bo.xlsx", read_only=True).worksheets[0]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == code:
            return normalize_phone(row[4])
    return None


@dataclass(frozen=True)
class DemoPerson:
    """Someone of the demo province with a chat in the sandbox."""

    code: str
    full_name: str
    title: str
    roles: tuple[str, ...]  # "board", "supervisor" (evaluates someone); empty: a cadre
    telegram_user_id: int
    phone: str | None
    linked: bool


async def link_everyone(session: AsyncSession, now: datetime) -> list[DemoPerson]:
    """Link every active person of the demo province to a sandbox Telegram account, except
    the one kept for onboarding (linked only once they have shared their phone), so messages
    to anyone (approvals, broadcasts) reach a chat. Idempotent; in roster code order."""
    fixed = {identity.cadre_code: identity.telegram_user_id
             for identity in DEMO_IDENTITIES.values()}
    cadres = list(await session.scalars(select(Cadre).where(Cadre.active.is_(True))
                                        .order_by(Cadre.code)))
    wanted = {c.id: fixed.get(c.code, OTHER_IDS_FROM + c.id) for c in cadres
              if c.code != NEW_USER_CODE}
    # an invite in an earlier run may have moved an account: free the ids first
    await session.execute(update(Cadre).where(Cadre.code != NEW_USER_CODE)
                          .values(telegram_user_id=None, telegram_chat_id=None))
    await session.flush()
    for cadre in cadres:
        if cadre.id in wanted:
            cadre.telegram_user_id = cadre.telegram_chat_id = wanted[cadre.id]
            cadre.linked_at = cadre.linked_at or now
            cadre.reachable = True
    await session.flush()
    boards = set(await session.scalars(select(RoleGrant.cadre_id).where(RoleGrant.role == "board")))
    evaluators = set(await session.scalars(select(Cadre.evaluator_id).where(
        Cadre.active.is_(True), Cadre.evaluator_id.is_not(None))))
    people = []
    for cadre in cadres:
        roles = tuple(role for role, holds in (("board", cadre.id in boards),
                                               ("supervisor", cadre.id in evaluators)) if holds)
        new = cadre.code == NEW_USER_CODE
        people.append(DemoPerson(
            cadre.code, cadre.full_name, cadre.title or "", roles,
            (cadre.telegram_user_id or NEW_USER_TELEGRAM_ID) if new else wanted[cadre.id],
            cadre.phone, cadre.telegram_user_id is not None))
    return people
