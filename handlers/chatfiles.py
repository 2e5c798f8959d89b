"""Files in the chat. The board sends a spreadsheet (roster, units, catalogue, training
requirements, past ratings) outside any flow: the bot downloads it, checks it (the
importer's dry run) and applies it only after "✅ Áp dụng". And 📈 Tổng hợp's "📂 Tệp
Excel": the exports a person may get, sent as documents. The use cases are
bot/services/chat_imports.py and bot/services/chat_exports.py; the texts
handlers/screens/chatfiles.py.

Transactions. A tap is one transaction (the gate's read, then the use case). A sent file is
two: the gate's read is committed before the download (no connection waits on Telegram),
then the check — read-only but for the row that keeps the file until it is decided — is a
transaction of its own. The apply is the tap's one transaction: the import is all or
nothing.
"""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.services import chat_exports, chat_imports
from bot.services.chat_imports import ChatImportError
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse, stop_on_error
from handlers.screens import chatfiles as screens
from handlers.screens.common import stale

log = logging.getLogger(__name__)

# After the flow steps (10: a file inside a flow is that flow's: evidence, a certificate, a
# notice's attachment), before the fallback (100), which answers everyone else's files.
IMPORT_GROUP = 50


async def _download(context: BotContext, file_id: str) -> bytes:
    telegram_file = await context.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


async def _send_details(context: BotContext, chat: int, found) -> None:
    """The whole list of problems and changes, when too long for a message."""
    if screens.needs_file(found.report):
        await context.bot.send_document(chat, InputFile(
            screens.details_file(found.file_name, found.kind, found.report),
            screens.details_name(found.file_name)))


async def on_document(update: Update, context: BotContext) -> None:
    """A document no flow took. The board's spreadsheets are import candidates; anybody
    else's file goes on to the fallback, as before."""
    actor, message = context.actor, update.effective_message
    if actor is None or not actor.is_board or context.flow is not None:
        return
    document = message.document
    limits = context.services.policy.files
    if not chat_imports.is_spreadsheet(document.file_name, document.mime_type):
        await message.reply_text(screens.not_spreadsheet(document.file_name))
        raise ApplicationHandlerStop
    file_name = document.file_name or ("tep.csv" if "csv" in (document.mime_type or "")
                                        else "tep.xlsx")
    try:
        chat_imports.check_size(document.file_size, limits)
    except ChatImportError as error:
        await message.reply_text(screens.refusal(error, context.services.settings.tz))
        raise ApplicationHandlerStop from None
    await message.reply_text(screens.checking(file_name), parse_mode="HTML")
    try:
        content = await _download(context, document.file_id)
    except TelegramError as error:
        if "too big" in str(error).lower():  # Telegram's own limit for bots (20 MB)
            await message.reply_text(screens.too_large(limits.max_import_bytes))
            raise ApplicationHandlerStop from None
        raise
    received = chat_imports.ReceivedFile(file_name, document.file_unique_id, content)
    try:
        async with context.transaction() as session:
            found = await chat_imports.receive(
                session, actor=actor, chat_id=update.effective_chat.id, file=received,
                now=context.clock.now(), limits=limits)
    except ChatImportError as error:
        await message.reply_text(screens.refusal(error, context.services.settings.tz))
        raise ApplicationHandlerStop from None
    await _answer(update, context, found)
    raise ApplicationHandlerStop


ALERT_LIMIT = 200  # characters Telegram shows in a tap's alert


async def _tell(update: Update, context: BotContext, text: str) -> None:
    """A refusal: an alert for a tap when it fits, else a message (the reader's reasons,
    e.g. the list of missing columns, can be long)."""
    query = update.callback_query
    if query is None or len(text) <= ALERT_LIMIT:
        await refuse(update, text)
        return
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, text)


async def _answer(update: Update, context: BotContext, found) -> None:
    chat = update.effective_chat.id
    if isinstance(found, chat_imports.Unreadable):
        await _tell(update, context, screens.unreadable(found.file_name, found.reason))
        return
    if isinstance(found, chat_imports.Ambiguous):
        await edit_or_send(update, context, *screens.ambiguous_screen(found))
        return
    if isinstance(found, chat_imports.Cancelled):
        await edit_or_send(update, context, screens.cancelled_text(found.file_name))
        return
    if isinstance(found, chat_imports.Applied):  # the details went with the check
        if not found.report.written:
            await _send_details(context, chat, found)
        await edit_or_send(update, context, *screens.applied_screen(found))
        return
    await _send_details(context, chat, found)
    await edit_or_send(update, context, *screens.checked_screen(found))


async def _apply(session, context, tap, skip_invalid: bool):
    return await chat_imports.apply(session, actor=context.actor, import_id=tap.import_id,
                                    skip_invalid=skip_invalid, now=context.clock.now())


async def _apply_valid(session, context, tap):
    return await _apply(session, context, tap, True)


async def _apply_all(session, context, tap):
    return await _apply(session, context, tap, False)


async def _cancel(session, context, tap):
    return await chat_imports.cancel(session, actor=context.actor, import_id=tap.import_id,
                                     now=context.clock.now())


async def _choose(session, context, tap):
    return await chat_imports.choose_kind(session, actor=context.actor,
                                          import_id=tap.import_id, code=tap.kind,
                                          now=context.clock.now(),
                                          limits=context.services.policy.files)


TAPS = {screens.APPLY: _apply_all, screens.APPLY_VALID: _apply_valid,
        screens.CANCEL: _cancel, screens.KIND: _choose}


@one_transaction
async def on_import_tap(update: Update, context: BotContext) -> None:
    tap = decode(update.callback_query.data, screens.PREFIX)
    if tap is None or tap.action not in TAPS:
        await context.end_transaction()
        await refuse(update, stale())
        return
    try:
        async with context.transaction() as session:
            found = await TAPS[tap.action](session, context, tap)
    except ChatImportError as error:
        await _tell(update, context, screens.refusal(error, context.services.settings.tz))
        return
    if isinstance(found, chat_imports.Unreadable):
        await _tell(update, context, screens.unreadable(found.file_name, found.reason))
        return
    await update.callback_query.answer(screens.toast(found))
    await _answer(update, context, found)


@one_transaction
async def on_files_tap(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.FILES_PREFIX)
    services = context.services
    try:
        async with context.transaction() as session:
            if tap is None:
                raise chat_exports.FileError("not_found")
            if tap.action is screens.FILES:
                found = await chat_exports.offer(session, actor=context.actor,
                                                 period_id=tap.period_id)
            else:
                found = await chat_exports.build_file(
                    session, actor=context.actor, code=tap.file, period_id=tap.period_id,
                    policy=services.policy, tz=services.settings.tz, today=context.today)
    except chat_exports.FileError as error:
        await refuse(update, screens.file_refusal(error))
        return
    await query.answer()
    chat = update.effective_chat.id
    if isinstance(found, chat_exports.Offer):
        text, markup = screens.files_screen(found.files, found.period, found.team_only)
        await context.bot.send_message(chat, text, reply_markup=markup)
        return
    await context.bot.send_document(chat, InputFile(found.content, found.name),
                                    caption=screens.file_caption(found))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_import_tap), pattern=rf"^{screens.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(final(on_files_tap),
                                         pattern=rf"^{screens.FILES_PREFIX}:"))
    app.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.Document.ALL,
        stop_on_error(on_document)), IMPORT_GROUP)
