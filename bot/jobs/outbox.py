"""The outbox worker: sends notice deliveries through the bot's rate limiter, records the
result of each one, and keeps the composer's status message up to date. What it sends is
rendered by the screens the composition root hands it (handlers/screens/notices.py)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.pace import SharedPace
from bot.services import notices
from models import Cadre, Notice, NoticeDelivery
from models.enums import DeliveryStatus

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024


async def deliver(bot, notice: Notice, chat_id: int, text: str, markup) -> int:
    """Send the notice (`text`, as the recipient reads it, with its attachment); returns the
    Telegram message id."""
    if notice.attachment_kind and len(text) <= CAPTION_LIMIT:
        send = bot.send_photo if notice.attachment_kind == "photo" else bot.send_document
        message = await send(chat_id, notice.attachment_file_id, caption=text, parse_mode="HTML",
                             reply_markup=markup)
        return message.message_id
    if notice.attachment_kind:
        send = bot.send_photo if notice.attachment_kind == "photo" else bot.send_document
        await send(chat_id, notice.attachment_file_id)
    message = await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
    return message.message_id


class OutboxWorker:
    def __init__(self, app: Application, *,
                 notice_text: Callable[[Notice], str],
                 ack_markup: Callable[[Notice, int], InlineKeyboardMarkup | None],
                 progress_text: Callable[[Notice, notices.Stats, bool], str],
                 batch: int = 25, idle_seconds: float = 1.0,
                 progress_every: float = 2.0) -> None:
        self.app = app
        self.notice_text, self.ack_markup, self.progress_text = (notice_text, ack_markup,
                                                                 progress_text)
        self.worker_id = f"w-{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.progress_every = progress_every
        self._last_progress: dict[int, float] = {}
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.pace = SharedPace(self.services.db, self.services.settings.broadcast_rate)

    @property
    def services(self):
        return self.app.bot_data["services"]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, grace_seconds: float = 15.0) -> None:
        """Finish the message being sent, hand the rest of the batch back, then stop."""
        self._stopping = True
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        except (TimeoutError, asyncio.CancelledError, Exception):  # noqa: BLE001
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - keep the worker alive; retry
                health = self.services.db.health
                if not health.failed(error):
                    log.exception("outbox tick failed")
                elif not self._stopping:  # the database is away: wait longer each time
                    await asyncio.sleep(health.backoff())
                sent = 0
            if not sent and not self._stopping:
                await asyncio.sleep(self.idle_seconds)

    async def tick(self) -> int:
        """Claim a batch and send it; returns how many rows were handled."""
        db, clock = self.services.db, self.services.clock
        async with db.session() as session:
            now = clock.now()
            await notices.start_due(session, now)
            stale = timedelta(seconds=self.services.settings.outbox_stale_seconds)
            await notices.requeue_stale(session, now, stale)
            ids = await notices.claim(session, self.worker_id, now, self.batch)
            # what the batch needs, in two queries rather than three per message
            rows = {row.id: row for row in (await session.execute(
                select(NoticeDelivery.id, NoticeDelivery.notice_id, NoticeDelivery.cadre_id,
                       NoticeDelivery.attempts, Cadre.telegram_chat_id)
                .join(Cadre, Cadre.id == NoticeDelivery.cadre_id)
                .where(NoticeDelivery.id.in_(ids)))).all()} if ids else {}
            loaded = {n.id: n for n in await session.scalars(select(Notice).where(
                Notice.id.in_({row.notice_id for row in rows.values()})))} if rows else {}
        touched: set[int] = set()
        if ids:
            await self.pace.reserve(len(ids))  # one send rate across every bot process
        claimed = time.monotonic()
        for index, delivery_id in enumerate(ids):
            if self._stopping:
                async with db.session() as session:
                    await notices.release(session, ids[index:])
                break
            await self.pace.wait_slot(index)
            if time.monotonic() - claimed > stale.total_seconds() / 2:
                async with db.session() as session:  # still ours (see notices.renew)
                    await notices.renew(session, ids[index:], self.worker_id, clock.now())
                claimed = time.monotonic()
            row = rows[delivery_id]
            await self._send_one(row, loaded[row.notice_id])
            touched.add(row.notice_id)
        async with db.session() as session:
            finished = await notices.finish_done(session, clock.now())
            finished_ids = {n.id for n in finished}
        for notice_id in touched | finished_ids:
            await self._progress(notice_id, notice_id in finished_ids)
        return len(ids)

    async def _send_one(self, delivery, notice: Notice) -> None:
        """Send one claimed delivery (a row of id, notice_id, cadre_id, attempts and the
        cadre's telegram_chat_id) and record the outcome."""
        db, clock = self.services.db, self.services.clock
        markup = self.ack_markup(notice, delivery.id)
        status, message_id, error, retry_at = DeliveryStatus.SENT, None, None, None
        try:
            if not delivery.telegram_chat_id:
                raise BadRequest("Chat not found")
            message_id = await deliver(self.app.bot, notice, delivery.telegram_chat_id,
                                       self.notice_text(notice), markup)
        except RetryAfter as exc:
            status, error = DeliveryStatus.QUEUED, "429"
            wait = exc.retry_after if isinstance(exc.retry_after, int | float) else \
                exc.retry_after.total_seconds()
            retry_at = clock.now() + timedelta(seconds=wait)
        except Forbidden as exc:
            status, error = DeliveryStatus.BLOCKED, str(exc)[:200]
        except BadRequest as exc:
            status, error = DeliveryStatus.FAILED, str(exc)[:200]
        except TelegramError as exc:  # timeouts, 5xx: retry with backoff, then give up
            error = str(exc)[:200]
            if delivery.attempts + 1 >= notices.MAX_ATTEMPTS:
                status = DeliveryStatus.FAILED
            else:
                status = DeliveryStatus.QUEUED
                retry_at = clock.now() + timedelta(seconds=5 * 2 ** delivery.attempts)
        async with db.session() as session:
            await notices.mark(session, delivery.id, status=status, now=clock.now(),
                               message_id=message_id, error=error, retry_at=retry_at)
            if status == DeliveryStatus.BLOCKED:
                target = await session.get(Cadre, delivery.cadre_id)
                target.reachable = False

    async def _progress(self, notice_id: int, done: bool) -> None:
        now = time.monotonic()
        if not done and now - self._last_progress.get(notice_id, 0) < self.progress_every:
            return
        self._last_progress[notice_id] = now
        async with self.services.db.session() as session:
            notice = await session.get(Notice, notice_id)
            stats = await notices.stats(session, notice_id)
        if not notice.status_chat_id or not notice.status_message_id:
            return
        try:
            await self.app.bot.edit_message_text(self.progress_text(notice, stats, done),
                                                 chat_id=notice.status_chat_id,
                                                 message_id=notice.status_message_id)
        except TelegramError:
            pass  # "not modified", or the message is gone: the statistics screen has it all
