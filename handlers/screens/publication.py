"""📋 The agency's published results (from 📊 Kết quả của tôi): the lists published, one
list (names, points, bands; never reasons or evidence) and its Excel file. Pure: data in,
(text, keyboard) out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, fmt_local_date, fmt_score, ngettext
from bot.services.publication import Publication, PublicationError, PublishedList
from handlers.callbacks import action
from handlers.screens.common import band_label, esc, period_label
from models.enums import PeriodType

PREFIX = "cb"
LISTS = action(PREFIX, "l")  # the caller's agency's published lists
VIEW = action(PREFIX, "v", "period_id:id")  # one published list (a year or a quarter)
FILE = action(PREFIX, "x", "period_id:id")  # the same list as an .xlsx file

SHOWN_ROWS = 60  # a message holds 4,096 characters: a longer list is in the file


def entry_label() -> str:
    """The button under 📊 Kết quả của tôi."""
    return _("📋 Published results of my agency")


def list_title(publication: Publication) -> str:
    if publication.period.kind == PeriodType.YEAR.value:
        return _("Annual quality rating {year}").format(year=publication.period.year)
    return _("Evaluation results of {period}").format(period=period_label(publication.period))


def lists_screen(agency_name: str, found: list[Publication], tz: ZoneInfo,
                 back: InlineKeyboardButton) -> tuple[str, InlineKeyboardMarkup]:
    """`back`: the way back to 📊 Kết quả của tôi (its screens module shows this one's
    button, so it is given here rather than imported)."""
    lines = [_("📋 <b>Published results — {agency}</b>").format(agency=esc(agency_name)), ""]
    if not found:
        lines.append(_("Nothing has been published yet. The annual rating list of the agency "
                       "is published here when the head of the agency or the Organization "
                       "Board closes it."))
    else:
        lines.append(_("Names, points and bands of the agency's members, as published "
                       "(without the reasons or the evidence):"))
    rows = [[VIEW.button(_("{title} (published on {date})").format(
        title=list_title(p), date=fmt_local_date(p.published_at, tz)), p.period.id)]
        for p in found]
    rows.append([back])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def list_screen(listing: PublishedList, tz: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    publication = listing.publication
    lines = [_("📋 <b>{agency} — {title}</b>").format(agency=esc(publication.agency_name),
                                                      title=list_title(publication)),
             _("Published on {date}.").format(date=fmt_local_date(publication.published_at,
                                                                  tz)), ""]
    for index, row in enumerate(listing.rows[:SHOWN_ROWS], start=1):
        points = fmt_score(row.points) if row.points is not None else "—"
        band = band_label(row.band) if row.band else "—"
        where = ", ".join(esc(part) for part in (row.title, row.unit) if part)
        lines.append(_("{index}. {name} ({where}) — {points} points — {band}").format(
            index=index, name=esc(row.full_name), where=where, points=points, band=band)
            if where else
            _("{index}. {name} — {points} points — {band}").format(
                index=index, name=esc(row.full_name), points=points, band=band))
    more = len(listing.rows) - SHOWN_ROWS
    if more > 0:
        lines.append(ngettext("… and {count} more person: see the Excel file.",
                              "… and {count} more people: see the Excel file.",
                              more).format(count=more))
    if not listing.rows:
        lines.append(_("Nobody is rated on this list."))
    rows = [[FILE.button(_("📥 Excel file"), publication.period.id)],
            [LISTS.button(_("⬅️ Back"))]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def file_caption(listing: PublishedList, tz: ZoneInfo) -> str:
    publication = listing.publication
    return _("📋 {agency} — {title}, published on {date}").format(
        agency=publication.agency_name, title=list_title(publication),
        date=fmt_local_date(publication.published_at, tz))


def sheet_title(listing: PublishedList) -> str:
    return period_label(listing.publication.period)


def refusal(error: PublicationError) -> str:
    if error.code == "off":
        return _("Results are not published in the bot in this province.")
    if error.code == "no_agency":
        return _("You are not in an agency on the roster: there is no published list for you.")
    return _("This list is not published (or no longer): open “📋 Published results of my "
             "agency” again.")
