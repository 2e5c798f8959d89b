"""TEMPORARY (issue #21, removed at merge): the old import path of handlers/notices.py,
which another helper is converting. The outbox worker is bot.jobs.outbox; what it sends is
rendered by handlers/screens/outbox.py. The lead switches handlers/notices.py to those and
deletes this file (tests/test_import_cycles.py allows it by name until then)."""

from __future__ import annotations

from bot.jobs.outbox import deliver as _deliver
from handlers.screens.outbox import ack_markup, notice_text, progress_text

__all__ = ["ack_markup", "deliver", "progress_text"]


async def deliver(bot, notice, chat_id: int, markup) -> int:
    return await _deliver(bot, notice, chat_id, notice_text(notice), markup)
