"""The rules of entering one KPI product (SPEC §4.2–4.3), pure: which questions a product
asks and in what order, the checks on a typed figure (with the confirmation of an "absurd"
one), what storing a figure changes, what a note or a cause may be, which files count as
evidence. No database: bot/services/report.py applies them to the stored entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from models.enums import ProductKind

ABSURD_FACTOR = 10  # a count over 10× its target is asked to be confirmed, not refused
MAX_COUNT = 99  # major content errors, delays
MAX_FIGURE = 1e9
MAX_NOTE = 1000
MAX_EXEMPTION = 500  # the objective cause and the document certifying it
MAX_LINK = 2000
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot may download from Telegram
EVIDENCE_MIME = ("application/pdf", "image/", "application/msword",
                 "application/vnd.openxmlformats-officedocument", "application/vnd.ms-excel")


class Answer(StrEnum):
    """What a step takes from the person."""

    FIGURE = "figure"  # a typed number
    COUNT = "count"  # a whole number 0–99, typed or tapped
    CHOICE = "choice"  # a button only
    TEXT = "text"  # typed words
    FILES = "files"  # photos, files, links


class Shortcut(StrEnum):
    """The tap that answers a step without typing (the button's action in the screens)."""

    ALL = "all"  # "✅ All (n)": as many as were done
    PICK = "pick"  # 0, 1, 2, 3
    SKIP = "skip"  # "⏭ Skip" / "✅ Done"


@dataclass(frozen=True)
class Step:
    name: str
    answer: Answer
    field: str | None  # the entry's field the answer fills
    shortcut: Shortcut | None = None


# The questions of one product: what each takes and where it goes.
STEPS: dict[str, Step] = {step.name: step for step in (
    #    name             answer          field                shortcut
    Step("done",          Answer.FIGURE,  "quantity_done"),
    Step("passed",        Answer.FIGURE,  "quantity_passed",   Shortcut.ALL),
    Step("on_time",       Answer.FIGURE,  "quantity_on_time",  Shortcut.ALL),
    Step("failed",        Answer.COUNT,   "failed_reviews",    Shortcut.PICK),
    Step("delays",        Answer.COUNT,   "delays",            Shortcut.PICK),
    Step("exempt",        Answer.CHOICE,  "exemption_status"),  # only with something to exempt
    Step("exempt_reason", Answer.TEXT,    "exemption_note"),    # after "yes" to "exempt"
    Step("note",          Answer.TEXT,    "note",              Shortcut.SKIP),
    Step("evidence",      Answer.FILES,   None,                Shortcut.SKIP),
)}

# The order a product asks them in, by its kind and the province's reading of the deductions.
# Per item (Decree 335 Art. 14): the cadre gives the major content errors and the delays; the
# on-time count is asked only when the province reads the deductions per product type.
ORDER: dict[tuple[ProductKind, str], tuple[str, ...]] = {
    (ProductKind.COUNT, "per_item"): ("done", "passed", "failed", "delays", "exempt", "note",
                                      "evidence"),
    (ProductKind.COUNT, "per_type"): ("done", "passed", "on_time", "failed", "delays", "exempt",
                                      "note", "evidence"),
    (ProductKind.RATE, "per_item"): ("done", "note", "evidence"),
    (ProductKind.RATE, "per_type"): ("done", "note", "evidence"),
}
# The flow's two other steps: "confirm" (an absurd figure waits for ✅/✏️; data: for_step,
# value) and "self" (the self-assessment of the general criteria; data: period_id, index).
CONFIRM, SELF = "confirm", "self"


def meaningful(reason: str | None) -> bool:
    """A reason someone can act on: words, not '.' or '?'."""
    return sum(ch.isalpha() for ch in reason or "") >= 2


@dataclass(frozen=True)
class Problem:
    """Why an answer was not taken; `code` selects the sentence the person reads."""

    code: str
    info: Mapping = field(default_factory=dict)


# The figures of a product tracked as assigned tasks (issue #24): they come from the tasks
# (bot.services.tasks.figures), so the cadre is not asked them.
FROM_TASKS = frozenset({"done", "passed", "on_time", "failed", "delays"})


def next_step(kind: str, reading: str, step: str | None, failed: int, delays: int,
              tracked: bool = False) -> str | None:
    """The question after `step` (None: the product is finished; `step` None: the first
    question); the exemption question only when there is something to exempt; a product
    `tracked` as tasks skips the figures the tasks give."""
    if step == "exempt_reason":
        step = "exempt"
    order = ORDER[(ProductKind(kind), reading)]
    start = 0 if step is None else order.index(step) + 1
    for following in order[start:]:
        if following == "exempt" and not (failed or delays):
            continue
        if tracked and following in FROM_TASKS:
            continue
        return following
    return None


def check_figure(step: str, kind: str, value: float, done: float | None) -> Problem | None:
    """A typed figure of `step`; `done` is the number completed, stored before."""
    if value < 0:  # a percentage is a rate, not a quantity: said in its own words
        rate = step == "done" and kind == ProductKind.RATE
        return Problem("negative_percent" if rate else "negative")
    if STEPS[step].answer == Answer.COUNT:
        if not float(value).is_integer() or value > MAX_COUNT:
            return Problem("count_range")
        return None
    if step == "done" and kind == ProductKind.RATE and value > 100:
        return Problem("percent_range")
    if value > MAX_FIGURE:
        return Problem("too_large")
    if step in ("passed", "on_time") and done is not None and value > done:
        return Problem("over_done", {"step": step, "value": value, "done": done})
    return None


def is_absurd(step: str, kind: str, target: float, value: float) -> bool:
    """More than ABSURD_FACTOR times a count's target: stored only once confirmed."""
    return (step == "done" and kind == ProductKind.COUNT and target > 0
            and value > ABSURD_FACTOR * target)


def figure_values(step: str, kind: str, value: float, *, passed: float | None,
                  on_time: float | None, failed: int, delays: int) -> dict:
    """The entry's fields that storing `value` for `step` sets, given the stored figures."""
    field_name = STEPS[step].field
    values = {field_name: int(value) if STEPS[step].answer == Answer.COUNT else value}
    if step in ("failed", "delays"):
        failed = values.get("failed_reviews", failed)
        delays = values.get("delays", delays)
        if not (failed or delays):  # nothing left to exempt
            values.update(exemption_note=None, exemption_status=None)
    if step == "done":
        # A new "done" figure invalidates the parts that depended on the old one.
        if kind == ProductKind.RATE:
            values.update(quantity_passed=value, quantity_on_time=value)
        else:
            if passed is not None and passed > value:
                values["quantity_passed"] = None
            if on_time is not None and on_time > value:
                values["quantity_on_time"] = None
    return values


def check_note(text: str) -> Problem | None:
    if len(text) > MAX_NOTE:
        return Problem("note_too_long", {"length": len(text), "max": MAX_NOTE})
    return None


def check_cause(text: str) -> Problem | None:
    """The objective cause of an exemption: words someone can check, not too long."""
    if not meaningful(text) or len(text) > MAX_EXEMPTION:
        return Problem("cause_words", {"max": MAX_EXEMPTION})
    return None


@dataclass(frozen=True)
class SentFile:
    """A photo or a document as the message carried it."""

    kind: str  # "photo" or "document"
    file_id: str
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """What is stored as one piece of evidence."""

    kind: str  # "photo", "document" or "link"
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    url: str | None = None


def evidence_of(file: SentFile | None, text: str | None) -> EvidenceItem | Problem:
    """Photos, PDF, Word, Excel up to 20 MB, or a web link."""
    if file is not None and file.kind == "photo":
        return EvidenceItem("photo", file.file_id, file.file_unique_id,
                            file_size=file.file_size)
    if file is not None:
        mime = file.mime_type or ""
        if not any(mime.startswith(accepted) for accepted in EVIDENCE_MIME):
            return Problem("not_evidence", {"name": file.file_name or ""})
        if (file.file_size or 0) > MAX_FILE_BYTES:
            return Problem("file_too_large")
        return EvidenceItem("document", file.file_id, file.file_unique_id, file.file_name,
                            mime, file.file_size)
    if text and text.strip().lower().startswith(("http://", "https://")):
        return EvidenceItem("link", url=text.strip()[:MAX_LINK])
    return Problem("no_evidence")
