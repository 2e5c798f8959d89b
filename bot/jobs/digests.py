"""The scheduled digests: Monday mornings and the working day after a submission deadline,
every linked evaluator and board member gets their digest once. Drawn by worker processes
with the screens the composition root hands over (handlers/screens/digest.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import aclosing
from datetime import date, time

from telegram import InlineKeyboardMarkup, InputFile
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.jobs import leadership
from bot.services import digests, reminders
from models import Period

# A digest is sent as messages of (text, chart PNG or None, the chart's file name).
Part = tuple[str, bytes | None, str]
# period, the evaluator's digest, the board's overview -> the parts; a module-level function
# (it is sent to the worker processes)
Render = Callable[[Period, digests.Digest | None, digests.BoardDigest | None], list[Part]]
Keyboard = Callable[[Period, bool], InlineKeyboardMarkup]  # period, with the board's buttons

RENDER_WORKERS = 2  # processes drawing the scheduled digests' charts (the machine's cores)
RENDER_AHEAD = 8  # digests drawn ahead of the one being sent


async def send_parts(bot, chat: int, parts: list[Part], markup: InlineKeyboardMarkup) -> bool:
    """Send a rendered digest (each chart before its text); False when there is nothing."""
    for text, png, name in parts:
        if png:
            await bot.send_photo(chat, InputFile(png, name))
        await bot.send_message(chat, text, parse_mode="HTML", reply_markup=markup)
    return bool(parts)


async def render_stream(items: list[tuple], render: Render, workers: int = RENDER_WORKERS
                        ) -> AsyncIterator[tuple[object, list[Part]]]:
    """(key, parts) for each (key, period, mine, board), in order. Worker processes draw up
    to RENDER_AHEAD digests ahead of the consumer (~50 ms a chart), so the bot's own process
    keeps answering at full speed while a province's digests go out."""
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque = deque()
    todo = iter(items)
    try:
        while True:
            while len(pending) < RENDER_AHEAD and (item := next(todo, None)) is not None:
                key, *args = item
                pending.append((key, loop.run_in_executor(pool, render, *args)))
            if not pending:
                return
            key, future = pending.popleft()
            yield key, await future
    finally:
        for _key, future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


async def send_scheduled(app: Application, today: date, render: Render,
                         keyboard: Keyboard) -> int:
    """Every linked evaluator and board member gets their digest once (claimed in the
    reminder log just before it is sent: a crash loses at most the one being sent)."""
    services = app.bot_data["services"]
    async with services.db.session() as session:
        found = await digests.scheduled_round(session, today, services.calendar,
                                              services.policy)
    if not found.recipients:
        return 0
    now = services.clock.now()
    subject = digests.round_subject(today)
    items = [(person, found.period, person.mine, person.board) for person in found.recipients]
    sent = 0
    async with aclosing(render_stream(items, render)) as stream:
        async for person, parts in stream:
            if not parts:
                continue
            async with services.db.session() as session:
                claim = reminders.Reminder(person.cadre_id, person.chat_id, subject, "digest",
                                           "digest")
                if not await reminders.claim(session, claim, now):
                    continue
            try:
                if await send_parts(app.bot, person.chat_id, parts,
                                    keyboard(found.period, person.board is not None)):
                    sent += 1
            except TelegramError:
                continue
    return sent


async def _daily(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = context.application.bot_data["services"]
    today = services.clock.now().astimezone(services.settings.tz).date()
    if not services.calendar.is_working_day(today) or not await leadership.is_leader(
            context.application):
        return
    async with services.db.session() as session:
        deadlines = await digests.submission_deadlines(session)
    rules = services.policy.reminders
    if digests.digest_day(today, services.calendar, deadlines, rules.digest_weekday,
                          rules.digest_after_deadline):
        render, keyboard = context.job.data
        await send_scheduled(context.application, today, render, keyboard)


def schedule(app: Application, render: Render, keyboard: Keyboard) -> None:
    """Every day at the policy's digest time; the leader sends on digest days."""
    if app.job_queue is not None:
        services = app.bot_data["services"]
        hours, minutes = (int(x) for x in services.policy.reminders.digest_time.split(":"))
        app.job_queue.run_daily(_daily, time=time(hours, minutes, tzinfo=services.settings.tz),
                                name="digests", data=(render, keyboard))
