"""The vocabulary every screen shares: one number formatter, one status vocabulary, one
stale-button answer, the labels of bands and periods. Pure: data in, text out."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_figure, fmt_number, fmt_percent, fmt_score
from bot.services.numbers import AmbiguousNumber, NotANumber
from bot.services.words import indicator_group
from handlers.callbacks import Action
from models.enums import Band, EntryStatus, PeriodType

if TYPE_CHECKING:
    from bot.services.scoring import GroupScore
    from models import Period

# A tap on a button whose subject changed or vanished (or forged data): one answer everywhere.
STALE = N_("This button is no longer valid. Please open the function again from the menu.")

Screen = tuple[str, InlineKeyboardMarkup | None]


def figure(value: float | int | None) -> str:
    """A reported figure or a number of points: '125', '12,5', '—' when there is none."""
    return fmt_figure(value)


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters for a button or a one-line summary: cut at the
    last word boundary that fits, with "…" (never "quản lý nhà nướ"); a single word longer
    than the limit is cut inside it, still with "…"."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    room = text[:limit - 1]
    cut = room.rsplit(" ", 1)[0] if " " in room and text[limit - 1] != " " else room
    cut = cut.rstrip(" ,;:.-—–·(")
    return (cut or room) + "…"


def stale() -> str:
    return _(STALE)


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


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def not_a_number(text: str, error: NotANumber, usual: str | None = None) -> str:
    """What to tell someone whose typed number was refused: `usual` (by default: this is not
    a number, type e.g. 125), or, for '1,250', that it reads two ways and how to type it
    clearly. The person's text is escaped: send it with parse_mode="HTML"."""
    if not isinstance(error, AmbiguousNumber):
        if usual is not None:
            return usual
        shown = shorten(text, 31)
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


def pager(action: Action, page: int, more: bool, *values) -> list[list[InlineKeyboardButton]]:
    """The ◀️ / ▶️ row of a paged list (none when everything fits): `action` with `values`
    followed by the page to show."""
    nav = []
    if page > 0:
        nav.append(action.button(_("◀️ Previous"), *values, page - 1))
    if more:
        nav.append(action.button(_("Next ▶️"), *values, page + 1))
    return [nav] if nav else []


def groups_line(groups: Sequence[GroupScore] | Sequence[tuple[int, float]]) -> str:
    """The indicator groups on one phone line: "Kết quả 100% · Phục vụ 88% · Phối hợp 75%"
    (issue #24 part 2); "" when there are none. Takes group scores or (group, ratio) pairs."""
    parts = []
    for item in groups:
        group, ratio = (item.group, item.percent) if hasattr(item, "percent") else item
        parts.append(f"{indicator_group(group, short=True)} {fmt_percent(ratio)}")
    return " · ".join(parts)


def group_points_lines(groups: Sequence[GroupScore]) -> list[str]:
    """One line per indicator group with its percentage and the points it brings."""
    return [_("• {group}: {percent} → {points} points").format(
        group=esc(indicator_group(g.group)), percent=fmt_percent(g.percent),
        points=fmt_score(g.points)) for g in groups]
