"""Main menu (reply keyboard), help, cancel, and the menu items still being built."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand, ReplyKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, _
from bot.services import flows
from bot.services.identity import Actor
from handlers.common import final


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str  # msgid; shown through _()
    command: str
    description: str  # msgid for setMyCommands
    supervisors_only: bool = False


MENU = [
    MenuItem("report", N_("📝 KPI report"), "baocao", N_("Report work results against KPIs")),
    MenuItem("results", N_("📊 My results"), "ketqua", N_("See my evaluation results")),
    MenuItem("training", N_("📚 Training"), "boiduong", N_("Training obligations, declare a course")),
    MenuItem("notices", N_("🔔 Notices"), "thongbao", N_("Notices from the Organization Board")),
    MenuItem(
        "review", N_("✅ Approvals"), "pheduyet", N_("Review reports (evaluators)"), True
    ),
    MenuItem("digest", N_("📈 Summary"), "tonghop", N_("Summary reports (evaluators)"), True),
    MenuItem("help", N_("❓ Help"), "trogiup", N_("How to use the bot")),
]
ITEMS = {item.key: item for item in MENU}

HELP_LINES = {
    "report": N_("log this period's work products against your targets and send them for approval."),
    "results": N_("your score and rating for each period, and how each score was computed."),
    "training": N_("your training obligations for the year; declare a completed course."),
    "notices": N_("notices from the Organization Board; confirm receipt or register."),
    "review": N_("approve or return the reports of the cadres you evaluate; evaluate each "
                 "period (⭐) and propose their annual quality rating (📅)."),
    "digest": N_("summary of your units: who has reported, scores, training."),
    "help": N_("this guide."),
}


def visible_items(actor: Actor) -> list[MenuItem]:
    return [item for item in MENU if actor.is_supervisor or not item.supervisors_only]


def menu_keyboard(actor: Actor) -> ReplyKeyboardMarkup:
    labels = [_(item.label) for item in visible_items(actor)]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def bot_commands() -> list[BotCommand]:
    commands = [BotCommand("start", _("Start / show the menu"))]
    commands += [BotCommand(item.command, _(item.description)) for item in MENU]
    commands.append(BotCommand("chitieu", _("Adjust targets (evaluators)")))
    commands.append(BotCommand("huy", _("Cancel what you are doing")))
    return commands


async def show_menu(update: Update, context: BotContext, text: str | None = None) -> None:
    assert context.actor is not None
    await update.effective_message.reply_text(
        text or _("Please choose a function from the menu below."),
        reply_markup=menu_keyboard(context.actor),
    )


async def on_start_linked(update: Update, context: BotContext) -> None:
    if context.args:  # a deep link with an invite code moves the link (SPEC §2.4), if confirmed
        from handlers.onboarding import confirm_relink

        await confirm_relink(update, context, context.args[0])
        return
    actor = context.actor
    assert actor is not None
    await show_menu(
        update,
        context,
        _("Hello {name}! Please choose a function from the menu below.").format(
            name=actor.full_name
        ),
    )


async def on_help(update: Update, context: BotContext) -> None:
    assert context.actor is not None
    lines = [_("<b>How to use Trợ lý Cán bộ</b>"), ""]
    for item in visible_items(context.actor):
        lines.append(f"<b>{_(item.label)}</b> (/{item.command}): {_(HELP_LINES[item.key])}")
    lines.append("")
    if context.actor.is_supervisor:
        lines.append(_("/chitieu — adjust the targets of the cadres you evaluate."))
    if context.actor.is_board:
        lines.append(_("/suabaocao CODE [PERIOD] — correct a cadre's report, also after the "
                       "period is locked (recorded in the audit log)."))
    lines += [
        _("/caidat — turn reminders on or off."),
        _("/huy — cancel what you are doing at any time; what you have saved is kept."),
        _("You can type numbers such as 125, 1.250 or 12,5; everything else is done with buttons."),
        _("If something is wrong with your record, contact the Organization Board of your agency."),
    ]
    await update.effective_message.reply_text(
        "\n".join(lines), parse_mode="HTML", reply_markup=menu_keyboard(context.actor)
    )


async def on_cancel(update: Update, context: BotContext) -> None:
    async with context.db.session() as session:
        had_flow = await flows.clear_flow(session, update.effective_chat.id)
    text = (
        _("Cancelled. Everything you had saved is kept.")
        if had_flow
        else _("There is nothing to cancel.")
    )
    await show_menu(update, context, text)


def coming_soon(item: MenuItem):
    async def handler(update: Update, context: BotContext) -> None:
        actor = context.actor
        assert actor is not None
        if item.supervisors_only and not actor.is_supervisor:
            await show_menu(
                update,
                context,
                _("“{label}” is only for evaluators and the Organization Board.").format(
                    label=_(item.label)
                ),
            )
            return
        await show_menu(
            update, context, _("This feature is being completed. Please come back later.")
        )

    return handler


def label_filter(item: MenuItem) -> filters.BaseFilter:
    return filters.ChatType.PRIVATE & filters.Text([_(item.label)])


def opens_menu_item(callback):
    """Opening a menu item leaves any flow in progress (what was saved stays saved)."""

    @final
    async def wrapper(update: Update, context: BotContext) -> None:
        if context.flow is not None:
            async with context.db.session() as session:
                await flows.clear_flow(session, update.effective_chat.id)
            context.flow = None
        await callback(update, context)

    return wrapper


def register_item(app: Application, item: MenuItem, callback, group: int = 0) -> None:
    """Route an item's menu label and its /command to `callback`."""
    handler = opens_menu_item(callback)
    app.add_handler(CommandHandler(item.command, handler, filters.ChatType.PRIVATE), group)
    app.add_handler(MessageHandler(label_filter(item), handler), group)


# Items whose feature module has not registered a real handler yet.
PENDING: list[str] = []


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", final(on_start_linked), filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("huy", final(on_cancel), filters.ChatType.PRIVATE))
    register_item(app, ITEMS["help"], on_help)
    for key in PENDING:
        register_item(app, ITEMS[key], coming_soon(ITEMS[key]))
