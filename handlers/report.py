"""📝 Báo cáo KPI: the period sheet, one question at a time per product, the self-assessment,
sending for approval; and /suabaocao, the board correcting anyone's report.

Telegram I/O only: decode the tap or the message → one use case of bot/services/report.py
in the update's one transaction → its screen (handlers/screens/report.py) → send; the
evaluator is told of a sent report after the commit.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.services import report
from bot.services.entry_rules import SentFile
from bot.services.flows import Flow
from bot.services.kpi import KpiError
from handlers import flowrouter
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.menu import ITEMS, register_item
from handlers.screens import report as screens
from handlers.screens.common import stale

log = logging.getLogger(__name__)

# Each button's use case; the tap's fields are its arguments, in their order.
STEP_TAPS = {"e": report.start_entry, "a": report.take_all, "n": report.pick_count,
             "s": report.skip_step, "y": report.keep_figure, "r": report.retype,
             "x": report.answer_exemption}
TAPS = {
    screens.OPEN: report.open_period,
    screens.SELF: report.start_self_assessment,
    screens.SELF_MISSING: report.score_missing,
    screens.POINTS: report.tap_points,
    screens.SUBMIT: report.preview_submission,
    screens.SEND: report.submit,
    **{buttons[name]: use_case for buttons in screens.STEP_BUTTONS.values()
       for name, use_case in STEP_TAPS.items()},
}


def _caller(update: Update, context: BotContext, board: bool) -> report.Caller:
    return report.Caller(context.actor, update.effective_chat.id, context.clock.now(),
                         context.today, board)


async def _reply(update: Update, context: BotContext, use_case, *args,
                 board: bool = False) -> None:
    """One use case in the update's transaction; its screen once that is committed."""
    scoring = context.services.policy.scoring
    try:
        async with context.transaction() as session:
            result = await use_case(session, context.services.kpi,
                                    _caller(update, context, board), *args)
            ended = isinstance(result, report.Ended)  # the flow ended: committed, then told
            screen = None if ended else screens.screen_for(result, scoring)
    except KpiError as error:
        await refuse(update, screens.error_text(error))
        return
    if ended:
        await refuse(update, screens.error_text(result.error))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await edit_or_send(update, context, *screen)
    if isinstance(result, report.Submitted) and result.evaluator_chat_id:
        try:
            await context.bot.send_message(result.evaluator_chat_id,
                                           screens.evaluator_notice(result), parse_mode="HTML")
        except Exception:  # noqa: BLE001 - the inbox shows it anyway
            log.info("could not notify the evaluator of a sent report")


@one_transaction
async def on_report(update: Update, context: BotContext) -> None:
    await _reply(update, context, report.open_report)


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    data = update.callback_query.data
    tap = decode(data, screens.PREFIX) or decode(data, screens.BOARD_PREFIX)
    if tap is None or tap.action not in TAPS:
        await context.end_transaction()
        await refuse(update, stale())
        return
    await _reply(update, context, TAPS[tap.action], *tap.values,
                 board=tap.action.prefix == screens.BOARD_PREFIX)


@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    file = None
    if message.photo:
        photo = message.photo[-1]
        file = SentFile("photo", photo.file_id, photo.file_unique_id,
                        file_size=photo.file_size)
    elif message.document:
        doc = message.document
        file = SentFile("document", doc.file_id, doc.file_unique_id, doc.file_name,
                        doc.mime_type, doc.file_size)
    await _reply(update, context, report.answer, flow, message.text, file,
                 board=bool(flow.data.get("board")))


@one_transaction
async def on_board_edit(update: Update, context: BotContext) -> None:
    """/suabaocao CODE [PERIOD]: board opens any cadre's report, also in a locked period."""
    args = context.args or []
    await _reply(update, context, report.board_open, args[0] if args else None,
                 args[1] if len(args) > 1 else None, board=True)


def register(app: Application) -> None:
    register_item(app, ITEMS["report"], on_report)
    app.add_handler(CommandHandler("suabaocao", final(on_board_edit), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(
        final(on_callback), pattern=rf"^({screens.PREFIX}|{screens.BOARD_PREFIX}):"))
    flowrouter.route(report.FLOW, on_flow_message)
