"""The Excel files a person may get in the chat (📈 Tổng hợp → "📂 Tệp Excel"): one table,
`FILES`, of what exists, who may have it, and how it is built (bot/services/exports.py, the
same files as `cadrebot export …`). The board gets the province's; an evaluator gets the
same export limited to the cadres they evaluate. Every tap is authorised again here.

A new export is a line in FILES (and, for the board only, `board_only=True`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.policy import Policy
from bot.services import exports, templates
from bot.services.exports import Export
from bot.services.identity import Actor
from bot.services.periods import period_code
from models import Cadre, Period


class FileError(Exception):
    """A refused file: "forbidden" (not for this person), "nobody" (an evaluator of nobody:
    a delegate, say) or "not_found" (no such file or period)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Request:
    """What a builder gets: the period (for files of a period), whose rows (`evaluator_id`:
    only the cadres that person evaluates; None: the province), and today's date."""

    period: Period | None
    evaluator_id: int | None
    policy: Policy
    tz: ZoneInfo
    today: date


Builder = Callable[[AsyncSession, Request], Awaitable[Export]]


@dataclass(frozen=True)
class ExportFile:
    code: str  # in the buttons' data
    label: str  # msgid of the button; "{period}" for a file of a period
    file_name: str  # "{period}" (2026-11, 2026-Q4, 2026) for a file of a period
    board_only: bool
    per_period: bool
    build: Builder


async def _evaluations(session: AsyncSession, request: Request) -> Export:
    return await exports.evaluations_workbook(session, request.period, request.policy,
                                              request.tz, evaluator_id=request.evaluator_id)


async def _training(session: AsyncSession, request: Request) -> Export:
    """As `cadrebot export training`: the status as of the period's end (today, while the
    period runs)."""
    as_of = min(request.today, request.period.ends_on)
    return await exports.training_workbook(session, request.period.year, as_of,
                                           evaluator_id=request.evaluator_id)


async def _notices(session: AsyncSession, request: Request) -> Export:
    return await exports.notices_workbook(session, request.tz)


async def _template(kind: str, session: AsyncSession, request: Request) -> Export:
    return Export(templates.template_workbook(kind), 0)


FILES = [
    ExportFile("ev", N_("📊 Evaluations of {period}"), "danh_gia_{period}.xlsx",
               board_only=False, per_period=True, build=_evaluations),
    ExportFile("tr", N_("📚 Training status of {period}"), "boi_duong_{period}.xlsx",
               board_only=False, per_period=True, build=_training),
    ExportFile("nt", N_("🔔 Notices and their statistics"), "thong_bao.xlsx",
               board_only=True, per_period=False, build=_notices),
    # the import templates (`cadrebot template …`): the board fills them and sends them back
    ExportFile("mr", N_("📄 Template: roster"), "mau_can_bo.xlsx",
               board_only=True, per_period=False, build=partial(_template, "roster")),
    ExportFile("mu", N_("📄 Template: units"), "mau_don_vi.xlsx",
               board_only=True, per_period=False, build=partial(_template, "units")),
    ExportFile("mc", N_("📄 Template: catalogue"), "mau_danh_muc_san_pham.xlsx",
               board_only=True, per_period=False, build=partial(_template, "catalogue")),
    ExportFile("mt", N_("📄 Template: training requirements"), "mau_yeu_cau_boi_duong.xlsx",
               board_only=True, per_period=False, build=partial(_template, "training")),
]
BY_CODE = {f.code: f for f in FILES}


def files_for(actor: Actor | None) -> list[ExportFile]:
    """The files `actor` may get: the board all, an evaluator those of their own team."""
    if actor is None or not actor.is_supervisor:
        return []
    return [f for f in FILES if actor.is_board or not f.board_only]


@dataclass(frozen=True)
class Offer:
    files: list[ExportFile]
    period: Period
    team_only: bool


async def offer(session: AsyncSession, *, actor: Actor | None, period_id: int) -> Offer:
    """"📂 Tệp Excel" under a period's digest: the files this person may get."""
    files = files_for(actor)
    if not files:
        raise FileError("forbidden")
    period = await session.get(Period, period_id)
    if period is None:
        raise FileError("not_found")
    if not actor.is_board and not await team_of(session, actor):
        raise FileError("nobody")
    return Offer(files, period, not actor.is_board)


@dataclass(frozen=True)
class BuiltFile:
    export: ExportFile
    period: Period | None
    name: str
    content: bytes
    rows: int
    team_only: bool  # an evaluator's own team, not the province


async def team_of(session: AsyncSession, actor: Actor) -> set[int]:
    """The cadres an evaluator evaluates (as their digest counts them)."""
    return set(await session.scalars(select(Cadre.id).where(
        Cadre.evaluator_id == actor.cadre_id, Cadre.active.is_(True))))


async def build_file(session: AsyncSession, *, actor: Actor | None, code: str,
                     period_id: int | None, policy: Policy, tz: ZoneInfo,
                     today: date) -> BuiltFile:
    """The file `code` (of the period `period_id` when it is one), as `actor` may have it."""
    export = BY_CODE.get(code)
    if export is None:
        raise FileError("not_found")
    if export not in files_for(actor):
        raise FileError("forbidden")
    period = None
    if export.per_period:
        period = await session.get(Period, period_id) if period_id else None
        if period is None:
            raise FileError("not_found")
    team_only = not actor.is_board
    if team_only and not await team_of(session, actor):
        raise FileError("nobody")
    name = export.file_name.format(period=period_code(period)) if period else export.file_name
    built = await export.build(session, Request(period, actor.cadre_id if team_only else None,
                                                policy, tz, today))
    return BuiltFile(export, period, name, built.content, built.rows, team_only)
