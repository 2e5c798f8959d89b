"""Typed PTB context: the app's services and the actor behind the current update."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.policy import Policy, load_policy
from bot.services.annual import AnnualService
from bot.services.calendar import WorkCalendar
from bot.services.flows import Flow
from bot.services.identity import Actor
from bot.services.kpi import KpiService
from bot.services.rating import RatingService


@dataclass
class AppServices:
    settings: Settings
    db: Database
    clock: Clock
    policy: Policy
    calendar: WorkCalendar
    kpi: KpiService
    rating: RatingService
    annual: AnnualService

    @classmethod
    def create(cls, settings: Settings, db: Database, clock: Clock) -> AppServices:
        policy = load_policy(settings.policy_file)
        calendar = WorkCalendar(policy.calendar)
        kpi = KpiService(policy, calendar)
        return cls(settings, db, clock, policy, calendar, kpi, RatingService(kpi),
                   AnnualService(policy, calendar))


# The transactions still open in the update being handled (set by the update processor for
# each update, so one left open by a handler that raised or by an update nobody handled is
# closed when the update ends: see `end_of_update`).
_OPEN: contextvars.ContextVar[list | None] = contextvars.ContextVar("open_transactions",
                                                                   default=None)


class UpdateTransaction:
    """The update's one transaction: begun by the gate's read (who is this, which flow is
    the chat in) and joined by the feature handler's service call; it ends — committed —
    before anything is sent, so no session is held across a Telegram call."""

    def __init__(self, context: BotContext) -> None:
        self._context = context
        self._manager = None
        self.session: AsyncSession | None = None
        self.blocks = 0  # `context.transaction()` blocks running now

    async def open(self) -> AsyncSession:
        if self.session is None:
            self._manager = self._context.db.session()
            self.session = await self._manager.__aenter__()
            holder = _OPEN.get()
            if holder is not None:
                holder.append(self)
        return self.session

    async def close(self, error: BaseException | None = None) -> None:
        """Commit (or, with `error`, roll back) and release the connection."""
        manager, self._manager, self.session = self._manager, None, None
        if manager is None:
            return
        holder = _OPEN.get()
        if holder is not None and self in holder:
            holder.remove(self)
        if error is None:
            await manager.__aexit__(None, None, None)
        else:
            await manager.__aexit__(type(error), error, error.__traceback__)


async def release_before_telegram() -> bool:
    """Called before every Bot API request: the update's transaction, when no
    `context.transaction()` block is running, holds only the gate's read — it is committed
    now, so no connection waits on Telegram. False when a block is running (a message sent
    inside it: a bug the tests refuse; the transaction stays as it is)."""
    holder = _OPEN.get()
    if not holder:
        return True
    clean = True
    for left in list(holder):
        if left.blocks:
            clean = False
        else:
            await left.close()
    return clean


def transaction_open() -> bool:
    """Whether the update being handled holds its transaction open right now (a Telegram
    call made then would hold a database connection across the network: tests refuse it)."""
    return bool(_OPEN.get())


@asynccontextmanager
async def end_of_update() -> AsyncIterator[None]:
    """Around the handling of one update: whatever transaction is still open at its end is
    rolled back (a handler committed what it meant to keep before sending anything)."""
    holder: list[UpdateTransaction] = []
    token = _OPEN.set(holder)
    try:
        yield
    finally:
        _OPEN.reset(token)
        for left in list(holder):
            await left.close(RuntimeError("left open at the end of the update"))


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Shared by all handler groups of one update, so the gate can set `actor` once."""

    def __init__(self, application: Application, chat_id=None, user_id=None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None
        # The chat's flow as the update began (read with the actor, for typed messages only):
        # a feature handler ends the update, so the flow router sees it unchanged.
        self.flow: Flow | None = None
        self._transaction = UpdateTransaction(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """`async with context.transaction() as session:` — the update's transaction (the one
        the gate began, or a new one), committed when the block ends, rolled back when it
        raises. Send nothing inside the block."""
        session = await self._transaction.open()
        self._transaction.blocks += 1
        try:
            yield session
        except BaseException as error:
            self._transaction.blocks -= 1
            await self._transaction.close(error)
            raise
        self._transaction.blocks -= 1
        await self._transaction.close()

    async def begin_update(self) -> AsyncSession:
        """The gate's read begins the update's transaction and leaves it open for the handler."""
        return await self._transaction.open()

    async def end_transaction(self, error: BaseException | None = None) -> None:
        """Commit what the update's transaction holds (or roll it back on `error`)."""
        await self._transaction.close(error)

    @property
    def services(self) -> AppServices:
        return self.application.bot_data["services"]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def today(self) -> date:
        """Today in the province's time zone."""
        return self.clock.now().astimezone(self.services.settings.tz).date()
