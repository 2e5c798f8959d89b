"""📅 Annual quality rating, reached from ✅ Phê duyệt: evaluators propose, the agency's head
or the board closes the agency's list within the cap; people are told the final band.

One update, one transaction: decode the tap, re-authorise it in the service, render the
screen; messages to the people rated go out after the commit.
"""

from __future__ import annotations

import logging
from datetime import date

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _, fmt_date
from bot.services import annual as annual_rules
from bot.services import flows
from bot.services import leave as leave_rules
from bot.services.annual import (
    annual_drafts,
    closed_list,
    headed_agencies,
    leaves_of,
    may_close,
    rated_by,
)
from bot.services.flows import Flow
from bot.services.forms import annual_forms
from bot.services.imports.cells import CellError, parse_date
from bot.services.review import ReviewError, reviewable
from bot.services.units import UnitTree
from handlers import flowrouter
from handlers.callbacks import decode
from handlers.common import edit_or_send, final, one_transaction, refuse
from handlers.screens import annual as screens
from handlers.screens import leave as leave_screens
from handlers.screens.common import STALE, band_label, esc
from models.enums import Band

log = logging.getLogger(__name__)
FLOW = "annual"
ERRORS = {
    "forbidden": N_("You do not evaluate this cadre."),
    "disciplined": N_("A disciplinary measure (or another ground of the decree) recorded this "
                      "year forces “Did not complete duties”."),
    "reason_required": N_("Please give a reason for choosing another level."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
    "list_closed": N_("The agency's list for this year is already closed."),
    "locked": N_("This year is locked: nothing can be changed any more."),
    "not_rated_year": N_("This cadre is evaluated but not rated this year (too few months "
                         "worked, or no period evaluated)."),
    "leave_order": N_("The end date is before the start date. Please type the end date again."),
    "leave_too_long": N_("A leave of more than two years cannot be recorded at once."),
    "leave_overlap": N_("Leave is already recorded for part of these dates."),
    "leave_too_early": leave_screens.ERRORS["leave_too_early"],
    "leave_too_late": leave_screens.ERRORS["leave_too_late"],
    "cannot_close": N_("The list cannot be closed yet: see what the screen lists."),
    "nobody": N_("You do not evaluate any cadre."),
}


def _error_text(error: ReviewError) -> str:
    if error.code == "above_agency":
        return _("A leader may not be rated above the agency's own rating ({band}).").format(
            band=band_label(error.info["cap"]))
    return _(ERRORS.get(error.code, STALE))


# ---------------------------------------------------------------- screens from the database

async def _year_screen(session, context: BotContext, year: int, page: int):
    actor = context.actor
    people = await rated_by(session, actor, context.today)
    page = max(0, min(page, (len(people) - 1) // screens.PAGE)) if people else 0
    chunk = people[page * screens.PAGE:(page + 1) * screens.PAGE]
    drafts = await annual_drafts(session, context.services.policy, chunk, year)
    tree = await UnitTree.load(session)
    agencies = [(uid, tree.units[uid].name) for uid in await headed_agencies(session, actor)]
    day, month = context.services.policy.scoring.annual_due_day
    return screens.year_screen(year, date(year, month, day), drafts, page, len(people),
                               context.services.policy.scoring, agencies, actor.is_board)


async def _cadre_screen(session, context: BotContext, cadre_id: int, year: int):
    cadre, _authority = await reviewable(session, context.actor, cadre_id, context.today)
    draft = (await annual_drafts(session, context.services.policy, [cadre], year))[0]
    rating = await annual_rules.agency_rating(session, draft.agency_id, year)
    return screens.cadre_screen(draft, await leaves_of(session, cadre.id, year),
                                rating.band if rating else None, context.services.policy.scoring,
                                await closed_list(session, draft.agency_id, year))


async def _agency_screen(session, context: BotContext, agency_id: int, year: int, page: int):
    if not await may_close(session, context.actor, agency_id):
        raise ReviewError("not_found")
    listing = await context.services.annual.agency_list(session, agency_id, year)
    return screens.agency_screen(listing, context.services.policy.scoring, page, True,
                                 context.actor.cadre_id)


async def _agencies_screen(session, context: BotContext, year: int, page: int):
    if not context.actor.is_board:
        raise ReviewError("not_found")
    rows = await context.services.annual.agencies_overview(session, year)
    return screens.agencies_screen(year, rows, max(page, 0))


# ---------------------------------------------------------------- taps

@one_transaction
async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    tap = decode(query.data, screens.PREFIX)
    chat_id = update.effective_chat.id
    now = context.clock.now()
    service = context.services.annual
    notices: list[tuple[int, str]] = []
    files: list = []
    try:
        if tap is None or not context.actor.is_supervisor:
            raise ReviewError("not_found")
        act = tap.action
        async with context.transaction() as session:
            if act is screens.YEAR:
                await flows.clear_flow(session, chat_id)
                screen = await _year_screen(session, context, tap[0], tap[1])
            elif act is screens.CADRE:
                await flows.clear_flow(session, chat_id)
                screen = await _cadre_screen(session, context, tap[0], tap[1])
            elif act is screens.PROPOSE:
                draft = await service.propose(session, actor=context.actor, cadre_id=tap[0],
                                              year=tap[1], band=tap[2], reason=None, now=now,
                                              today=context.today)
                text, markup = await _year_screen(session, context, tap[1], 0)
                screen = (_proposed_text(draft) + "\n\n" + text, markup)
            elif act is screens.OTHER:
                cadre, _a = await reviewable(session, context.actor, tap[0], context.today)
                await flows.set_flow(session, chat_id, Flow(FLOW, "reason", {
                    "cadre_id": cadre.id, "year": tap[1], "band": tap[2].value}), now)
                screen = (screens.reason_prompt(tap[2]), None)
            elif act is screens.LEAVE:
                cadre, _a = await reviewable(session, context.actor, tap[0], context.today)
                screen = screens.leave_kind_screen(cadre.id, tap[1], cadre.full_name)
            elif act is screens.LEAVE_KIND:
                cadre, _a = await reviewable(session, context.actor, tap[0], context.today)
                if tap[2] >= len(screens.LEAVE_KINDS):
                    raise ReviewError("not_found")
                await flows.set_flow(session, chat_id, Flow(FLOW, "leave_from", {
                    "cadre_id": cadre.id, "year": tap[1],
                    "kind": screens.LEAVE_KINDS[tap[2]].value}), now)
                screen = (_("🏖 From which day? Type the date, e.g. 03/02/{year}.").format(
                    year=tap[1]), None)
            elif act is screens.AGENCY:
                screen = await _agency_screen(session, context, tap[0], tap[1], tap[2])
            elif act is screens.CHOOSE:
                await service.choose_at_closing(session, actor=context.actor, agency_id=tap[0],
                                                year=tap[1], cadre_id=tap[2], band=tap[3],
                                                now=now)
                screen = await _agency_screen(session, context, tap[0], tap[1], 0)
            elif act is screens.CAP:
                await service.apply_cap(session, actor=context.actor, agency_id=tap[0],
                                        year=tap[1], group=tap[2], now=now)
                screen = await _agency_screen(session, context, tap[0], tap[1], 0)
            elif act is screens.CLOSE:
                if not await may_close(session, context.actor, tap[0]):
                    raise ReviewError("not_found")
                listing = await service.agency_list(session, tap[0], tap[1])
                if not listing.can_close:
                    raise ReviewError("list_closed" if listing.closed else "cannot_close")
                screen = screens.close_confirm_screen(listing)
            elif act is screens.CLOSE_OK:
                listing = await service.close(session, actor=context.actor, agency_id=tap[0],
                                              year=tap[1], now=now)
                notices = [(d.cadre.telegram_chat_id, screens.closed_notice(listing.year, d))
                           for d in listing.drafts if d.proposed and d.cadre.telegram_chat_id
                           and d.cadre.reachable]
                screen = await _agency_screen(session, context, tap[0], tap[1], 0)
            elif act is screens.AGENCIES:
                screen = await _agencies_screen(session, context, tap[0], tap[1])
            elif act in (screens.FORMS, screens.MY_FORMS):
                files, screen = await _forms(session, context, tap)
            elif act is screens.FLAGS:
                if not context.actor.is_board:
                    raise ReviewError("not_found")
                found = await annual_rules.flagged(session, tap[0])
                screen = screens.flags_screen(tap[0], found, max(tap[1], 0))
            else:
                raise ReviewError("not_found")
    except ReviewError as error:
        await refuse(update, _error_text(error))
        return
    await query.answer()
    if screen is not None:
        await edit_or_send(update, context, *screen)
    for form in files:
        await context.bot.send_document(chat_id, InputFile(form.content, form.name))
    await _tell(context, notices)


async def _forms(session, context: BotContext, tap):
    """The .docx sheets and table (and .xlsx): an agency's for its head or the board; the
    people an evaluator rates for the evaluator."""
    today = context.today
    services = context.services
    folder = services.settings.forms_dir
    if tap.action is screens.FORMS:
        if not await may_close(session, context.actor, tap[0]):
            raise ReviewError("not_found")
        files = await annual_forms(session, services.policy, services.annual, tap[0], tap[1],
                                   today, folder)
        return files, None
    people = await rated_by(session, context.actor, today)
    if not people:
        raise ReviewError("nobody")
    tree = await UnitTree.load(session)
    files = []
    for agency_id in sorted({tree.agency_of(c.unit_id) for c in people} - {None}):
        files += await annual_forms(session, services.policy, services.annual, agency_id,
                                    tap[0], today, folder, only={c.id for c in people},
                                    sheets_only=True)
    return files, None


def _proposed_text(draft) -> str:
    return _("📝 Proposed for {name}: {band}.").format(name=esc(draft.cadre.full_name),
                                                      band=band_label(draft.band))


async def _tell(context: BotContext, notices: list[tuple[int, str]]) -> None:
    for chat_id, text in notices:
        try:
            await context.bot.send_message(chat_id, text, parse_mode="HTML")
        except Exception:  # noqa: BLE001 - 📊 Kết quả của tôi shows it anyway
            log.info("could not tell a cadre about their annual rating")


# ---------------------------------------------------------------- typed steps

@one_transaction
async def on_flow_message(update: Update, context: BotContext, flow: Flow) -> None:
    message = update.effective_message
    text = (message.text or "").strip()
    data = flow.data
    chat_id = update.effective_chat.id
    now = context.clock.now()
    if not text:
        await message.reply_text(_("Please type it, or choose one of the buttons."))
        return
    try:
        async with context.transaction() as session:
            if flow.step == "reason":
                draft = await context.services.annual.propose(
                    session, actor=context.actor, cadre_id=data["cadre_id"], year=data["year"],
                    band=Band(data["band"]), reason=text, now=now, today=context.today)
                await flows.clear_flow(session, chat_id)
                body, markup = await _year_screen(session, context, data["year"], 0)
                reply = (_proposed_text(draft) + "\n\n" + body, markup)
            elif flow.step in ("leave_from", "leave_to"):
                try:
                    day = parse_date(text)
                except CellError as error:
                    day = None
                    reply = (esc(str(error)) + ". " + _("Please type the date again, "
                                                        "e.g. 03/02/2026."), None)
                if day is None:
                    pass  # asked again, nothing changed
                elif flow.step == "leave_from":
                    await reviewable(session, context.actor, data["cadre_id"], context.today)
                    leave_rules.check_start(day, context.today)
                    await flows.set_flow(session, chat_id, Flow(FLOW, "leave_to", {
                        **data, "from": day.isoformat()}), now)
                    reply = (_("🏖 Until which day (inclusive)? Type the date, e.g. {example}.")
                             .format(example=fmt_date(day)), None)
                else:
                    await annual_rules.record_leave(
                        session, actor=context.actor, cadre_id=data["cadre_id"],
                        kind=data["kind"], start=date.fromisoformat(data["from"]), end=day,
                        now=now, today=context.today)
                    await flows.clear_flow(session, chat_id)
                    body, markup = await _cadre_screen(session, context, data["cadre_id"],
                                                       data["year"])
                    reply = (_("🏖 Leave recorded.") + "\n\n" + body, markup)
            else:
                reply = (_("Please choose one of the buttons."), None)
    except ReviewError as error:
        if error.code in ("reason_required", "reason_too_long", "leave_order",
                          "leave_too_early", "leave_too_late"):
            await message.reply_text(_error_text(error))  # asked again, nothing lost
            return
        async with context.transaction() as session:
            await flows.clear_flow(session, chat_id)
        await message.reply_text(_error_text(error))
        return
    await message.reply_text(reply[0], parse_mode="HTML", reply_markup=reply[1])


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{screens.PREFIX}:"))
    flowrouter.route(FLOW, on_flow_message)

