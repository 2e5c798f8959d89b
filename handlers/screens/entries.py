"""How one KPI entry's figures read, the same on the cadre's report and the evaluator's
review: done, quality, major content errors and delays (Decree 335 Art. 14), and the state
of an objective-cause exemption."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, _, fmt_figure
from handlers.screens.common import esc
from models.enums import ExemptionStatus, ProductKind

if TYPE_CHECKING:
    from models import Entry

EXEMPTION_LABELS = {
    ExemptionStatus.CLAIMED: N_("⚖️ objective-cause exemption requested, waiting for the "
                                "evaluator"),
    ExemptionStatus.ACCEPTED: N_("⚖️ objective-cause exemption accepted: no deduction"),
    ExemptionStatus.REFUSED: N_("⚖️ objective-cause exemption not accepted"),
}


def exemption_label(status: str | None) -> str:
    return _(EXEMPTION_LABELS[ExemptionStatus(status)]) if status else ""


def figures_text(entry: Entry, kind: str, reading: str, adjusted: bool = False) -> str:
    """The cadre's figures (or, with `adjusted`, the evaluator's adjusted ones)."""
    use = adjusted and entry.adjusted
    done = entry.adj_quantity_done if use else entry.quantity_done
    passed = entry.adj_quantity_passed if use else entry.quantity_passed
    on_time = entry.adj_quantity_on_time if use else entry.quantity_on_time
    failed = (entry.adj_failed_reviews if use else entry.failed_reviews) or 0
    delays = (entry.adj_delays if use else entry.delays) or 0
    if done is None:
        return _("not entered yet")
    if kind == ProductKind.RATE:
        if entry.imported_at is not None and not use:
            return _("achieved {value}% (📥 imported: {source})").format(
                value=fmt_figure(done), source=esc(entry.imported_source or ""))
        return _("achieved {value}%").format(value=fmt_figure(done))
    if reading == "per_type":
        text = _("done {done} · quality {passed} · on time {on_time}").format(
            done=fmt_figure(done), passed=fmt_figure(passed), on_time=fmt_figure(on_time))
    else:
        text = _("done {done} · met the quality requirements {passed}").format(
            done=fmt_figure(done), passed=fmt_figure(passed))
    if failed or delays:
        text += " · " + _("major content errors {failed} · delays {delays}").format(
            failed=failed, delays=delays)
    if entry.exemption_status and (failed or delays):
        text += " · " + exemption_label(entry.exemption_status)
    return text


# One figure changed (the evaluator's adjustment, or the cadre's correction after a return).
CHANGE_LABELS = {
    "done": N_("done {old} → {new}"),
    "passed": N_("quality {old} → {new}"),
    "on_time": N_("on time {old} → {new}"),
    "failed": N_("major content errors {old} → {new}"),
    "delays": N_("delays {old} → {new}"),
}
RATE_CHANGE = N_("achieved {old}% → {new}%")


def change_text(figure: str, old: float | None, new: float | None, kind: str) -> str:
    """“done 118 → 116”; a rate product's percentage: “achieved 85% → 80%”."""
    label = RATE_CHANGE if kind == ProductKind.RATE else CHANGE_LABELS[figure]
    return _(label).format(old=fmt_figure(old), new=fmt_figure(new))


def adjustment_text(change, kind: str) -> str:
    """An evaluator's adjustment as the cadre and the evaluator read it: old → new, by whom,
    why (`change`: bot.services.review.Change)."""
    text = change_text(change.figure, change.old, change.new, kind)
    if change.by:
        text += " " + _("(by {name})").format(name=esc(change.by))
    if change.reason:
        text += " — " + _("reason: {reason}").format(reason=esc(change.reason))
    return text
