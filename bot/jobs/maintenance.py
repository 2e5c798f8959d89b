"""Database upkeep run by the scheduler's leader (a duty of bot/jobs/leadership.py): SQLite's
planner statistics refreshed every few hours, as the waiting entries and the roster change
(bot/db.py: refresh_statistics)."""

from __future__ import annotations

import time

from telegram.ext import Application

from bot.db import refresh_statistics

STATISTICS_EVERY_SECONDS = 6 * 3600
LAST = "statistics_refreshed"  # monotonic time of the last refresh in this process


async def statistics(app: Application, _holder: str) -> None:
    last = app.bot_data.get(LAST)
    if last is not None and time.monotonic() - last < STATISTICS_EVERY_SECONDS:
        return
    await refresh_statistics(app.bot_data["services"].db)
    app.bot_data[LAST] = time.monotonic()
