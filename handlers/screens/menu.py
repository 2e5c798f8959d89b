"""The main menu (reply keyboard), the bot's command list and ❓ Trợ giúp: what everyone reads
first. Pure: the actor's roles in, text and keyboard out."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from bot.i18n import N_, _
from bot.services.identity import Actor


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
    MenuItem("dashboard", N_("🖥 Dashboard"), "bangdieukhien",
             N_("Figures and charts in one screen (the dashboard)")),
    MenuItem("help", N_("❓ Help"), "trogiup", N_("How to use the bot")),
]
ITEMS = {item.key: item for item in MENU}

# The dashboard's public address (CADREBOT_WEBAPP_URL), set by bot/app.py when it builds the
# bot; None: there is no dashboard and its menu item is not shown.
_DASHBOARD: dict[str, str | None] = {"url": None}


def set_dashboard_url(url: str | None) -> None:
    _DASHBOARD["url"] = url


def dashboard_url() -> str | None:
    return _DASHBOARD["url"]

HELP_LINES = {
    "report": N_("log this period's work products against your targets and send them for approval."),
    "results": N_("your score and rating for each period, and how each score was computed."),
    "training": N_("your training obligations for the year; declare a completed course."),
    "notices": N_("notices from the Organization Board; confirm receipt or register."),
    "review": N_("approve or return the reports of the cadres you evaluate; evaluate each "
                 "period (⭐) and propose their annual quality rating (📅)."),
    "review_board": N_("approve or return the reports of cadres who have no evaluator and "
                       "those still waiting in a locked period; close the agencies' annual "
                       "rating lists (🏛)."),
    "digest": N_("summary of your units: who has reported, scores, training."),
    "dashboard": N_("the figures of the views open to you on one screen, with charts and "
                    "Excel downloads (board: the province and its units; evaluators: your "
                    "team; everyone: your own year)."),
    "help": N_("this guide."),
}

MenuScreen = tuple[str, ReplyKeyboardMarkup]


def visible_items(actor: Actor) -> list[MenuItem]:
    return [item for item in MENU if (actor.is_supervisor or not item.supervisors_only)
            and (item.key != "dashboard" or dashboard_url())]


def menu_keyboard(actor: Actor) -> ReplyKeyboardMarkup:
    labels = [_(item.label) for item in visible_items(actor)]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def bot_commands() -> list[BotCommand]:
    commands = [BotCommand("start", _("Start / show the menu"))]
    commands += [BotCommand(item.command, _(item.description)) for item in MENU
                 if item.key != "dashboard" or dashboard_url()]
    commands.append(BotCommand("chitieu", _("Adjust targets (evaluators)")))
    commands.append(BotCommand("huy", _("Cancel what you are doing")))
    return commands


def menu(actor: Actor, text: str | None = None) -> MenuScreen:
    """`text` (by default: choose a function) above the actor's menu."""
    return text or _("Please choose a function from the menu below."), menu_keyboard(actor)


def greeting(actor: Actor) -> MenuScreen:
    return menu(actor, _("Hello {name}! Please choose a function from the menu below.").format(
        name=actor.full_name))


def cancelled(actor: Actor, had_flow: bool) -> MenuScreen:
    return menu(actor, _("Cancelled. Everything you had saved is kept.") if had_flow
                else _("There is nothing to cancel."))


def supervisors_only(actor: Actor, item: MenuItem) -> MenuScreen:
    return menu(actor, _("“{label}” is only for evaluators and the Organization Board.").format(
        label=_(item.label)))


def coming_soon(actor: Actor) -> MenuScreen:
    return menu(actor, _("This feature is being completed. Please come back later."))


def help_screen(actor: Actor) -> MenuScreen:
    """❓ Trợ giúp (HTML): each item the actor sees, the commands of their roles."""
    lines = [_("<b>How to use Trợ lý Cán bộ</b>"), ""]
    for item in visible_items(actor):
        key = item.key
        if key == "review" and actor.is_board and not actor.evaluates:
            key = "review_board"  # evaluates nobody: what the board decides there
        lines.append(f"<b>{_(item.label)}</b> (/{item.command}): {_(HELP_LINES[key])}")
    lines.append("")
    if actor.is_board:
        lines.append(_("/chitieu — adjust a cadre's targets."))
    elif actor.is_supervisor:
        lines.append(_("/chitieu — adjust the targets of the cadres you evaluate."))
    if actor.is_board:
        lines.append(_("/suabaocao CODE [PERIOD] — correct a cadre's report, also after the "
                       "period is locked (recorded in the audit log)."))
        lines.append(_("/phananh CODE — record the people's feedback about a cadre or a unit "
                       "(evaluators see it when reviewing the period)."))
        lines.append(_("Send a list as an .xlsx or .csv file (roster, units, catalogue, "
                       "training requirements, past ratings, satisfaction rates, feedback) to "
                       "import it: the bot checks every row and writes nothing until you tap "
                       "“✅ Apply”."))
    lines += [
        _("/caidat — turn reminders on or off."),
        _("/huy — cancel what you are doing at any time; what you have saved is kept."),
        _("You can type numbers such as 125, 1.250 or 12,5; everything else is done with buttons."),
        _("If something is wrong with your record, contact the Organization Board of your agency."),
    ]
    return "\n".join(lines), menu_keyboard(actor)


def dashboard_screen(actor: Actor) -> tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup]:
    """🖥 Bảng điều khiển: a button that opens the Mini App. An inline button, not a
    keyboard one: Telegram hands the page its signed initData (the page's only sign-in)
    when it is opened from an inline button or the menu button, and none when opened from a
    reply-keyboard button."""
    url = dashboard_url()
    if not url:
        return menu(actor, _("The dashboard is not set up on this bot."))
    views = [_("your own year")]
    if actor.is_supervisor:
        views.insert(0, _("the people you evaluate"))
    if actor.is_board:
        views.insert(0, _("the province and its units, notices"))
    return (_("🖥 The dashboard shows {views}, with charts and Excel downloads.").format(
        views=", ".join(views)),
        InlineKeyboardMarkup([[InlineKeyboardButton(_("🖥 Open the dashboard"),
                                                    web_app=WebAppInfo(url))]]))


def unknown_message(actor: Actor, text: str | None, is_file: bool) -> MenuScreen:
    """The fallback's answer to a message no feature took (with the menu)."""
    if text and text.startswith("/"):
        answer = _("Unknown command. Type /trogiup to see what the bot can do.")
    elif text:
        answer = _(
            "Sorry, I did not understand. Please choose a function from the menu below "
            "or type /trogiup for help."
        )
    elif is_file:
        answer = _(
            "This file does not belong to anything you are doing now. To attach evidence, "
            "open “📝 KPI report” and choose the product first."
        )
    else:
        answer = _("I can only read text messages and button taps. Please use the menu below.")
    return menu(actor, answer)
