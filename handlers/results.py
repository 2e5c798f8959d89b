"""📊 Kết quả của tôi: totals and ratings per period, "Cách tính điểm", the year, a chart.
Texts: handlers/screens/results.py; the results: bot.services.results."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.services import appeals
from bot.services.results import my_results, period_result
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.menu import ITEMS, register_item
from handlers.screens import results as screens
from handlers.screens.common import stale


async def _my_results(context: BotContext):
    """The results and what a kiến nghị may still be sent about (📨, bot.services.appeals)."""
    services = context.services
    async with context.transaction() as session:
        results = await my_results(session, services.kpi, context.actor.cadre_id,
                                   context.today)
        results.appealable = await appeals.appealable(
            session, context.actor.cadre_id, context.today, services.policy, services.calendar)
        results.has_appeals = await appeals.has_any(session, context.actor.cadre_id)
        return results


@one_transaction
async def on_results(update: Update, context: BotContext) -> None:
    results = await _my_results(context)
    text, markup = screens.overview(results, context.services.policy)
    await update.effective_message.reply_text(text, parse_mode="HTML", reply_markup=markup)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    if tap is None:
        await context.end_transaction()
        await refuse(update, stale())
        return
    results = await _my_results(context)
    policy = context.services.policy
    if tap.action is screens.BACK:
        await query.answer()
        await edit_or_send(update, context, *screens.overview(results, policy))
    elif tap.action is screens.CHART:
        if not results.periods:  # the button is shown only with results: a forged tap
            await refuse(update, stale())
            return
        await query.answer()
        png, caption = screens.chart(results, policy)
        await context.bot.send_photo(update.effective_chat.id, InputFile(png, "ket_qua.png"),
                                     caption=caption)
    else:
        result = period_result(results, tap.period_id)
        if result is None:
            await refuse(update, stale())
            return
        await query.answer()
        await edit_or_send(update, context, *screens.breakdown(result, policy))


def register(app: Application) -> None:
    register_item(app, ITEMS["results"], on_results)
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
