"""Display helpers shared by handlers: names of periods, statuses, bands; callback data."""

from __future__ import annotations

import functools
import html

from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import N_, _, fmt_number
from bot.services.numbers import AmbiguousNumber, NotANumber
from models import Period
from models.enums import Band, EntryStatus, PeriodType

STATUS_LABELS = {
    EntryStatus.DRAFT: N_("✏️ Draft"),
    EntryStatus.SUBMITTED: N_("⏳ Waiting for approval"),
    EntryStatus.APPROVED: N_("✅ Approved"),
    EntryStatus.RETURNED: N_("↩️ Returned"),
}
BAND_LABELS = {
    Band.EXCELLENT: N_("Excellently completed duties"),
    Band.GOOD: N_("Well completed duties"),
    Band.DONE: N_("Completed duties"),
    Band.FAILED: N_("Did not complete duties"),
}
CALLBACK_LIMIT = 64  # bytes, Telegram's limit on callback_data


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def not_a_number(text: str, error: NotANumber, usual: str | None = None) -> str:
    """What to tell someone whose typed number was refused: `usual` (by default: this is not
    a number, type e.g. 125), or, for '1,250', that it reads two ways and how to type it
    clearly. The person's text is escaped: send it with parse_mode="HTML"."""
    if not isinstance(error, AmbiguousNumber):
        if usual is not None:
            return usual
        shown = text if len(text) <= 30 else text[:30] + "…"
        return _("“{text}” is not a number. Please type a number, e.g. 125 or 12,5.").format(
            text=esc(shown))
    small, large = error.readings
    return _("“{text}” could be read as {small} or as {large}. Please type it again so that it "
             "is clear, e.g. {plain} or {small}.").format(
        text=esc(text.strip()), small=fmt_number(small, 3).rstrip("0").rstrip(","),
        large=fmt_number(large), plain=f"{large:.0f}")


def status_label(status: str) -> str:
    return _(STATUS_LABELS[EntryStatus(status)])


def band_label(band: str | Band) -> str:
    return _(BAND_LABELS[Band(band)])


def period_label(period: Period) -> str:
    kind = PeriodType(period.kind)
    if kind == PeriodType.MONTH:
        return _("Month {number}/{year}").format(number=period.number, year=period.year)
    if kind == PeriodType.QUARTER:
        return _("Quarter {number}/{year}").format(number=period.number, year=period.year)
    return _("Year {year}").format(year=period.year)


def cb(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    assert len(data.encode()) <= CALLBACK_LIMIT, data
    return data


def button(text: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb(*parts))


ID_LIMIT = 2**63  # ids are BIGINT: a larger (forged) number must not reach the database


def pager_rows(page: int, more: bool, *parts: object) -> list[list[InlineKeyboardButton]]:
    """The ◀️ / ▶️ row of a paged list (none when everything fits); the callback is `parts`
    followed by the page to show."""
    nav = []
    if page > 0:
        nav.append(button(_("◀️ Previous"), *parts, page - 1))
    if more:
        nav.append(button(_("Next ▶️"), *parts, page + 1))
    return [nav] if nav else []


def parse_ids(data: str, count: int) -> list[int] | None:
    """The integer fields after the prefix and action, or None when malformed."""
    fields = data.split(":")[2:]
    if len(fields) < count:
        return None
    # plain ASCII digits only: int() would also take "١٢", " 1" and "1_0"
    if not all(x.removeprefix("-").isascii() and x.removeprefix("-").isdigit()
               for x in fields[:count]):
        return None
    numbers = [int(x) for x in fields[:count]]
    return numbers if all(-ID_LIMIT < n < ID_LIMIT for n in numbers) else None


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


def stop_on_error(callback):
    """When the handler fails, the error handlers get the exception and no later handler
    group sees the update: one "an error occurred", not that and then "I did not
    understand" from the fallback."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            await callback(update, context)
        except ApplicationHandlerStop:
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the error handlers
            await context.application.process_error(update, exc)
            raise ApplicationHandlerStop from None

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
