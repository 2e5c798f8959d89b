"""The demo province (examples/*.xlsx) loaded through the normal import code, for the
sandbox and the tests; a few of its people are pre-linked to sandbox Telegram accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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
