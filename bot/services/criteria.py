"""The names of the general criteria (Decree 335, LAW L2) as people read them; a province's
own criteria bring their names in the policy file."""

from __future__ import annotations

from bot.i18n import N_, _
from bot.policy import Criterion

CRITERIA_TEXT = {
    "politics_ethics": (
        N_("Political quality, ethics, public-service culture and sense of discipline"),
        N_("Follows the Party's guidelines and the State's laws; keeps moral standards, the "
           "culture of public service and the agency's rules."),
    ),
    "responsibility": (
        N_("Sense of responsibility and attitude in serving the people and businesses"),
        N_("Takes responsibility for the work assigned; serves the people and businesses "
           "respectfully and on time."),
    ),
    "innovation": (
        N_("Capacity for innovation and creativity, daring to think and to act"),
        N_("Proposes and applies new ways of working; dares to think, to act and to take "
           "responsibility."),
    ),
}


def criterion_title(criterion: Criterion) -> str:
    if criterion.name:
        return criterion.name
    known = CRITERIA_TEXT.get(criterion.key)
    return _(known[0]) if known else criterion.key


def criterion_description(criterion: Criterion) -> str:
    if criterion.description is not None:
        return criterion.description
    known = CRITERIA_TEXT.get(criterion.key)
    return _(known[1]) if known else ""
