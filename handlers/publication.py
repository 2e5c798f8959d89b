"""📋 The agency's published results (issue #24 part 3), reached from 📊 Kết quả của tôi:
the lists published, one list, its Excel file. The rules (who sees what, when a list is
published): bot.services.publication; the texts: handlers/screens/publication.py."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import _
from bot.services import publication
from bot.services.publication import PublicationError
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import publication as screens
from handlers.screens import results as results_screens
from handlers.screens.common import stale


@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    if tap is None:
        await context.end_transaction()
        await refuse(update, stale())
        return
    policy, tz = context.services.policy, context.services.settings.tz
    try:
        async with context.transaction() as session:
            if tap.action is screens.LISTS:
                found = await publication.publications(session, policy, context.actor)
            else:
                found = await publication.published_list(session, policy, context.actor,
                                                         tap.period_id)
    except PublicationError as error:
        await refuse(update, screens.refusal(error))
        return
    await query.answer()
    if tap.action is screens.LISTS:
        agency, lists = found
        back = results_screens.BACK.button(_("⬅️ Back"))
        await edit_or_send(update, context, *screens.lists_screen(agency.name, lists, tz, back))
    elif tap.action is screens.VIEW:
        await edit_or_send(update, context, *screens.list_screen(found, tz))
    else:
        export = publication.published_workbook(found, screens.sheet_title(found), tz)
        await context.bot.send_document(
            update.effective_chat.id, InputFile(export.content, publication.file_name(found)),
            caption=screens.file_caption(found, tz))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
