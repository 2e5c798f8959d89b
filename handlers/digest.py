"""📈 Tổng hợp: the supervisor's digest of the cadres they evaluate, and the board's province
overview; each with a chart, "📥 Tải Excel" and a way on to ✅ Phê duyệt."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.jobs import leadership
from bot.charts import bars_png
from bot.context import BotContext
from bot.i18n import _, fmt_number, fmt_percent, fmt_score
from bot.services import digests
from bot.services.exports import digest_workbook
from bot.services.scoring import shown_score
from handlers.common import (
    band_label,
    button,
    edit_or_send,
    esc,
    final,
    pager_rows,
    parse_ids,
    period_label,
    refuse,
)
from handlers.menu import ITEMS, register_item
from handlers.training import category_name
from models import Period
from models.enums import Band

PREFIX = "dg"
ACTIONS = {PREFIX: ("x", "pp", "p", "u")}  # every button action this module answers
UNIT_PAGE = 20  # units a page of the drill-down
BAND_ORDER = [Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED]


def _bands(counter) -> str:
    return " · ".join(f"{band_label(b)}: {counter.get(b.value, 0)}" for b in BAND_ORDER)


def supervisor_text(d: digests.Digest) -> str:
    lines = [_("📈 <b>Summary of {period}</b> — {count} cadres you evaluate").format(
        period=period_label(d.period), count=len(d.lines))]
    lines.append(_("Sent: {sent}/{total} · late: {late} · waiting for your approval: {waiting} "
                   "products").format(sent=len(d.submitted), total=len(d.lines),
                                      late=len(d.late), waiting=d.waiting))
    if d.missing:
        names = ", ".join(esc(line.name) + (f" ({period_label(line.period)})" if line.period
                                            else "") for line in d.missing[:30])
        more = len(d.missing) - 30
        lines.append(_("Not sent yet: {names}").format(names=names) +
                     (" " + _("and {count} more").format(count=more) if more > 0 else ""))
    if d.average is not None:
        lines.append(_("Average score: {score}").format(score=fmt_score(d.average)))
    if d.overdue:
        lines.append(_("Training overdue: {names}").format(
            names=", ".join(esc(line.name) for line in d.overdue[:30])))
    if d.bands:
        lines.append(_("Ratings: {bands}").format(bands=_bands(d.bands)))
    return "\n".join(lines)


def target_text(target) -> str:
    """"trên 25% đến năm 2030", "đạt 100% hằng năm", "đạt 95% mỗi kỳ"."""
    value = fmt_percent(target.target)
    compared = (_("above {value}") if target.comparison == ">" else _("reach {value}")).format(
        value=value)
    if target.deadline:
        when = esc(target.deadline)
    elif target.horizon == "period":
        when = _("each period")
    elif target.horizon == "yearly":
        when = _("every year")
    else:
        when = _("by {year}").format(year=target.horizon)
    return f"{compared} {when}"


def indicator_line(item) -> str:
    value = fmt_percent(item.value, 1) if item.value is not None else "—"
    trend = ""
    if item.value is not None and item.previous is not None:
        trend = " ↗" if item.value > item.previous else " ↘" if item.value < item.previous else " →"
    if item.value is None:
        status = _("no data yet")
    elif item.reached:
        status = _("reached")
    elif item.gap:
        status = _("{gap} short").format(gap=fmt_percent(item.gap, 1))
    else:
        status = _("not above the target yet")
    return _("• {name}: {value}{trend} / target: {target} — {status}").format(
        name=esc(item.target.name), value=value, trend=trend, target=target_text(item.target),
        status=status)


def board_text(d: digests.BoardDigest) -> str:
    lines = [_("📈 <b>Province overview — {period}</b>").format(period=period_label(d.period)),
             _("Reports sent: {sent}/{total} ({rate})").format(
                 sent=fmt_number(d.submitted), total=fmt_number(d.cadres),
                 rate=fmt_percent(d.submitted / d.cadres if d.cadres else 0))]
    if d.indicators:
        lines.append(_("<b>Resolution targets</b> (largest gap first)"))
        for item in d.indicators:
            lines.append(indicator_line(item))
    if d.units:
        lines.append(_("<b>Units with the lowest submission</b>"))
        for row in d.units[:5]:
            avg = fmt_score(row.average) if row.average is not None else "—"
            lines.append(_("• {unit}: {rate} sent, average score {avg}").format(
                unit=esc(row.unit), rate=fmt_percent(row.rate), avg=avg))
    if d.bands:
        lines.append(_("Ratings: {bands}").format(bands=_bands(d.bands)))
    if d.training:
        lines.append(_("<b>Training this year</b> (cadres with a verified course)"))
        for category, share in sorted(d.training.items()):
            lines.append(f"• {category_name(category)}: {fmt_percent(share)}")
    for notice_id, text, sent, acked in d.notices:
        lines.append(_("🔔 #{id} {text}: {ack}/{sent} confirmed").format(
            id=notice_id, text=esc(text), ack=fmt_number(acked), sent=fmt_number(sent)))
    return "\n".join(lines)


async def _period(context: BotContext, period_id: int | None = None) -> Period | None:
    async with context.db.session() as session:
        if period_id is not None:
            return await session.get(Period, period_id)
        return await digests.digest_period(session, context.today, context.services.calendar,
                                           context.services.policy.calendar)


async def on_digest(update: Update, context: BotContext) -> None:
    if not context.actor.is_supervisor:
        label = ITEMS["digest"].label
        await update.effective_message.reply_text(
            _("“{label}” is only for evaluators and the Organization Board.").format(
                label=_(label)))
        return
    await send_digest(update, context, None)


async def send_digest(update: Update, context: BotContext, period_id: int | None) -> None:
    period = await _period(context, period_id)
    if period is None:
        await context.bot.send_message(update.effective_chat.id,
                                       _("There is no period to summarise yet."))
        return
    sent = await deliver(context.bot, context.services, update.effective_chat.id,
                         context.actor.cadre_id, context.actor.is_board, period, context.today)
    if not sent:
        await context.bot.send_message(update.effective_chat.id, _("You do not evaluate any cadre."))


async def deliver(bot, services, chat: int, cadre_id: int, is_board: bool, period: Period,
                  today) -> bool:
    """Send the digest(s) this person gets: the board overview and/or their cadres'."""
    policy = services.policy
    async with services.db.session() as session:
        board = (await digests.board_digest(session, period, policy, today)) if is_board else None
        mine = await digests.supervisor_digest(session, cadre_id, period, policy, today)
    rendered = await asyncio.to_thread(render_digest, period, mine, board)
    return await send_rendered(bot, chat, period, rendered)


def render_supervisor(period: Period, mine: digests.Digest) -> tuple[str, bytes | None]:
    scored = [line for line in mine.lines if line.total is not None]
    png = bars_png([line.name for line in scored], [line.total for line in scored],
                   _("Scores of {period}").format(period=period_label(period))
                   ) if scored else None
    return supervisor_text(mine), png


def render_board(board: digests.BoardDigest) -> tuple[str, bytes]:
    png = bars_png([r.unit for r in board.units[:15]], [r.rate * 100 for r in board.units[:15]],
                   _("Reports sent by unit (%)"))
    return board_text(board), png


@dataclass
class Rendered:
    """One person's digest, ready to send: (text, chart, chart file name) messages, the board
    overview first."""

    parts: list[tuple[str, bytes | None, str]]
    board: bool


def render_digest(period: Period, mine: digests.Digest | None,
                  board: digests.BoardDigest | None) -> Rendered:
    """Pure and CPU-bound (matplotlib, ~50 ms a chart): callers run it in a thread or a worker
    process (`render_stream`), so the bot keeps answering while it draws."""
    parts = []
    if board is not None:
        parts.append((*render_board(board), "tong_hop.png"))
    if mine is not None and mine.lines:
        parts.append((*render_supervisor(period, mine), "diem.png"))
    return Rendered(parts, board is not None)


async def send_rendered(bot, chat: int, period: Period, rendered: Rendered) -> bool:
    buttons = [[button(_("📥 Download Excel"), PREFIX, "x", period.id),
                button(_("✅ Approvals"), "rv", "p", 0)],
               [button(_("📅 Another period"), PREFIX, "pp")]]
    if rendered.board:
        buttons.append([button(_("🏢 By unit"), PREFIX, "u", period.id, 0)])
    rows = InlineKeyboardMarkup(buttons)
    for text, png, name in rendered.parts:
        if png:
            await bot.send_photo(chat, InputFile(png, name))
        await bot.send_message(chat, text, parse_mode="HTML", reply_markup=rows)
    return bool(rendered.parts)


RENDER_WORKERS = 2  # processes drawing the scheduled digests' charts (the machine's cores)
RENDER_AHEAD = 8  # digests drawn ahead of the one being sent


async def render_stream(items: list[tuple], workers: int = RENDER_WORKERS
                        ) -> AsyncIterator[tuple[object, Rendered]]:
    """(key, Rendered) for each (key, period, mine, board), in order. Worker processes draw
    up to RENDER_AHEAD digests ahead of the consumer (~50 ms a chart), so the bot's own
    process keeps answering at full speed while a province's digests go out."""
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque = deque()
    todo = iter(items)
    try:
        while True:
            while len(pending) < RENDER_AHEAD and (item := next(todo, None)) is not None:
                key, *args = item
                pending.append((key, loop.run_in_executor(pool, render_digest, *args)))
            if not pending:
                return
            key, future = pending.popleft()
            yield key, await future
    finally:
        for _key, future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


async def send_scheduled(app: Application, today) -> int:
    """Monday mornings and the working day after a submission deadline: every linked
    evaluator and board member gets their digest once (claimed in the reminder log just
    before it is sent: a crash loses at most the one being sent)."""
    from bot.services import reminders
    from models import Cadre, ReminderLog, RoleGrant

    services = app.bot_data["services"]
    subject = f"digest:{today.isoformat()}"
    async with services.db.session() as session:
        period = await digests.digest_period(session, today, services.calendar,
                                             services.policy.calendar)
        evaluator_ids = set(await session.scalars(select(Cadre.evaluator_id).where(
            Cadre.active.is_(True), Cadre.evaluator_id.is_not(None)).distinct()))
        board_ids = set(await session.scalars(select(RoleGrant.cadre_id).where(
            RoleGrant.role == "board")))
        already = (select(ReminderLog.id).where(  # sent before a restart
            ReminderLog.cadre_id == Cadre.id, ReminderLog.subject == subject,
            ReminderLog.step == "digest").exists())
        people = list(await session.scalars(select(Cadre).where(
            Cadre.id.in_(evaluator_ids | board_ids), Cadre.active.is_(True),
            Cadre.telegram_chat_id.is_not(None), Cadre.reachable.is_(True), ~already)))
    if not people:
        return 0
    async with services.db.session() as session:  # bulk: one pass for every evaluator
        all_digests = await digests.all_supervisor_digests(session, period, services.policy,
                                                           today)
        board = (await digests.board_digest(session, period, services.policy, today)
                 if board_ids else None)
    now = services.clock.now()
    items = [(person, period, all_digests.get(person.id),
              board if person.id in board_ids else None) for person in people]
    sent = 0
    async with aclosing(render_stream(items)) as stream:
        async for person, rendered in stream:
            if not rendered.parts:
                continue
            async with services.db.session() as session:
                claim = reminders.Reminder(person.id, person.telegram_chat_id, subject,
                                           "digest", "digest")
                if not await reminders.claim(session, claim, now):
                    continue
            try:
                if await send_rendered(app.bot, person.telegram_chat_id, period, rendered):
                    sent += 1
            except TelegramError:
                continue
    return sent


def digest_day(today, calendar, periods_deadlines, weekday: int = 0,
               after_deadline: bool = True) -> bool:
    """The digest weekday (Monday), or the first working day after a submission deadline."""
    if today.weekday() == weekday:
        return True
    previous = calendar.add_working_days(today, -1)
    return after_deadline and any(previous <= d < today for d in periods_deadlines)


async def _daily(context) -> None:
    services = context.application.bot_data["services"]
    today = services.clock.now().astimezone(services.settings.tz).date()
    if not services.calendar.is_working_day(today) or not await leadership.is_leader(
            context.application):
        return
    async with services.db.session() as session:
        deadlines = list(await session.scalars(select(Period.submission_deadline).where(
            Period.kind != "year")))
    rules = services.policy.reminders
    if digest_day(today, services.calendar, deadlines, rules.digest_weekday,
                  rules.digest_after_deadline):
        await send_scheduled(context.application, today)


def excel_workbook(mine: digests.Digest, board: digests.BoardDigest | None) -> bytes:
    """"📥 Tải Excel": the cadres one evaluates, and for the board the province's sheets."""
    sheets = []
    headers = [_("Cadre code"), _("Full name"), _("Unit"), _("Sent"), _("Sent late"),
               _("Waiting for approval"), _("Total"), _("Band")]
    sheets.append((_("Cadres"), headers, [
        [line.code, line.name, line.unit, _("yes") if line.submitted else _("no"),
         _("yes") if line.late else "", line.waiting,
         shown_score(line.total) if line.total is not None else None,
         band_label(line.band) if line.band else ""] for line in mine.lines]))
    if board is not None:
        sheets.append((_("Units"), [_("Unit"), _("Cadres"), _("Sent"), _("Sent %"),
                                    _("Average score")],
                       [[r.unit, r.cadres, r.submitted, round(r.rate * 100, 1),
                         round(r.average, 1) if r.average is not None else None]
                        for r in board.units]))
        sheets.append((_("Resolution targets"), [_("Indicator"), _("Value %"), _("Target"),
                                                 _("Gap %")],
                       [[i.target.name, round(i.value * 100, 1) if i.value is not None else None,
                         target_text(i.target),
                         round(i.gap * 100, 1) if i.value is not None else None]
                        for i in board.indicators]))
        names = [i.target.name for i in board.unit_indicators[0][1]] \
            if board.unit_indicators else []
        sheets.append((_("Targets by unit"), [_("Unit"), *[f"{n} (%)" for n in names]],
                       [[unit, *[round(i.value * 100, 1) if i.value is not None else None
                                 for i in items]] for unit, items in board.unit_indicators]))
        sheets.append((_("Ratings"), [_("Band"), _("Cadres")],
                       [[band_label(b), board.bands.get(b.value, 0)] for b in BAND_ORDER]))
        sheets.append((_("Notices"), [_("Notice"), _("Text"), _("Sent"), _("Acknowledged")],
                       [list(n) for n in board.notices]))
        sheets.append((_("Training"), [_("Group"), _("Cadres with a verified course %")],
                       [[category_name(k), round(v * 100, 1)] for k, v in board.training.items()]))
    return digest_workbook(sheets)


async def send_excel(update: Update, context: BotContext, period_id: int) -> None:
    period = await _period(context, period_id)
    if period is None:
        raise LookupError
    policy = context.services.policy
    board = None
    async with context.db.session() as session:
        mine = await digests.supervisor_digest(session, context.actor.cadre_id, period, policy,
                                               context.today)
        if context.actor.is_board:
            board = await digests.board_digest(session, period, policy, context.today)
    await context.bot.send_document(update.effective_chat.id, InputFile(
        excel_workbook(mine, board), f"tong_hop_{period.year}_{period.number:02d}.xlsx"),
        caption=_("📥 Summary of {period}").format(period=period_label(period)))


async def show_periods(update: Update, context: BotContext) -> None:
    async with context.db.session() as session:
        recent = list(await session.scalars(select(Period).where(
            Period.kind != "year", Period.starts_on <= context.today)
            .order_by(Period.starts_on.desc()).limit(8)))
    rows = [[button(period_label(p), PREFIX, "p", p.id)] for p in recent]
    await edit_or_send(update, context, _("Which period?"), InlineKeyboardMarkup(rows))


async def show_unit(update: Update, context: BotContext, period_id: int, unit_id: int,
                    page: int = 0) -> None:
    period = await _period(context, period_id)
    if period is None:
        raise LookupError
    async with context.db.session() as session:
        view = await digests.unit_breakdown(session, period, context.services.policy,
                                            unit_id or None, context.today)
    title = view.unit.name if view.unit else _("the province")
    lines = [_("🏢 <b>{unit}</b> — {period}").format(unit=esc(title), period=period_label(period))]
    rows = []
    pages = max(1, -(-len(view.children) // UNIT_PAGE))
    page = min(max(page, 0), pages - 1)
    if pages > 1:
        lines.append(_("Units {first}–{last} of {count}").format(
            first=page * UNIT_PAGE + 1, count=len(view.children),
            last=min((page + 1) * UNIT_PAGE, len(view.children))))
    for unit, row in view.children[page * UNIT_PAGE:(page + 1) * UNIT_PAGE]:
        avg = fmt_score(row.average) if row.average is not None else "—"
        lines.append(_("• {unit}: {sent}/{total} sent, average {avg}").format(
            unit=esc(unit.name), sent=row.submitted, total=row.cadres, avg=avg))
        rows.append([button(unit.name[:40], PREFIX, "u", period.id, unit.id)])
    for line in view.cadres:
        state = _("sent") if line.submitted else _("not sent")
        score = fmt_score(line.total) if line.total is not None else "—"
        lines.append(f"• {esc(line.name)}: {state} · {score}")
    if view.unit is not None and view.indicators:
        lines.append(_("<b>Resolution targets in {unit}</b>").format(unit=esc(view.unit.name)))
        lines += [indicator_line(item) for item in view.indicators]
    rows += pager_rows(page, page + 1 < pages, PREFIX, "u", period.id, unit_id)
    if view.unit is not None and view.unit.parent_id is not None:
        rows.append([button(_("⬆️ Up"), PREFIX, "u", period.id, view.unit.parent_id)])
    else:  # the top: back to the province overview
        rows.append([button(_("📈 Province overview"), PREFIX, "p", period.id)])
    await edit_or_send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data or ""
    action = data.split(":")[1] if ":" in data else ""
    try:
        if not context.actor.is_supervisor:
            raise LookupError
        ids = parse_ids(data, 1)
        if action == "x" and ids and await _period(context, ids[0]):
            await query.answer()
            await send_excel(update, context, ids[0])
            return
        if action == "pp":
            await show_periods(update, context)
        elif action == "p" and ids and await _period(context, ids[0]):
            await query.answer()
            await send_digest(update, context, ids[0])
            return
        elif action == "u" and context.actor.is_board and (two := parse_ids(data, 2)):
            await show_unit(update, context, two[0], two[1], (parse_ids(data, 3) or [0] * 3)[2])
        else:
            raise LookupError
        await query.answer()
        return
    except LookupError:
        await refuse(update, _("This button is no longer valid. Please open the function again "
                               "from the menu."))


def register(app: Application) -> None:
    register_item(app, ITEMS["digest"], on_digest)
    if app.job_queue is not None:
        services = app.bot_data["services"]
        hours, minutes = (int(x) for x in services.policy.reminders.digest_time.split(":"))
        app.job_queue.run_daily(_daily, time=time(hours, minutes, tzinfo=services.settings.tz),
                                name="digests")
    app.add_handler(CallbackQueryHandler(final(on_callback), pattern=rf"^{PREFIX}:"))
