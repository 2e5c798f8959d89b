"""What every handler shares: the wrappers that end an update (one transaction, errors to the
error handlers), answering a tap by editing its message, refusing politely."""

from __future__ import annotations

import functools

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.services.imports.cells import CellError, parse_date
from bot.services.review import ReviewError


async def edit_or_send(update: Update, context: BotContext, text: str, markup=None) -> None:
    """Answer a button tap by editing its message; a typed message gets a new one."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            # too old to edit, or it was a photo: send a new message instead
    await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML",
                                   reply_markup=markup)


async def refuse(update: Update, text: str) -> None:
    """Refuse a tap politely (a small alert) or a message (a reply)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await update.effective_message.reply_text(text)


def tap_answer(tap, actor, everyone: dict, supervisors: dict | None = None,
               board: dict | None = None):
    """The answer of a decoded tap from a feature's tables: what everyone may tap, then what
    only supervisors, then only the board may (None: unknown or not allowed)."""
    if tap is None:
        return None
    return (everyone.get(tap.action)
            or (supervisors.get(tap.action) if supervisors and actor.is_supervisor else None)
            or (board.get(tap.action) if board and actor.is_board else None))


async def run_tap(update: Update, context: BotContext, tap, answer, refusal):
    """Run a tap's answer in the update's one transaction and return its reply. A refusal
    (ReviewError, or no answer at all) ends the transaction, tells the person politely with
    `refusal(code)`, and returns None: the handler then stops."""
    try:
        if answer is None:
            raise ReviewError("not_found")
        async with context.transaction() as session:
            return await answer(session, context, update.effective_chat.id, tap)
    except ReviewError as error:
        await context.end_transaction()
        await refuse(update, refusal(error.code))
        return None


def typed_date(text: str):
    """A date the person typed (dd/mm/yyyy, as the imports read them); otherwise the flow's
    "date_format" refusal."""
    try:
        day = parse_date(text)
    except CellError:
        day = None
    if day is None:
        raise ReviewError("date_format")
    return day


def one_transaction(callback):
    """Mark a handler that does its work inside the update's one transaction
    (`context.transaction()`, begun by the gate's read). Before a handler without the mark
    (the fallback's answers) the gate's read is committed."""
    callback.shares_update_transaction = True
    return callback


def stop_on_error(callback, *, begins_update: bool = False):
    """When the handler fails, the error handlers get the exception and no later handler
    group sees the update: one "an error occurred", not that and then "I did not
    understand" from the fallback. The update's transaction is rolled back on failure and
    committed (if the handler left it open) on success — except after the gate
    (`begins_update`), whose read the feature handler's transaction continues."""
    shares = begins_update or getattr(callback, "shares_update_transaction", False)

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            if not shares:
                await context.end_transaction()
            await callback(update, context)
        except ApplicationHandlerStop:
            await context.end_transaction()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the error handlers
            await context.end_transaction(exc)
            await context.application.process_error(update, exc)
            raise ApplicationHandlerStop from None
        if not begins_update:
            await context.end_transaction()

    return wrapper


def final(callback):
    """Mark an update as fully handled: later handler groups (flow steps, fallback) skip it,
    also when the handler failed (the error handlers get the exception)."""
    guarded = stop_on_error(callback)

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> None:
        await guarded(update, context)
        raise ApplicationHandlerStop

    return wrapper
