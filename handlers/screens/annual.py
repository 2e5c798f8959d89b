"""📅 The annual quality rating ("xếp loại chất lượng"): the evaluator's list and proposals,
the agency's list with the cap and its closing, the board's overview and flags."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.i18n import _, fmt_date, fmt_figure, fmt_local_date, fmt_score
from bot.policy import ScoringPolicy
from bot.services.annual import (
    CLOSING_REASON,
    AgencyList,
    AnnualDraft,
    GroupCap,
    above,
    cap_sentence,
    flag_text,
    group_text,
)
from handlers.callbacks import action
from handlers.screens import leave as leave_screens
from handlers.screens.common import band_label, esc, pager, period_label
from models.enums import Band

if TYPE_CHECKING:
    from models import Leave

PREFIX = "ry"
YEAR = action(PREFIX, "y", "n", "n")  # year, page
CADRE = action(PREFIX, "c", "id", "n")  # cadre, year
PROPOSE = action(PREFIX, "ok", "id", "n", "band")  # cadre, year, band (the computed one)
OTHER = action(PREFIX, "b", "id", "n", "band")  # cadre, year, band (asks a reason)
AGENCY = action(PREFIX, "a", "id", "n", "n")  # agency, year, page
CHOOSE = action(PREFIX, "x", "id", "n", "id", "band")  # agency, year, cadre, band
CAP = action(PREFIX, "cap", "id", "n", "group")  # agency, year, duty group
CLOSE = action(PREFIX, "cl", "id", "n")  # agency, year: asks to confirm
CLOSE_OK = action(PREFIX, "clok", "id", "n")
AGENCIES = action(PREFIX, "ag", "n", "n")  # year, page
FLAGS = action(PREFIX, "f", "n", "n")  # year, page
LEAVE = action(PREFIX, "lv", "id", "n")  # cadre, year: asks the kind
LEAVE_KIND = action(PREFIX, "lk", "id", "n", "n")  # cadre, year, kind index
FORMS = action(PREFIX, "fm", "id", "n")  # agency, year: the agency's forms
MY_FORMS = action(PREFIX, "mf", "n")  # year: the sheets of the people the evaluator rates

PAGE = 10
AGENCY_PAGE = 15
LEAVE_KINDS = leave_screens.KINDS  # a button carries the index: the order is kept
BANDS = [Band.EXCELLENT, Band.GOOD, Band.DONE, Band.FAILED]


def months_text(months: float) -> str:
    return fmt_figure(int(months * 10 + 1e-6) / 10)


def _state(d: AnnualDraft) -> str:
    if d.final:
        return _("closed: {band}").format(band=band_label(d.band))
    if d.proposed:
        return _("proposed: {band}").format(band=band_label(d.band))
    return _("not proposed yet (by the points: {band})").format(band=band_label(d.computed_band))


def not_rated_line(d: AnnualDraft, scoring: ScoringPolicy) -> str:
    if d.score.too_few_months:
        return _("{months} months worked — evaluated, not rated (fewer than {minimum} "
                 "months)").format(months=months_text(d.months_worked),
                                   minimum=scoring.min_months_for_annual)
    return _("no period evaluated this year — not rated")


def year_screen(year: int, due: date, drafts: list[AnnualDraft], page: int, count: int,
                scoring: ScoringPolicy, agencies: list[tuple[int, str]],
                board: bool) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("📅 <b>Annual quality rating {year}</b> — due {date}").format(
        year=year, date=fmt_date(due)),
        _("Evaluators propose a band for each person; the agency's head or the Organization "
          "Board closes the agency's list.")]
    if count > PAGE:
        lines.append(_("{first}–{last} of {count} cadres").format(
            first=page * PAGE + 1, last=page * PAGE + len(drafts), count=count))
    rows = []
    for d in drafts:
        if not d.ratable:
            lines.append(f"• {esc(d.cadre.full_name)}: {not_rated_line(d, scoring)}")
        else:
            lines.append(_("• {name}: {total} points over {months} months — {state}").format(
                name=esc(d.cadre.full_name), total=fmt_score(d.total),
                months=d.score.months_rated, state=_state(d)))
        if not d.final:
            rows.append([CADRE.button(d.cadre.full_name, d.cadre.id, year)])
    if not count and not board:
        lines.append(_("You do not evaluate any cadre."))
    rows += pager(YEAR, page, (page + 1) * PAGE < count, year)
    for agency_id, name in agencies:
        rows.append([AGENCY.button(_("📋 List of {agency}").format(agency=name), agency_id,
                                   year, 0)])
    if count:
        rows.append([MY_FORMS.button(_("📄 Rating sheets"), year)])
    if board:
        rows.append([AGENCIES.button(_("🏛 Agencies' lists"), year, 0),
                     FLAGS.button(_("⚑ Planning proposals"), year, 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def cadre_screen(d: AnnualDraft, leaves: list[Leave], agency_band: str | None,
                 scoring: ScoringPolicy, closed: bool) -> tuple[str, InlineKeyboardMarkup]:
    cadre, year = d.cadre, d.year
    lines = [_("📅 <b>Annual quality rating {year} — {name}</b>").format(
        year=year, name=esc(cadre.full_name))]
    if d.periods:
        parts = [f"{period_label(period)}: {fmt_score(total)}" for period, total in d.periods]
        lines.append(_("Periods evaluated: {periods}").format(periods=" · ".join(parts)))
    lines.append(_("Months worked: {months}").format(months=months_text(d.months_worked)))
    for leave in leaves:
        lines.append("   " + leave_screens.span_text(leave))
    rows = []
    if not d.ratable:
        lines.append(not_rated_line(d, scoring))
    else:
        lines.append(_("Average of the periods, weighted by months: <b>{total} points</b>").format(
            total=fmt_score(d.total)))
        lines.append(_("Level by the points: <b>{band}</b>").format(
            band=band_label(d.computed_band)))
        if d.disciplined:
            lines.append(_("⚠️ A disciplinary measure (or another ground of the decree) recorded "
                           "this year forces “Did not complete duties”."))
        allowed = [Band.FAILED] if d.disciplined else list(BANDS)
        if cadre.is_leader and scoring.leader_not_above_agency:
            if agency_band is None:
                lines.append(_("The agency's own rating: no agency rating recorded yet (a "
                               "leader may not be rated above it)."))
            else:
                lines.append(_("The agency's own rating: {band} (a leader may not be rated "
                               "above it).").format(band=band_label(agency_band)))
                allowed = [b for b in allowed if not above(b, agency_band)]
        if d.proposed:
            lines.append(_state(d))
        if closed:
            lines.append(_("The agency's list for {year} is closed.").format(year=year))
        elif not d.final:
            if d.computed_band in allowed:
                rows.append([PROPOSE.button(_("📝 Propose: {band}").format(
                    band=band_label(d.computed_band)), cadre.id, year, d.computed_band)])
            for band in allowed:
                if band != d.computed_band:
                    rows.append([OTHER.button(_("Propose another level: {band}").format(
                        band=band_label(band)), cadre.id, year, band)])
    if not closed and not d.final:
        rows.append([LEAVE.button(_("🏖 Record leave"), cadre.id, year)])
    rows.append([YEAR.button(_("⬅️ Back to the list"), year, 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def reason_prompt(band: Band) -> str:
    return _("Why “{band}” instead of the level by the points? Type the reason:").format(
        band=band_label(band))


def leave_kind_screen(cadre_id: int, year: int, name: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[LEAVE_KIND.button(leave_screens.kind_label(kind), cadre_id, year, index)]
            for index, kind in enumerate(LEAVE_KINDS)]
    rows.append([CADRE.button(_("⬅️ Back"), cadre_id, year)])
    return _("🏖 Leave of {name}: which kind?").format(name=esc(name)), InlineKeyboardMarkup(rows)


def _names(drafts: list[AnnualDraft], shown: int = 20) -> str:
    names = ", ".join(esc(d.cadre.full_name) for d in drafts[:shown])
    if len(drafts) > shown:
        names += " " + _("and {count} more").format(count=len(drafts) - shown)
    return names


def group_line(cap: GroupCap) -> str:
    text = _("<b>{group}</b>: {members} proposed · “Well completed” {good} · “Excellently "
             "completed” {excellent} (at most {allowed})").format(
        group=group_text(cap.group), members=cap.members, good=cap.good,
        excellent=cap.excellent, allowed=cap.allowed)
    if cap.over:
        text += " — " + _("⚠️ {over} over").format(over=cap.over)
    return text


def agency_screen(listing: AgencyList, scoring: ScoringPolicy, page: int, may_close: bool,
                  actor_id: int) -> tuple[str, InlineKeyboardMarkup]:
    year, agency = listing.year, listing.agency_id
    lines = [_("📋 <b>Annual quality rating {year} — {agency}</b>").format(
        year=year, agency=esc(listing.agency_name))]
    if listing.closed:
        lines.append(_("✅ Closed on {date}: these are the final ratings.").format(
            date=fmt_local_date(listing.closed_at)))
    lines.append(cap_sentence(scoring, listing.outstanding))
    for cap in sorted(listing.caps.values(), key=lambda c: group_text(c.group)):
        lines.append("• " + group_line(cap))
    if listing.agency_band:
        lines.append(_("The agency's own rating: {band}.").format(
            band=band_label(listing.agency_band)))
    elif any(d.cadre.is_leader for d in listing.drafts):
        lines.append(_("⚠️ No agency rating recorded yet: the leaders' bands cannot be checked "
                       "against it. {body} records it before the list is closed.").format(
            body=esc(scoring.competent_body)))
    for d in listing.leader_conflicts:
        lines.append(_("⚠️ {name} (leader) is proposed above the agency's rating.").format(
            name=esc(d.cadre.full_name)))
    if listing.missing:
        lines.append(_("Not proposed yet: {names}").format(names=_names(listing.missing)))
    if listing.not_rated:
        lines.append(_("Evaluated, not rated: {names}").format(names=_names(listing.not_rated)))
    shown = [d for d in listing.drafts if d.proposed]
    pages = max(1, (len(shown) + AGENCY_PAGE - 1) // AGENCY_PAGE)
    page = max(0, min(page, pages - 1))
    chunk = shown[page * AGENCY_PAGE:(page + 1) * AGENCY_PAGE]
    if len(shown) > AGENCY_PAGE:
        lines.append(_("{first}–{last} of {count} proposals").format(
            first=page * AGENCY_PAGE + 1, last=page * AGENCY_PAGE + len(chunk), count=len(shown)))
    over_groups = {cap.group for cap in listing.over_cap}
    rows = []
    for d in chunk:
        proposed = Band(d.evaluation.proposed_band)
        mark = "" if d.band == proposed else " " + _("(proposed {band})").format(
            band=band_label(proposed))
        lines.append(f"• {esc(d.cadre.full_name)} — {fmt_score(d.total)} — "
                     f"{band_label(d.band)}{mark}")
        if listing.closed or not may_close or d.cadre.id == actor_id:
            continue
        if d in listing.leader_conflicts:
            rows.append([CHOOSE.button(_("⬇️ {name} → {band}").format(
                name=d.cadre.full_name, band=band_label(listing.agency_band)), agency, year,
                d.cadre.id, Band(listing.agency_band))])
        elif proposed == Band.EXCELLENT and d.band == Band.EXCELLENT \
                and d.duty_group in over_groups:
            rows.append([CHOOSE.button(_("⬇️ {name} → {band}").format(
                name=d.cadre.full_name, band=band_label(Band.GOOD)), agency, year, d.cadre.id,
                Band.GOOD)])
        elif proposed == Band.EXCELLENT and d.band == Band.GOOD:
            rows.append([CHOOSE.button(_("⬆️ {name} → {band}").format(
                name=d.cadre.full_name, band=band_label(Band.EXCELLENT)), agency, year,
                d.cadre.id, Band.EXCELLENT)])
    if not listing.closed and may_close:
        for cap in listing.over_cap:
            rows.append([CAP.button(_("⚖️ {group}: keep the highest scores within the cap")
                                    .format(group=group_text(cap.group)), agency, year,
                                    cap.group)])
    rows += pager(AGENCY, page, page + 1 < pages, agency, year)
    if listing.can_close and may_close:
        rows.append([CLOSE.button(_("✅ Close the list"), agency, year)])
    elif not listing.closed and may_close:
        lines.append(_("The list can be closed when everyone rated has a proposal, every group "
                       "is within the cap and no leader is above the agency's rating."))
    rows.append([FORMS.button(_("📄 Sheets and summary table"), agency, year)])
    rows.append([YEAR.button(_("⬅️ Back"), year, 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def close_confirm_screen(listing: AgencyList) -> tuple[str, InlineKeyboardMarkup]:
    counts = {band: sum(1 for d in listing.drafts if d.proposed and d.band == band)
              for band in BANDS}
    summary = " · ".join(f"{band_label(band)}: {count}" for band, count in counts.items()
                         if count)
    text = _("Close the annual rating list {year} of {agency}? {summary}.\nAfter closing, the "
             "ratings are final: each person is told, and the forms and exports use them.").format(
        year=listing.year, agency=esc(listing.agency_name), summary=summary)
    rows = [[CLOSE_OK.button(_("✅ Confirm and close"), listing.agency_id, listing.year),
             AGENCY.button(_("⬅️ Back"), listing.agency_id, listing.year, 0)]]
    return text, InlineKeyboardMarkup(rows)


def closed_notice(year: int, d: AnnualDraft) -> str:
    text = _("📅 Your annual quality rating for {year}: {total} points — {band}.").format(
        year=year, total=fmt_score(d.total), band=band_label(d.band))
    if d.evaluation.band_reason and d.evaluation.band_reason != CLOSING_REASON:
        text += "\n" + _("Reason given: {reason}").format(reason=esc(d.evaluation.band_reason))
    elif d.evaluation.band_reason == CLOSING_REASON:
        text += "\n" + _("Your evaluator proposed “{band}”; the agency's list was closed within "
                         "the cap on “Excellently completed duties”.").format(
            band=band_label(d.evaluation.proposed_band))
    return text


def agencies_screen(year: int, rows_data: list[tuple[int, str, bool, int, int]],
                    page: int) -> tuple[str, InlineKeyboardMarkup]:
    """(agency id, name, closed, proposed, people) per agency."""
    lines = [_("🏛 <b>Agencies' annual rating lists {year}</b>").format(year=year)]
    chunk = rows_data[page * PAGE:(page + 1) * PAGE]
    rows = []
    for agency_id, name, closed, proposed, people in chunk:
        state = _("closed") if closed else _("{proposed}/{people} proposed").format(
            proposed=proposed, people=people)
        lines.append(f"• {esc(name)}: {state}")
        rows.append([AGENCY.button(name, agency_id, year, 0)])
    rows += pager(AGENCIES, page, (page + 1) * PAGE < len(rows_data), year)
    rows.append([YEAR.button(_("⬅️ Back"), year, 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def flags_screen(year: int, found, page: int) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("⚑ <b>Planning proposals from the {year} ratings</b>").format(year=year)]
    if not found:
        lines.append(_("No proposal: nobody's closed rating raises one."))
    chunk = found[page * PAGE:(page + 1) * PAGE]
    for cadre, flags, band in chunk:
        lines.append(f"• {esc(cadre.full_name)} ({esc(cadre.code)}) — {band_label(band)}")
        lines += ["   " + flag_text(flag) for flag in flags]
    rows = []
    rows += pager(FLAGS, page, (page + 1) * PAGE < len(found), year)
    rows.append([YEAR.button(_("⬅️ Back"), year, 0)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)
