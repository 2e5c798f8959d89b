"""/chitieu 🎯: the cadres an evaluator may adjust the targets of, one cadre's targets, the
question for a new target, and the message to the cadre."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, _
from bot.services.kpi import KpiError
from bot.services.numbers import NotANumber
from bot.services.targets import Asked, CadrePage, Changed, TargetSheet
from handlers.callbacks import action
from handlers.screens.common import esc, figure, not_a_number, pager, period_label, shorten

PREFIX = "tg"
LIST = action(PREFIX, "l", "page:n")  # the caller's cadres, a page
CADRE = action(PREFIX, "c", "cadre_id:id")  # one cadre's targets
CHANGE = action(PREFIX, "p", "cadre_id:id", "product_id:id")  # asks the new target

REFUSED = {
    "not_positive": N_("A target must be a positive number."),
    "percent": N_("A percentage must be between 0 and 100."),
}
FIXED = N_("This target can no longer be changed (the report has been sent or the period is "
           "locked).")


def only_supervisors() -> str:
    return _("Only evaluators and the Organization Board can adjust targets.")


def not_adjustable(code: str) -> str:
    """HTML: /chitieu CODE for a cadre the caller may not adjust (or none)."""
    return _("You cannot adjust the targets of {code}: no such cadre, or not one you "
             "evaluate.").format(code=esc(code.strip().upper()))


def cadres(page: CadrePage, board: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.cadres:
        text = _("You do not evaluate any cadre.")
        if board:
            text += "\n" + _("Organization Board: type /chitieu and the cadre's code, "
                              "e.g. /chitieu XTH004.")
        return text, None
    rows = [[CADRE.button(name, cadre_id)] for cadre_id, name in page.cadres]
    rows += pager(LIST, page.page, page.more)
    text = _("🎯 <b>Adjust targets</b>\nChoose a cadre ({count} in all):").format(
        count=page.total)
    return text, InlineKeyboardMarkup(rows)


def targets(sheet: TargetSheet, prefix: str = "") -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("🎯 <b>Targets of {name} — {period}</b>").format(
        name=esc(sheet.cadre_name), period=period_label(sheet.period))]
    rows = []
    for index, line in enumerate(sheet.lines, 1):
        unit = "%" if line.rate else " " + line.unit
        note = "" if line.target == line.default else " " + _("(default {value})").format(
            value=_value(line, line.default))
        lines.append(f"{index}. {esc(line.name)}: <b>{figure(line.target)}"
                     f"{esc(unit.rstrip())}</b>{note}")
        if sheet.editable(line):
            rows.append([CHANGE.button(f"✏️ {index}. {shorten(line.name, 28)}", sheet.cadre_id,
                                       line.product_id)])
    rows.append([LIST.button(_("⬅️ Back"), 0)])
    text = (prefix + "\n\n" if prefix else "") + "\n".join(lines)
    return text, InlineKeyboardMarkup(rows)


def _value(line, value: float) -> str:
    """A target as it is read: "80%" for a rate product, "120" for a count."""
    return figure(value) + ("%" if line.rate else "")


def ask_value(asked: Asked) -> str:
    return _("New target for “{product}” of {name} (now {value}). Type a number:").format(
        product=esc(asked.line.name), name=esc(asked.cadre_name),
        value=_value(asked.line, asked.line.target))


def value_not_a_number(text: str, error: NotANumber) -> str:
    """HTML"""
    return not_a_number(text, error, _("Please type the new target as a number, e.g. 100."))


def refused(error: KpiError) -> str:
    """A typed target refused: out of range (the step stays open), or no longer changeable."""
    return _(REFUSED.get(error.code, FIXED))


def _changed_value(change: Changed) -> str:
    rate = any(line.rate for line in change.sheet.lines if line.name == change.product)
    return figure(change.quantity) + ("%" if rate else "")


def changed(change: Changed) -> tuple[str, InlineKeyboardMarkup]:
    return targets(change.sheet, prefix=_("✅ Target of “{product}” set to {value}.").format(
        product=esc(change.product), value=_changed_value(change)))


def told(change: Changed) -> str:
    """HTML, to the cadre."""
    return _("🎯 Your evaluator changed your target for “{product}” in {period} to {value}."
             ).format(product=esc(change.product), period=period_label(change.sheet.period),
                      value=_changed_value(change))
