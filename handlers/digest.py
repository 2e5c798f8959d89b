"""📈 Tổng hợp: the evaluator's digest of the cadres they evaluate and the board's province
overview, each with a chart, "📥 Tải Excel", another period, the board's drill-down by unit
and a way on to ✅ Phê duyệt. The texts are handlers/screens/digest.py; the queries
bot/services/digests.py; the scheduled digests bot/jobs/digests.py.

One update, one transaction: the service call inside it, the charts drawn and everything
sent after the commit."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.jobs.digests import send_parts
from bot.services import digests
from bot.services.digests import DigestError
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.menu import ITEMS, register_item
from handlers.screens import digest as screens
from handlers.screens.common import stale


async def _send(context: BotContext, chat: int, found: digests.DigestView) -> None:
    parts = await asyncio.to_thread(screens.render_digest, found.period, found.mine,
                                    found.board)
    markup = screens.digest_keyboard(found.period, found.board is not None)
    if not await send_parts(context.bot, chat, parts, markup):
        await context.bot.send_message(chat, screens.nobody_text())


@one_transaction
async def on_digest(update: Update, context: BotContext) -> None:
    """From the menu: the digest of the period under review."""
    services = context.services
    try:
        async with context.transaction() as session:
            found = await digests.view(session, context.actor, None, context.today,
                                       services.calendar, services.policy)
    except DigestError:
        await update.effective_message.reply_text(screens.not_for_you(ITEMS["digest"].label))
        return
    await _send(context, update.effective_chat.id, found)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    services = context.services
    try:
        async with context.transaction() as session:
            if tap is None:  # malformed or forged
                raise DigestError("not_found")
            if tap.action is screens.PERIODS:
                found = await digests.recent_periods(session, context.actor, context.today)
            elif tap.action is screens.UNIT:
                found = await digests.unit_view(session, context.actor, tap.period_id,
                                                tap.unit_id or None, context.today,
                                                services.calendar, services.policy)
            else:  # EXCEL, PERIOD
                found = await digests.view(session, context.actor, tap.period_id,
                                           context.today, services.calendar, services.policy)
    except DigestError:
        await refuse(update, stale())
        return
    await query.answer()
    chat = update.effective_chat.id
    if tap.action is screens.PERIODS:
        await edit_or_send(update, context, *screens.periods_screen(found))
    elif tap.action is screens.UNIT:
        await edit_or_send(update, context, *screens.unit_screen(found, tap.unit_id,
                                                                  tap.page or 0))
    elif tap.action is screens.EXCEL:
        workbook = screens.excel_workbook(found.mine, found.board)
        await context.bot.send_document(chat, InputFile(workbook, screens.excel_name(found.period)),
                                        caption=screens.excel_caption(found.period))
    else:
        await _send(context, chat, found)


def register(app: Application) -> None:
    register_item(app, ITEMS["digest"], on_digest)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
