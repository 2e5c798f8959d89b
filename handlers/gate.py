"""First stop of every update: private chats only, who is this, unlinked -> onboarding."""

from __future__ import annotations

import logging
import re
import time
from collections import deque

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.i18n import _
from bot.services import flows, identity
from handlers.common import stop_on_error
from handlers.onboarding import handle_unlinked

log = logging.getLogger(__name__)

GATE_GROUP = -100


class FloodControl:
    """Per-person sliding window (per process: enough to stop one person hammering);
    updates past the limit are dropped with one polite notice per window."""

    def __init__(self, max_updates: int, window: float = 3.0) -> None:
        self.max_updates = max_updates
        self.window = window
        self.seen: dict[int, deque[float]] = {}
        self.warned: dict[int, float] = {}

    def allow(self, user_id: int, now: float) -> tuple[bool, bool]:
        """(allowed, warn now)"""
        times = self.seen.setdefault(user_id, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= self.max_updates:
            warn = now - self.warned.get(user_id, -1e9) > self.window
            if warn:
                self.warned[user_id] = now
            return False, warn
        times.append(now)
        return True, False


async def _leave_non_private(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if update.message is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        try:
            await context.bot.send_message(
                chat.id,
                _("Trợ lý Cán bộ works only in private chats. Please message the bot directly."),
            )
        except TelegramError:
            pass
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError:
        log.info("could not leave chat %s", chat.id)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control_characters(update: Update) -> None:
    """Typed text reaches every handler without control characters (\x00, \x07, …): they
    mean nothing to a person and would break every export of what is stored."""
    message = update.effective_message
    if message is None:
        return
    for field in ("text", "caption"):
        value = getattr(message, field, None)
        if value and CONTROL.search(value):
            with message._unfrozen():  # PTB's own way to amend a received object
                setattr(message, field, CONTROL.sub("", value))


async def gate(update: Update, context: BotContext) -> None:
    strip_control_characters(update)
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        member = update.my_chat_member
        if member is None or member.new_chat_member.status in ("member", "administrator"):
            await _leave_non_private(update, context)
        raise ApplicationHandlerStop
    if chat is None or user is None:  # inline queries, polls, …: not ours
        raise ApplicationHandlerStop
    flood: FloodControl = context.application.bot_data["flood"]
    allowed, warn = flood.allow(user.id, time.monotonic())
    if not allowed:
        if warn:
            try:
                await context.bot.send_message(chat.id, _(
                    "You are sending messages very fast. Please wait a moment, then continue."))
            except TelegramError:
                pass
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError:
                pass
        raise ApplicationHandlerStop
    if update.my_chat_member is not None:  # the user blocked/unblocked the bot
        raise ApplicationHandlerStop
    # The update's transaction begins here and stays open for the feature handler's service
    # call (one transaction per update); nothing is sent while it is open.
    session = await context.begin_update()
    sender = await identity.sender(session, user.id, chat.id, context.clock.now(),
                                   today=context.today)
    context.actor = sender.actor
    if context.actor is not None and update.message is not None:
        context.flow = flows.as_flow(sender.flow)
    if context.actor is None:
        await handle_unlinked(update, context)  # links in this same transaction


def register(app: Application) -> None:
    settings = app.bot_data["services"].settings
    app.bot_data["flood"] = FloodControl(settings.flood_max_updates)
    app.add_handler(TypeHandler(Update, stop_on_error(gate, begins_update=True)),
                    group=GATE_GROUP)
