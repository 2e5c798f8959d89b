"""Spreadsheets the board sends to the bot: which list it is, the dry run, and the apply —
once, by one person, all or nothing, through the same importers as `cadrebot import`
(bot/services/imports/apply.py `IMPORTERS`: the same validation and the same rules).

The life of a file (a `ChatImport` row, keyed by its id in the buttons):
  received -> the bytes are stored with the sender; the kind is read from the headers (or
              asked: `kind` stays None) and the importer runs with dry_run=True (read-only)
  pending  -> "✅ Áp dụng" (or "the valid rows only", the CLI's --skip-invalid) runs the
              importer for real in the tap's one transaction: all or nothing;
              "✖️ Hủy" cancels
  applied / cancelled: final. The step out of `pending` is a conditional UPDATE (as
              bot/services/review.py::decide): a second tap, from the same or another
              device, finds no pending row and is told who decided it and when.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.policy import FilesPolicy
from bot.services import audit
from bot.services.identity import Actor
from bot.services.imports import feedback, schemas
from bot.services.imports.apply import IMPORTERS as LIST_IMPORTERS
from bot.services.imports.apply import Report
from bot.services.imports.cells import fold
from bot.services.imports.reading import FileProblem, read_table
from models import AuditLog, Cadre, ChatImport

# The lists a file may be, in the order the question offers them: a short code for the
# buttons, the importer's key, what the headers must hold, and the list's name.
# A new importer in IMPORTERS gets a line here.


@dataclass(frozen=True)
class Kind:
    code: str  # in the buttons' data
    key: str  # in IMPORTERS
    columns: list
    label: str  # msgid


KINDS = [
    Kind("u", "units", schemas.UNIT_COLUMNS, N_("units")),
    Kind("c", "catalogue", schemas.CATALOGUE_COLUMNS, N_("work-product catalogue")),
    Kind("r", "roster", schemas.ROSTER_COLUMNS, N_("roster of cadres")),
    Kind("t", "training", schemas.TRAINING_COLUMNS, N_("training requirements")),
    Kind("p", "ratings", schemas.PAST_RATING_COLUMNS, N_("past annual ratings")),
    Kind("a", "agency_ratings", schemas.AGENCY_RATING_COLUMNS, N_("agencies' annual ratings")),
    Kind("s", "satisfaction", feedback.SATISFACTION_COLUMNS, N_("satisfaction rates")),
    Kind("f", "feedback", feedback.FEEDBACK_COLUMNS, N_("feedback records")),
]
IMPORTERS = {**LIST_IMPORTERS, **feedback.IMPORTERS}
BY_CODE = {k.code: k for k in KINDS}
BY_KEY = {k.key: k for k in KINDS}

# What the reader opens (bot/services/imports/reading.py decides what it can read: a file
# of a type it does not know gets its own one-line answer).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
SPREADSHEET_MIME = ("application/vnd.openxmlformats-officedocument.spreadsheetml",
                    "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet",
                    "text/csv")


class ChatImportError(Exception):
    """A refused step; `code` says why: "forbidden" (not the board), "not_found", "decided"
    (applied or cancelled already: `at`, `by`, `status`), "too_large", "too_many_rows"."""

    def __init__(self, code: str, **details) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class ReceivedFile:
    """A document as the message carried it, and its bytes once downloaded."""

    file_name: str
    file_unique_id: str
    content: bytes


@dataclass(frozen=True)
class Checked:
    """The dry run of a file as a list of `kind`: what applying it would do."""

    import_id: int
    file_name: str
    kind: Kind
    report: Report


@dataclass(frozen=True)
class Ambiguous:
    """The headers do not say which list it is: the board is asked (`kinds`: the candidates,
    every kind when none matched)."""

    import_id: int
    file_name: str
    kinds: list[Kind]


@dataclass(frozen=True)
class Unreadable:
    """The file as a whole cannot be read: the reader's one line."""

    file_name: str
    reason: str


@dataclass(frozen=True)
class Applied:
    import_id: int
    file_name: str
    kind: Kind
    report: Report  # report.written: False when rows have problems now (nothing written)


@dataclass(frozen=True)
class Cancelled:
    import_id: int
    file_name: str


def authorise(actor: Actor | None) -> Actor:
    if actor is None or not actor.is_board:
        raise ChatImportError("forbidden")
    return actor


def is_spreadsheet(file_name: str | None, mime_type: str | None) -> bool:
    name = (file_name or "").lower()
    if name.endswith(SPREADSHEET_SUFFIXES):
        return True
    return not name and (mime_type or "").startswith(SPREADSHEET_MIME)


def suffix_of(file_name: str) -> str:
    suffix = Path(file_name.lower()).suffix
    return suffix if suffix in SPREADSHEET_SUFFIXES else ".xlsx"


def check_size(size: int | None, limits: FilesPolicy) -> None:
    """Refused before the download when Telegram declares the size, after it otherwise."""
    if size is not None and size > limits.max_import_bytes:
        raise ChatImportError("too_large", limit=limits.max_import_bytes)


@contextmanager
def _on_disk(file_name: str, content: bytes) -> Iterator[Path]:
    """The importers read a path: the bytes in a private temporary file, removed after."""
    with tempfile.TemporaryDirectory(prefix="cadrebot-import-") as folder:
        path = Path(folder) / ("tep" + suffix_of(file_name))
        path.write_bytes(content)
        yield path


class _TooManyRows(Exception):
    pass


def _row_counter(limit: int):
    seen = [0]

    def progress(count: int) -> None:
        seen[0] += count
        if seen[0] > limit:
            raise _TooManyRows

    return progress


def detect(path: Path) -> list[Kind]:
    """The kinds whose required columns the header row holds (matched as the reader matches
    them: no case, no diacritics). The file is opened once: asked for no column, the reader
    returns every header as unknown. Raises FileProblem when the file cannot be read."""
    headers = {fold(name) for name in read_table(path, []).unknown}
    return [kind for kind in KINDS
            if all(headers & {fold(name) for name in (column.header, *column.aliases)}
                   for column in kind.columns if column.required)]


async def _dry_run(session: AsyncSession, path: Path, kind: Kind, now: datetime,
                   limits: FilesPolicy) -> Report:
    try:
        # skip_invalid: the counts are what the valid rows would do, next to every problem
        return await IMPORTERS[kind.key](session, path, now=now, dry_run=True,
                                         skip_invalid=True,
                                         progress=_row_counter(limits.max_import_rows))
    except _TooManyRows:
        raise ChatImportError("too_many_rows", limit=limits.max_import_rows) from None


def summary_of(report: Report) -> dict:
    return {"created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "deactivated": report.deactivated,
            "rejected": report.rejected, "problems": len(report.problems)}


async def receive(session: AsyncSession, *, actor: Actor | None, chat_id: int,
                  file: ReceivedFile, now: datetime, limits: FilesPolicy
                  ) -> Checked | Ambiguous | Unreadable:
    """A spreadsheet the board sent: stored, its kind read from the headers, checked (the
    importer's dry run: nothing written but the pending row)."""
    actor = authorise(actor)
    check_size(len(file.content), limits)
    with _on_disk(file.file_name, file.content) as path:
        try:
            kinds = detect(path)
            kind = kinds[0] if len(kinds) == 1 else None
            report = await _dry_run(session, path, kind, now, limits) if kind else None
        except FileProblem as problem:
            return Unreadable(file.file_name, str(problem))
    row = ChatImport(cadre_id=actor.cadre_id, chat_id=chat_id,
                     file_unique_id=file.file_unique_id, file_name=file.file_name[:255],
                     sha256=hashlib.sha256(file.content).hexdigest(), size=len(file.content),
                     content=file.content, kind=kind.key if kind else None, status="pending",
                     summary=summary_of(report) if report else None, created_at=now)
    session.add(row)
    await session.flush()
    if kind is None:
        return Ambiguous(row.id, row.file_name, kinds or list(KINDS))
    return Checked(row.id, row.file_name, kind, report)


async def _pending(session: AsyncSession, import_id: int) -> ChatImport:
    row = await session.get(ChatImport, import_id)
    if row is None:
        raise ChatImportError("not_found")
    if row.status != "pending":
        raise await _decided(session, row)
    return row


async def _decided(session: AsyncSession, row: ChatImport) -> ChatImportError:
    by = await session.get(Cadre, row.decided_by_id) if row.decided_by_id else None
    return ChatImportError("decided", status=row.status, at=row.decided_at,
                           by=by.full_name if by else None)


async def choose_kind(session: AsyncSession, *, actor: Actor | None, import_id: int,
                      code: str, now: datetime, limits: FilesPolicy) -> Checked | Unreadable:
    """The board said which list the file is: its dry run as that list."""
    authorise(actor)
    kind = BY_CODE.get(code)
    if kind is None:
        raise ChatImportError("not_found")
    row = await _pending(session, import_id)
    with _on_disk(row.file_name, row.content) as path:
        try:
            report = await _dry_run(session, path, kind, now, limits)
        except FileProblem as problem:
            return Unreadable(row.file_name, str(problem))
    row.kind, row.summary = kind.key, summary_of(report)
    return Checked(row.id, row.file_name, kind, report)


async def _decide(session: AsyncSession, row: ChatImport, status: str, actor: Actor,
                  now: datetime) -> None:
    """pending -> `status`, only if still pending: the WHERE clause is the guarantee that a
    file is applied (or cancelled) once, whatever taps the same button again."""
    result = await session.execute(
        update(ChatImport)
        .where(and_(ChatImport.id == row.id, ChatImport.status == "pending",
                    ChatImport.kind.is_not(None)))
        .values(status=status, decided_at=now, decided_by_id=actor.cadre_id, content=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        await session.refresh(row)
        raise await _decided(session, row)


async def apply(session: AsyncSession, *, actor: Actor | None, import_id: int,
                skip_invalid: bool, now: datetime) -> Applied:
    """Apply a checked file: the importer for real, in this one transaction (all or nothing,
    or the valid rows only with `skip_invalid`, as the CLI's --skip-invalid). When rows have
    problems now (the database changed since the check), nothing is written and the file
    stays pending."""
    actor = authorise(actor)
    row = await _pending(session, import_id)
    if row.kind is None:
        raise ChatImportError("not_found")
    content, kind = row.content, BY_KEY[row.kind]
    await _decide(session, row, "applied", actor, now)
    with _on_disk(row.file_name, content) as path:
        try:
            report = await IMPORTERS[kind.key](session, path, now=now,
                                               skip_invalid=skip_invalid)
        except FileProblem as problem:  # it was read at the check: a changed reader
            raise ChatImportError("unreadable", reason=str(problem)) from None
    if not report.written:
        await session.execute(update(ChatImport).where(ChatImport.id == row.id).values(
            status="pending", decided_at=None, decided_by_id=None, content=content))
        return Applied(row.id, row.file_name, kind, report)
    # the importer writes its audit rows as "import" at `now`: they name who applied it
    await session.execute(
        update(AuditLog)
        .where(and_(AuditLog.at == now, AuditLog.actor_label == "import",
                    AuditLog.actor_id.is_(None)))
        .values(actor_id=actor.cadre_id)
        .execution_options(synchronize_session=False))
    audit.record(session, at=now, action="import_apply", object_type="chat_import",
                 object_id=row.id, actor_id=actor.cadre_id,
                 after={"kind": kind.key, "file": row.file_name, "sha256": row.sha256,
                        "skip_invalid": skip_invalid, **summary_of(report)})
    return Applied(row.id, row.file_name, kind, report)


async def cancel(session: AsyncSession, *, actor: Actor | None, import_id: int,
                 now: datetime) -> Cancelled:
    actor = authorise(actor)
    row = await session.get(ChatImport, import_id)
    if row is None:
        raise ChatImportError("not_found")
    if row.status != "pending":
        raise await _decided(session, row)
    result = await session.execute(
        update(ChatImport).where(and_(ChatImport.id == row.id, ChatImport.status == "pending"))
        .values(status="cancelled", decided_at=now, decided_by_id=actor.cadre_id, content=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        await session.refresh(row)
        raise await _decided(session, row)
    return Cancelled(row.id, row.file_name)
