"""📝 Báo cáo KPI, the use cases (SPEC §4.2–4.4): the cadre's period sheet, one product's
questions (bot/services/entry_rules.py), the self-assessment of the general criteria,
sending for approval; and the Organization Board's correction of anyone's report, also after
the period is locked, every change audited.

Every use case re-authorises the tap (the entry is the caller's, or the caller is the board
in board mode; the period and the entry are still in the state the button was made for; the
chat is still at the step the button answers) and raises KpiError when not. The flow's state
lives in the database (flow "kpi"), so a restart or another process continues it. Results
are small frozen objects the screens render (handlers/screens/report.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import entry_rules as rules
from bot.services import flows, tasks
from bot.services import periods as period_rules
from bot.services.entry_rules import EvidenceItem, Problem, SentFile
from bot.services.flows import Flow
from bot.services.identity import Actor
from bot.services.kpi import KpiError, KpiService, Line, PeriodSheet, incomplete
from bot.services.numbers import NotANumber, parse_number
from bot.services.results import Verdict, verdict_of
from bot.services.scoring import PeriodScore
from models import Cadre, Entry, Evidence, Period
from models.enums import EntryStatus, ExemptionStatus, PeriodStatus

FLOW = "kpi"


@dataclass(frozen=True)
class Caller:
    """Who acts, from which chat, when; `board`: the Organization Board correcting someone's
    report (the kb buttons, /suabaocao)."""

    actor: Actor
    chat_id: int
    now: datetime
    today: date
    board: bool = False


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class ProductSaved:
    line: Line


@dataclass(frozen=True)
class SelfAssessed:
    pass


@dataclass(frozen=True)
class Sent:
    count: int
    period: Period
    late: bool


@dataclass(frozen=True)
class SheetView:
    """A period sheet; `others` the periods offered beside it; `note` what just happened."""

    sheet: PeriodSheet
    others: tuple[Period, ...]
    today: date
    board: bool = False
    note: ProductSaved | SelfAssessed | Sent | None = None
    verdict: Verdict | None = None  # the score as 📊 and 🔎 show it (bot.services.results)
    tasks: int = 0  # the cadre's assigned tasks still open (📋, issue #24)


@dataclass(frozen=True)
class Ask:
    """The next question of a product; `note` (exemption_requested, note_saved) above it."""

    line: Line
    step: str
    board: bool = False
    note: str | None = None


@dataclass(frozen=True)
class ConfirmFigure:
    """An absurd figure waits for "keep it" or "type again"."""

    line: Line
    value: float
    board: bool = False


@dataclass(frozen=True)
class Retry:
    """The answer was not taken: the problem, then (with `line`) the question again."""

    problem: Problem
    line: Line | None = None
    step: str | None = None
    board: bool = False
    value: float | None = None  # the figure waiting for confirmation (step "confirm")


@dataclass(frozen=True)
class EvidenceReply:
    """A piece of evidence taken (`count` now on the entry) or refused (`problem`)."""

    line: Line
    board: bool = False
    count: int = 0
    problem: Problem | None = None


@dataclass(frozen=True)
class AskCriterion:
    period_id: int
    index: int


@dataclass(frozen=True)
class SubmitPreview:
    """What "📤 Confirm and send" would send; `early`: the period has not ended yet (today,
    in the province's time zone, is on or before its last day), so sending is asked twice."""

    period: Period
    count: int
    evaluator_name: str | None  # None: the Organization Board approves
    score: PeriodScore
    early: bool = False


@dataclass(frozen=True)
class SelfAssessmentMissing:
    """Sending refused while criteria of the self-assessment have no points: which ones (their
    indexes in the policy's general criteria, in order), and the points given so far."""

    period: Period
    missing: tuple[int, ...]
    points: float


@dataclass(frozen=True)
class Submitted:
    view: SheetView
    evaluator_chat_id: int | None  # to be told, when they can be reached
    cadre_name: str
    count: int
    period: Period


@dataclass(frozen=True)
class Ended:
    """A typed answer in a flow that is no longer valid: the flow ended (what was saved
    stays), `error` says why."""

    error: KpiError


# ---------------------------------------------------------------- the sheet

async def _me(session: AsyncSession, caller: Caller) -> Cadre:
    return await session.get(Cadre, caller.actor.cadre_id)


async def _period(session: AsyncSession, period_id: int) -> Period:
    period = await session.get(Period, period_id)
    if period is None:
        raise KpiError("not_found")
    return period


async def open_report(session: AsyncSession, kpi: KpiService, caller: Caller,
                      period_id: int | None = None, *, me: Cadre | None = None,
                      shown: list[Period] | None = None, note=None) -> SheetView:
    """The caller's own sheet: of `period_id`, or the period that needs them now (see
    `needing_attention`), with the other periods they may open."""
    me = me or await _me(session, caller)
    states: dict[int, set[str]] = {}
    if shown is None:
        shown, states = await kpi.periods_and_states(session, me, caller.today)
    period = next((p for p in shown if p.id == period_id), None)
    if period is None and period_id is not None:
        period = await session.get(Period, period_id)
    if period is None:  # (`shown` given: a period_id is too)
        period = needing_attention(shown, states)
    sheet = await kpi.sheet(session, me, period)
    return SheetView(sheet, tuple(shown), caller.today, note=note,
                     verdict=await verdict_of(session, sheet),
                     tasks=await tasks.open_count(session, me.id))


def needing_attention(shown: list[Period], statuses: dict[int, set[str]]) -> Period:
    """The period 📝 Báo cáo KPI opens (issue #22): one with products returned to the cadre
    (the earliest), else the earliest earlier period still taking entries that is not fully
    sent (a draft, or nothing entered yet), else the current one (`shown[-1]`). A period
    sent, approved or rated stays one tap away (📅), but no longer opens first; so does a
    period locked early by the board (read-only)."""
    open_ = [p for p in shown[:-1] if p.status != PeriodStatus.LOCKED.value] + shown[-1:]
    for period in open_:
        if EntryStatus.RETURNED.value in statuses.get(period.id, ()):
            return period
    for period in open_[:-1]:
        states = statuses.get(period.id)
        if not states or EntryStatus.DRAFT.value in states:
            return period
    return shown[-1]


async def open_period(session: AsyncSession, kpi: KpiService, caller: Caller,
                      period_id: int) -> SheetView:
    """📅 Open a period: one offered to the caller, or one where they have entries."""
    period = await _period(session, period_id)
    me = await _me(session, caller)
    shown = await kpi.periods_to_show(session, me, caller.today)
    if period.id not in {p.id for p in shown}:
        if not (await kpi.sheet(session, me, period, create=False)).lines:
            raise KpiError("not_found")
    return await open_report(session, kpi, caller, period_id, me=me, shown=shown)


async def _board_sheet(session: AsyncSession, kpi: KpiService, caller: Caller, cadre: Cadre,
                       period: Period, note=None) -> SheetView:
    sheet = await kpi.sheet(session, cadre, period, create=False)
    return SheetView(sheet, (), caller.today, board=True, note=note,
                     verdict=await verdict_of(session, sheet))


async def board_open(session: AsyncSession, kpi: KpiService, caller: Caller,
                     code: str | None, period_code: str | None = None) -> SheetView:
    """/suabaocao CODE [PERIOD]: the board opens any cadre's report, also in a locked
    period (the current period of the cadre without PERIOD)."""
    if not caller.actor.is_board:
        raise KpiError("board_only")
    if not code:
        raise KpiError("usage")
    cadre = await session.scalar(select(Cadre).where(Cadre.code == code))
    if cadre is None:
        raise KpiError("no_cadre", given=code)
    if period_code is not None:
        try:
            kind, year, number = period_rules.parse_period_code(period_code)
        except period_rules.BadPeriodCode:
            raise KpiError("bad_period", given=period_code) from None
        period = await period_rules.ensure_period(session, kind, year, number, kpi.calendar,
                                                  kpi.policy.calendar)
    else:
        period = await kpi.current_period(session, cadre, caller.today)
    view = await _board_sheet(session, kpi, caller, cadre, period)
    if not view.sheet.lines:
        raise KpiError("no_report", name=cadre.full_name, period=period)
    return view


# ---------------------------------------------------------------- one product's questions

async def _line(session: AsyncSession, kpi: KpiService, caller: Caller, entry_id) -> Line:
    """The entry the caller may edit: their own, or anyone's for the board in board mode."""
    if not caller.board:  # with `Line.tracked`, which every entry step asks (`_tracked`)
        return await kpi.entry_for(session, caller.actor.cadre_id, entry_id, tracked=True)
    if not caller.actor.is_board:
        raise KpiError("not_found")
    entry = await session.get(Entry, entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        raise KpiError("not_found")
    return await kpi.entry_for(session, entry.cadre_id, entry_id, override=True)


async def _save(session: AsyncSession, kpi: KpiService, caller: Caller, line: Line,
                **values) -> None:
    """Store figures; the board's correction is audited with the old and new values."""
    board = {"board_actor_id": caller.actor.cadre_id} if caller.board else {}
    await kpi.save(session, line, caller.now, **values, **board)


async def _ask(session: AsyncSession, caller: Caller, line: Line, step: str,
               note: str | None = None, data: dict | None = None) -> Ask:
    await flows.set_flow(session, caller.chat_id, Flow(FLOW, step, {
        "entry_id": line.entry.id, "board": caller.board, **(data or {})}), caller.now)
    return Ask(line, step, caller.board, note)


async def _advance(session: AsyncSession, kpi: KpiService, caller: Caller, line: Line,
                   step: str, note: str | None = None) -> Ask | SheetView:
    """After `step` is saved: the next question, or the product saved and the sheet."""
    entry = line.entry
    following = rules.next_step(line.product.kind, kpi.policy.scoring.deduction_reading, step,
                                entry.failed_reviews, entry.delays,
                                await _tracked(session, caller, line))
    if following is not None:
        return await _ask(session, caller, line, following, note)
    await flows.clear_flow(session, caller.chat_id)
    saved = ProductSaved(line)
    if caller.board:
        cadre = await session.get(Cadre, entry.cadre_id)
        period = await session.get(Period, entry.period_id)
        return await _board_sheet(session, kpi, caller, cadre, period, note=saved)
    return await open_report(session, kpi, caller, entry.period_id, note=saved)


async def _at_step(session: AsyncSession, caller: Caller, entry_id: int, step: str) -> Flow:
    """The chat's flow, when it is at `step` of this entry (else the button is stale)."""
    flow = await flows.get_flow(session, caller.chat_id)
    if (flow is None or flow.name != FLOW or flow.step != step
            or flow.data.get("entry_id") != entry_id):
        raise KpiError("not_found")
    return flow


async def _store_figure(session: AsyncSession, kpi: KpiService, caller: Caller, line: Line,
                        step: str, value: float) -> None:
    e = line.entry
    values = rules.figure_values(step, line.product.kind, value, passed=e.quantity_passed,
                                 on_time=e.quantity_on_time, failed=e.failed_reviews,
                                 delays=e.delays)
    await _save(session, kpi, caller, line, **values)


async def start_entry(session: AsyncSession, kpi: KpiService, caller: Caller,
                      entry_id: int) -> Ask:
    """✏️ a product: its first question."""
    line = await _line(session, kpi, caller, entry_id)
    if await _tracked(session, caller, line):  # the figures come from the assigned tasks
        entry = line.entry
        first = rules.next_step(line.product.kind, kpi.policy.scoring.deduction_reading, None,
                                entry.failed_reviews, entry.delays, tracked=True)
        return await _ask(session, caller, line, first, "from_tasks")
    return await _ask(session, caller, line, "done")


async def _tracked(session: AsyncSession, caller: Caller, line: Line) -> bool:
    """Is this product tracked as assigned tasks in the entry's period (issue #24)? The board
    correcting a report still types every figure."""
    if caller.board:
        return False
    if line.tracked is not None:  # read with the entry (`_line`)
        return line.tracked
    return await tasks.is_tracked(session, line.entry.cadre_id, line.product.id,
                                  line.entry.period_id)


async def take_all(session: AsyncSession, kpi: KpiService, caller: Caller, entry_id: int,
                   step: str) -> Ask | SheetView:
    """"✅ All (n)": as many passed (or on time) as were done."""
    if rules.STEPS[step].shortcut != rules.Shortcut.ALL:
        raise KpiError("not_found")
    await _at_step(session, caller, entry_id, step)
    line = await _line(session, kpi, caller, entry_id)
    await _save(session, kpi, caller, line,
                **{rules.STEPS[step].field: line.entry.quantity_done})
    return await _advance(session, kpi, caller, line, step)


async def pick_count(session: AsyncSession, kpi: KpiService, caller: Caller, entry_id: int,
                     step: str, count: int) -> Ask | SheetView:
    """A tapped number of major content errors or delays."""
    if rules.STEPS[step].shortcut != rules.Shortcut.PICK or count > rules.MAX_COUNT:
        raise KpiError("not_found")
    await _at_step(session, caller, entry_id, step)
    line = await _line(session, kpi, caller, entry_id)
    await _store_figure(session, kpi, caller, line, step, count)
    return await _advance(session, kpi, caller, line, step)


async def answer_exemption(session: AsyncSession, kpi: KpiService, caller: Caller,
                           entry_id: int, yes: int) -> Ask | SheetView:
    """"Objective cause?": no clears any request; yes asks for the cause."""
    if yes not in (0, 1):
        raise KpiError("not_found")
    await _at_step(session, caller, entry_id, "exempt")
    line = await _line(session, kpi, caller, entry_id)
    if yes:
        return await _ask(session, caller, line, "exempt_reason")
    await _save(session, kpi, caller, line, exemption_note=None, exemption_status=None)
    return await _advance(session, kpi, caller, line, "exempt")


async def skip_step(session: AsyncSession, kpi: KpiService, caller: Caller, entry_id: int,
                    step: str) -> Ask | SheetView:
    """"⏭ Skip" the note, "✅ Done" with the evidence."""
    if rules.STEPS[step].shortcut != rules.Shortcut.SKIP:
        raise KpiError("not_found")
    await _at_step(session, caller, entry_id, step)
    line = await _line(session, kpi, caller, entry_id)
    return await _advance(session, kpi, caller, line, step)


async def keep_figure(session: AsyncSession, kpi: KpiService, caller: Caller,
                      entry_id: int) -> Ask | SheetView:
    """"✅ Yes, keep it": the absurd figure waiting for confirmation is stored."""
    flow = await _at_step(session, caller, entry_id, rules.CONFIRM)
    line = await _line(session, kpi, caller, entry_id)
    step, value = flow.data["for_step"], flow.data["value"]
    await _store_figure(session, kpi, caller, line, step, value)
    return await _advance(session, kpi, caller, line, step)


async def retype(session: AsyncSession, kpi: KpiService, caller: Caller, entry_id: int) -> Ask:
    """"✏️ Type again": the question of the figure waiting for confirmation (else the first);
    the board may start re-typing a figure of anyone's report this way."""
    flow = await flows.get_flow(session, caller.chat_id)
    line = await _line(session, kpi, caller, entry_id)
    step = "done"
    if flow is not None and flow.name == FLOW and flow.step == rules.CONFIRM:
        step = flow.data.get("for_step", "done")
    return await _ask(session, caller, line, step)


async def answer(session: AsyncSession, kpi: KpiService, caller: Caller, flow: Flow,
                 text: str | None, file: SentFile | None = None):
    """A typed message or a file in the flow: the answer to the step the chat is at. When the
    entry (or the self-assessment) can no longer be changed, the flow ends (Ended)."""
    try:
        if flow.step == rules.SELF:
            return await _typed_points(session, kpi, caller, flow, text)
        return await _typed_answer(session, kpi, caller, flow, text, file)
    except KpiError as error:  # raised before anything was stored
        await flows.clear_flow(session, caller.chat_id)
        return Ended(error)


async def _typed_answer(session: AsyncSession, kpi: KpiService, caller: Caller, flow: Flow,
                        text: str | None, file: SentFile | None):
    line = await _line(session, kpi, caller, flow.data.get("entry_id"))
    step, board = flow.step, caller.board
    if step == "evidence":
        return await _add_evidence(session, kpi, caller, line, file, text)
    if step == rules.CONFIRM:
        return Retry(Problem("choose_button"), line, step, board, flow.data["value"])
    if step not in rules.STEPS:
        raise KpiError("not_found")
    if text is None:
        return Retry(Problem("type_or_tap"), line, step, board)
    kind = rules.STEPS[step].answer
    if kind == rules.Answer.CHOICE:
        return Retry(Problem("choose_button"), line, step, board)
    if step == "exempt_reason":
        cause = text.strip()
        if problem := rules.check_cause(cause):
            return Retry(problem)
        await _save(session, kpi, caller, line, exemption_note=cause,
                    exemption_status=ExemptionStatus.CLAIMED.value)
        return await _advance(session, kpi, caller, line, step, note="exemption_requested")
    if step == "note":
        note = text.strip()
        if problem := rules.check_note(note):
            return Retry(problem)
        await _save(session, kpi, caller, line, note=note)
        return await _advance(session, kpi, caller, line, step, note="note_saved")
    try:
        value = parse_number(text)
    except NotANumber as error:
        return Retry(Problem("not_a_number", {"text": text, "error": error}), line, step, board)
    if problem := rules.check_figure(step, line.product.kind, value, line.entry.quantity_done):
        return Retry(problem, line, step, board)
    if rules.is_absurd(step, line.product.kind, line.target, value):
        await _ask(session, caller, line, rules.CONFIRM, data={"for_step": step, "value": value})
        return ConfirmFigure(line, value, board)
    await _store_figure(session, kpi, caller, line, step, value)
    return await _advance(session, kpi, caller, line, step)


async def _add_evidence(session: AsyncSession, kpi: KpiService, caller: Caller, line: Line,
                        file: SentFile | None, text: str | None) -> EvidenceReply:
    item = rules.evidence_of(file, text)
    if isinstance(item, Problem):
        return EvidenceReply(line, caller.board, problem=item)
    session.add(_evidence_row(line.entry.id, item, caller.now))
    await session.flush()
    items, _links = await kpi.evidence_tally(session, [line.entry.id])
    count = items[line.entry.id]
    return EvidenceReply(line, caller.board, count=count)


def _evidence_row(entry_id: int, item: EvidenceItem, now: datetime) -> Evidence:
    return Evidence(entry_id=entry_id, kind=item.kind, file_id=item.file_id,
                    file_unique_id=item.file_unique_id, file_name=item.file_name,
                    mime_type=item.mime_type, file_size=item.file_size, url=item.url,
                    created_at=now)


# ---------------------------------------------------------------- self-assessment

async def start_self_assessment(session: AsyncSession, kpi: KpiService, caller: Caller,
                                period_id: int) -> AskCriterion:
    """⭐ Self-assessment of the general criteria: the first criterion."""
    period = await _period(session, period_id)
    await kpi.check_self_assessment_open(session, await _me(session, caller), period)
    return await _ask_criterion(session, caller, period_id, 0)


def _missing_criteria(kpi: KpiService, given: dict) -> tuple[int, ...]:
    """The indexes of the general criteria without points yet, in the policy's order."""
    return tuple(index for index, criterion in enumerate(kpi.policy.scoring.general_criteria)
                 if criterion.key not in given)


async def score_missing(session: AsyncSession, kpi: KpiService, caller: Caller,
                        period_id: int, index: int) -> AskCriterion:
    """⭐ A criterion the self-assessment still lacks (from the refused sending): its question;
    the answers then go on through the other missing ones only."""
    period = await _period(session, period_id)
    await kpi.check_self_assessment_open(session, await _me(session, caller), period)
    if not 0 <= index < len(kpi.policy.scoring.general_criteria):
        raise KpiError("not_found")
    return await _ask_criterion(session, caller, period_id, index, missing_only=True)


async def _ask_criterion(session: AsyncSession, caller: Caller, period_id: int,
                         index: int, missing_only: bool = False) -> AskCriterion:
    data = {"period_id": period_id, "index": index}
    if missing_only:
        data["missing_only"] = True
    await flows.set_flow(session, caller.chat_id, Flow(FLOW, rules.SELF, data), caller.now)
    return AskCriterion(period_id, index)


async def tap_points(session: AsyncSession, kpi: KpiService, caller: Caller, period_id: int,
                     index: int, tenths: int) -> AskCriterion | SheetView:
    """A tapped number of points for the criterion the chat is at."""
    flow = await flows.get_flow(session, caller.chat_id)
    if (flow is None or flow.name != FLOW or flow.step != rules.SELF
            or flow.data.get("period_id") != period_id or flow.data.get("index") != index):
        raise KpiError("not_found")
    result = await _save_points(session, kpi, caller, period_id, index, tenths / 10,
                                bool(flow.data.get("missing_only")))
    if isinstance(result, Retry):  # only forged data gives points out of range
        raise KpiError("not_found")
    return result


async def _typed_points(session: AsyncSession, kpi: KpiService, caller: Caller, flow: Flow,
                        text: str | None) -> AskCriterion | SheetView | Retry:
    try:
        points = parse_number(text or "")
    except NotANumber as error:
        return Retry(Problem("points_not_a_number", {"text": text or "", "error": error}))
    return await _save_points(session, kpi, caller, flow.data.get("period_id"),
                              flow.data.get("index", 0), points,
                              bool(flow.data.get("missing_only")))


async def _save_points(session: AsyncSession, kpi: KpiService, caller: Caller, period_id,
                       index, points: float,
                       missing_only: bool = False) -> AskCriterion | SheetView | Retry:
    criteria = kpi.policy.scoring.general_criteria
    if not isinstance(index, int) or not 0 <= index < len(criteria):
        raise KpiError("not_found")
    criterion = criteria[index]
    if not 0 <= points <= criterion.max_points:
        return Retry(Problem("points_range", {"max": criterion.max_points}))
    period = await _period(session, period_id)
    evaluation = await kpi.save_self_assessment(session, await _me(session, caller), period,
                                                criterion.key, points)
    if missing_only:
        following = _missing_criteria(kpi, evaluation.self_criteria)
        if following:
            return await _ask_criterion(session, caller, period_id, following[0],
                                        missing_only=True)
    elif index + 1 < len(criteria):
        return await _ask_criterion(session, caller, period_id, index + 1)
    await flows.clear_flow(session, caller.chat_id)
    return await open_report(session, kpi, caller, period_id, note=SelfAssessed())


# ---------------------------------------------------------------- sending for approval

async def preview_submission(session: AsyncSession, kpi: KpiService, caller: Caller,
                             period_id: int) -> SubmitPreview:
    """📤 Send for approval: what would be sent, to whom, or why it cannot be yet."""
    me = await _me(session, caller)
    period = await _period(session, period_id)
    sheet = await kpi.sheet(session, me, period)
    if not sheet.editable:
        raise KpiError("nothing_to_submit")
    missing = incomplete(sheet.editable, kpi.policy.scoring.deduction_reading)
    if missing:
        raise KpiError("missing", products=missing)
    if not kpi.self_assessment_complete(sheet.evaluation):
        given = (sheet.evaluation.self_criteria or {}) if sheet.evaluation else {}
        return SelfAssessmentMissing(period, _missing_criteria(kpi, given),
                                     sum(given.values()))
    evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
    return SubmitPreview(period, len(sheet.editable),
                         evaluator.full_name if evaluator else None, sheet.score,
                         early=caller.today <= period.ends_on)


async def submit(session: AsyncSession, kpi: KpiService, caller: Caller,
                 period_id: int) -> Submitted:
    """📤 Confirm and send: every editable entry goes to the evaluator (late after the
    deadline); the evaluator is told when they can be reached."""
    me = await _me(session, caller)
    period = await _period(session, period_id)
    sent = await kpi.submit(session, me, period, caller.now, caller.today)
    evaluator = await session.get(Cadre, me.evaluator_id) if me.evaluator_id else None
    late = any(entry.is_late for entry in sent)
    view = await open_report(session, kpi, caller, period.id, me=me,
                             note=Sent(len(sent), period, late))
    reachable = evaluator is not None and evaluator.telegram_chat_id and evaluator.active
    return Submitted(view, evaluator.telegram_chat_id if reachable else None, me.full_name,
                     len(sent), period)
