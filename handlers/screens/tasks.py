"""📋 Assigned tasks (giao việc "6 rõ", issue #24): the cadre's tasks (from 📝 Báo cáo KPI),
one task with its six "rõ" and its history, reporting completion with evidence; the
evaluator's tasks (from ✅ Phê duyệt): assigning one, accepting or returning a delivery,
extending a deadline. Pure: data in → (text, keyboard) out."""

from __future__ import annotations

from datetime import date, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, fmt_date, fmt_datetime, ngettext
from bot.services.delegation import Candidates
from bot.services.tasks import (
    Assigned,
    Changed,
    Draft,
    Listed,
    Overview,
    ProductChoice,
    TaskView,
    UnitChoice,
)
from handlers.callbacks import action
from handlers.screens.common import STALE, Screen, esc, pager
from models.enums import TaskEventKind, TaskStatus

PREFIX = "tk"
# the cadre
MINE = action(PREFIX, "m")  # the caller's own tasks
OPEN = action(PREFIX, "o", "task_id:id")  # one task (its cadre, or whoever may accept it)
DELIVER = action(PREFIX, "d", "task_id:id")  # report completion: asks the evidence
SEND = action(PREFIX, "snd", "task_id:id")  # send the delivery with the evidence given
# the evaluator
LIST = action(PREFIX, "l", "page:n")  # the tasks one assigned or accepts
ACCEPT = action(PREFIX, "ok", "task_id:id", "version:n")
RETURN = action(PREFIX, "rt", "task_id:id", "version:n")  # asks the reason
EXTEND = action(PREFIX, "ex", "task_id:id")  # asks the new deadline
NEW = action(PREFIX, "new")  # assign a task: asks whom
PAGE = action(PREFIX, "pg", "page:n")  # a page of one's people
PICK = action(PREFIX, "pk", "cadre_id:id")
UNIT = action(PREFIX, "pu", "unit_id:id")  # every one of one's people in that unit
PRODUCT = action(PREFIX, "pr", "index:n")  # an index of the products offered (in the draft)
UNITS = action(PREFIX, "q", "units:n")
DUE = action(PREFIX, "dl", "days:n")  # a deadline this many working days from today
GO = action(PREFIX, "go")  # confirm the assignment
CANCEL = action(PREFIX, "x")  # drop the draft

QUICK_UNITS = (1, 2, 3, 5)
QUICK_DAYS = (3, 5, 10, 20)

STATES = {
    TaskStatus.ASSIGNED: N_("🆕 to do"),
    TaskStatus.DELIVERED: N_("📨 delivered, waiting for acceptance"),
    TaskStatus.RETURNED: N_("↩️ returned, to do again"),
    TaskStatus.ACCEPTED: N_("✅ accepted"),
    TaskStatus.CANCELLED: N_("cancelled"),
}
ERRORS = {
    "forbidden": N_("You do not evaluate this cadre."),
    "task_state": N_("This task is no longer waiting for that."),
    "task_decided": N_("This delivery has already been handled."),
    "task_title": N_("Please type what is to be done, in words."),
    "task_title_long": N_("The title is too long; please keep it under 255 characters."),
    "task_result": N_("Please type the result expected, in words."),
    "task_result_long": N_("The expected result is too long; please keep it under 1000 "
                           "characters."),
    "task_units": N_("Please type a whole number from 1 to 999."),
    "task_deadline_past": N_("The deadline cannot be before today. Please type it again."),
    "task_deadline_far": N_("The deadline can be at most a year from today. Please type it "
                            "again."),
    "task_deadline_passed": N_("The deadline has already passed: it can no longer be "
                               "extended (a late delivery counts as a delay)."),
    "task_not_later": N_("The new deadline must be after the current one. Please type it "
                         "again."),
    "task_product": N_("This product is not in the catalogue of the person's job position."),
    "task_no_products": N_("No counted product is common to the catalogues of these people: "
                           "a task must count toward one."),
    "task_evidence": N_("Please send at least one piece of evidence (a photo, a file or a "
                        "link) before sending."),
    "task_no_authority": N_("Nobody can accept this cadre's tasks."),
    "reason_required": N_("Please give a reason for returning the task."),
    "reason_too_long": N_("The reason is too long; please keep it under 500 characters."),
    "date_format": N_("Please type the date as dd/mm/yyyy, e.g. 03/02/2026."),
    "no_match": N_("Nobody among your people matches that name or code. Please type it "
                   "again."),
    "choose": N_("Please choose one of the buttons."),
    "not_evidence": N_("This cannot be used as evidence. Accepted: photos, PDF, Word, Excel "
                       "(up to 20 MB), or a link starting with http."),
}
# typed again at the same step, nothing lost
ASK_AGAIN = {"task_title", "task_title_long", "task_result", "task_result_long", "task_units",
             "task_deadline_past", "task_deadline_far", "task_not_later", "reason_required",
             "reason_too_long", "date_format", "no_match", "choose", "not_evidence",
             "task_evidence"}


def refusal(code: str) -> str:
    return _(ERRORS.get(code, STALE))


def _with(prefix: str, text: str) -> str:
    return prefix + "\n\n" + text if prefix else text


def state_label(status: str) -> str:
    return _(STATES[TaskStatus(status)])


def days_text(days: int) -> str:
    """Working days left (issue #24: counted as the reminders count them)."""
    if days > 0:
        return ngettext("{count} working day left", "{count} working days left",
                        days).format(count=days)
    if days == 0:
        return _("due today")
    return ngettext("overdue by {count} working day", "overdue by {count} working days",
                    -days).format(count=-days)


def _listed_line(item: Listed, with_name: bool) -> str:
    task = item.task
    when = (_("due {date}").format(date=fmt_date(task.deadline))
            if task.status == TaskStatus.ACCEPTED.value
            else _("due {date}, {left}").format(date=fmt_date(task.deadline),
                                                left=days_text(item.days_left)))
    who = f"{esc(item.name)}: " if with_name else ""
    return f"• {who}<b>{esc(task.title)}</b> — {when} · {state_label(task.status)}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------- the cadre

def mine_screen(items: list[Listed], prefix: str = "") -> Screen:
    lines = [_("📋 <b>My assigned tasks</b>"),
             _("Report each one done with its evidence: your evaluator accepts it or returns "
               "it. Days are counted in working days.")]
    rows = []
    if not items:
        lines.append(_("No task has been assigned to you."))
    for item in items:
        lines.append(_listed_line(item, False))
        rows.append([OPEN.button(f"📋 {_short(item.task.title)}", item.task.id)])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


def six_clear(task_title: str, names: str, product: str, units: int, unit_of_measure: str | None,
              responsible: str, assigner: str, authority: str, deadline: date, left: str,
              result: str) -> list[str]:
    """The six "rõ" of a task, as the assigner confirms them and as anyone opens it."""
    amount = f"{units} {esc(unit_of_measure)}" if unit_of_measure else str(units)
    return [
        _("👤 <b>Who</b> (rõ người): {names}").format(names=names),
        _("📝 <b>What</b> (rõ việc): {title} — counts {amount} toward “{product}”").format(
            title=esc(task_title), amount=amount, product=esc(product)),
        _("🧭 <b>Responsibility</b> (rõ trách nhiệm): {who} carries it out and reports it; "
          "assigned by {assigner}").format(who=responsible, assigner=assigner),
        _("🔑 <b>Authority</b> (rõ thẩm quyền): {authority} accepts it").format(
            authority=authority),
        _("📅 <b>Deadline</b> (rõ thời gian): {date} ({left})").format(
            date=fmt_date(deadline), left=left),
        _("🎯 <b>Expected result</b> (rõ kết quả): {result}").format(result=esc(result)),
    ]


def _board() -> str:
    return _("the Organization Board")


def task_screen(view: TaskView, tz: tzinfo, prefix: str = "") -> Screen:
    task = view.task
    lines = [_("📋 <b>Task</b> · {state}").format(state=state_label(task.status))]
    assigner = (esc(view.assigner.full_name) if view.assigner
                else esc(task.assigned_by_label or _board()))
    lines += six_clear(task.title, esc(view.cadre.full_name), view.product.name, task.units,
                       view.product.unit_of_measure, esc(view.cadre.full_name), assigner,
                       esc(view.authority.full_name) if view.authority else _board(),
                       task.deadline, days_text(view.days_left), task.expected_result)
    if task.returns:
        lines.append(ngettext("↩️ Returned {count} time (a failed review each)",
                              "↩️ Returned {count} times (a failed review each)",
                              task.returns).format(count=task.returns))
    if view.events:
        lines.append("")
        lines.append(_("<b>History</b>"))
        lines += [history_line(event, tz) for event in view.events]
    rows = []
    if view.may_deliver:
        rows.append([DELIVER.button(_("📤 Report it done"), task.id)])
    if view.may_decide:
        rows.append([ACCEPT.button(_("✅ Accept"), task.id, task.version),
                     RETURN.button(_("↩️ Return"), task.id, task.version)])
    if view.may_extend:
        rows.append([EXTEND.button(_("📅 Extend the deadline"), task.id)])
    if view.may_decide or view.may_extend:
        rows.append([LIST.button(_("⬅️ Tasks"), 0)])
    else:
        rows.append([MINE.button(_("⬅️ My tasks"))])
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def history_line(event, tz: tzinfo) -> str:
    when = fmt_datetime(event.at, tz)
    kind = TaskEventKind(event.kind)
    if kind == TaskEventKind.ASSIGNED:
        return _("• {when}: assigned, due {date}").format(when=when,
                                                          date=fmt_date(event.new_deadline))
    if kind == TaskEventKind.DELIVERED:
        count = len(event.evidence or [])
        return ngettext("• {when}: reported done ({count} piece of evidence)",
                        "• {when}: reported done ({count} pieces of evidence)",
                        count).format(when=when, count=count)
    if kind == TaskEventKind.RETURNED:
        return _("• {when}: returned — {reason}").format(when=when, reason=esc(event.reason))
    if kind == TaskEventKind.ACCEPTED:
        return _("• {when}: accepted").format(when=when)
    return _("• {when}: deadline extended {old} → {new}").format(
        when=when, old=fmt_date(event.old_deadline), new=fmt_date(event.new_deadline))


def ask_evidence(task_title: str, count: int) -> Screen:
    text = _("📎 “{title}”: send the evidence of the result — photos, files (PDF, Word, Excel) "
             "or links. Then tap “📤 Send for acceptance”.").format(title=esc(task_title))
    if count:
        text += "\n" + ngettext("Received {count} piece of evidence.",
                                "Received {count} pieces of evidence.", count).format(count=count)
    return text, None


def evidence_keyboard(task_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[SEND.button(_("📤 Send for acceptance"), task_id)],
                                 [OPEN.button(_("⬅️ Back"), task_id)]])


def delivered_text(changed: Changed) -> str:
    text = _("📨 Sent for acceptance: “{title}”.").format(title=esc(changed.task.title))
    if changed.late:
        text += " " + _("⚠️ After the deadline ({date}): counted as a delay once accepted.").format(
            date=fmt_date(changed.task.deadline))
    return text


def authority_notice(changed: Changed) -> Screen:
    text = _("📨 {name} reported a task done: “{title}”. Please accept it or return it.").format(
        name=esc(changed.cadre.full_name), title=esc(changed.task.title))
    if changed.late:
        text += "\n" + _("⚠️ Delivered after the deadline ({date}).").format(
            date=fmt_date(changed.task.deadline))
    return text, InlineKeyboardMarkup([[OPEN.button(_("📋 Open the task"), changed.task.id)]])


def assigned_notice(task, product_name: str, assigner: str) -> Screen:
    return (_("📋 New task from {assigner}: “{title}”, due {date} (counts toward “{product}”)."
              ).format(assigner=esc(assigner), title=esc(task.title),
                       date=fmt_date(task.deadline), product=esc(product_name)),
            InlineKeyboardMarkup([[OPEN.button(_("📋 Open the task"), task.id)]]))


def decided_text(changed: Changed) -> str:
    if changed.task.status == TaskStatus.ACCEPTED.value:
        return _("✅ Accepted: {name}, “{title}”.").format(name=esc(changed.cadre.full_name),
                                                         title=esc(changed.task.title))
    return _("↩️ Returned: {name}, “{title}”.").format(name=esc(changed.cadre.full_name),
                                                     title=esc(changed.task.title))


def cadre_notice(changed: Changed) -> Screen:
    task = changed.task
    if task.status == TaskStatus.ACCEPTED.value:
        text = _("✅ Your task “{title}” has been accepted.").format(title=esc(task.title))
        if changed.late:
            text += " " + _("It was delivered after the deadline: counted as a delay.")
    elif task.status == TaskStatus.RETURNED.value:
        text = _("↩️ Your task “{title}” was returned: it does not meet the result expected "
                 "yet (a failed review).").format(title=esc(task.title))
    else:
        text = _("📅 The deadline of your task “{title}” is now {date}.").format(
            title=esc(task.title), date=fmt_date(task.deadline))
    return text, InlineKeyboardMarkup([[OPEN.button(_("📋 Open the task"), task.id)]])


def returned_notice(changed: Changed, reason: str) -> Screen:
    text, markup = cadre_notice(changed)
    return text + "\n" + _("Reason: {reason}").format(reason=esc(reason)), markup


def reason_question(task_title: str, name: str) -> Screen:
    return _("Why is “{title}” of {name} returned? Type what does not meet the result "
             "expected:").format(title=esc(task_title), name=esc(name)), None


def ask_extension(task_title: str, deadline: date) -> Screen:
    rows = [[DUE.button(ngettext("+{count} working day", "+{count} working days", n).format(
        count=n), n) for n in QUICK_DAYS[:2]],
            [DUE.button(ngettext("+{count} working day", "+{count} working days", n).format(
                count=n), n) for n in QUICK_DAYS[2:]]]
    return (_("📅 “{title}” is due {date}. Type the new deadline (dd/mm/yyyy), or tap how many "
              "working days to add:").format(title=esc(task_title), date=fmt_date(deadline)),
            InlineKeyboardMarkup(rows))


# ---------------------------------------------------------------- the evaluator

def inbox_button(waiting: int) -> list[InlineKeyboardButton]:
    """The row of ✅ Phê duyệt that opens the tasks (with those waiting for acceptance)."""
    if waiting:
        return [LIST.button(ngettext("📋 Tasks · {count} waiting for acceptance",
                                     "📋 Tasks · {count} waiting for acceptance",
                                     waiting).format(count=waiting), 0)]
    return [LIST.button(_("📋 Assigned tasks"), 0)]


def overview_screen(overview: Overview, prefix: str = "",
                    back: list[InlineKeyboardButton] | None = None) -> Screen:
    lines = [_("📋 <b>Assigned tasks</b>")]
    rows = []
    if overview.may_assign:
        rows.append([NEW.button(_("➕ Assign a task"))])
    if overview.waiting:
        lines.append(ngettext("📨 {count} delivered, waiting for your acceptance",
                              "📨 {count} delivered, waiting for your acceptance",
                              overview.waiting).format(count=overview.waiting))
    if not overview.items:
        lines.append(_("No task in progress."))
    else:
        lines.append(_("In progress: {count}").format(count=overview.total))
    for item in overview.items:
        lines.append(_listed_line(item, True))
        rows.append([OPEN.button(f"📋 {_short(item.name, 20)}: {_short(item.task.title, 30)}",
                                 item.task.id)])
    rows += pager(LIST, overview.page, overview.more)
    if back:
        rows.append(back)
    return _with(prefix, "\n".join(lines)), InlineKeyboardMarkup(rows)


def ask_who(people: Candidates, units: list[UnitChoice]) -> Screen:
    if people.query:
        text = _("People matching “{query}”: tap one, or type another name or code.").format(
            query=esc(people.query))
    else:
        text = _("➕ <b>Assign a task</b> — to whom? Tap a person or a unit, or type a name or "
                 "a cadre code.")
    rows = [[PICK.button(f"{p.name} ({p.code})", p.id)] for p in people.people]
    if not people.query:
        rows += pager(PAGE, people.page, people.more)
        for unit in units:
            rows.append([UNIT.button(ngettext("👥 {unit}: {count} person",
                                              "👥 {unit}: all {count} people",
                                              unit.count).format(unit=_short(unit.name, 30),
                                                                 count=unit.count), unit.id)])
    rows.append([CANCEL.button(_("✖️ Cancel"))])
    return text, InlineKeyboardMarkup(rows)


def ask_title(names: str) -> Screen:
    return _("👤 {names}\n📝 What is to be done? Type the task's title:").format(
        names=esc(names)), InlineKeyboardMarkup([[CANCEL.button(_("✖️ Cancel"))]])


def ask_product(products: list[ProductChoice]) -> Screen:
    rows = [[PRODUCT.button(_short(p.name, 60), index)] for index, p in enumerate(products)]
    rows.append([CANCEL.button(_("✖️ Cancel"))])
    return _("📦 Which product of the catalogue does it count toward?"), InlineKeyboardMarkup(rows)


def ask_units(product: str, unit_of_measure: str | None) -> Screen:
    rows = [[UNITS.button(str(n), n) for n in QUICK_UNITS], [CANCEL.button(_("✖️ Cancel"))]]
    return _("🔢 How many items of “{product}”{uom} does the task count? Tap or type a "
             "number:").format(product=esc(product),
                               uom=f" ({esc(unit_of_measure)})" if unit_of_measure else ""), \
        InlineKeyboardMarkup(rows)


def ask_result() -> Screen:
    return (_("🎯 What result is expected (what will be accepted)? Type it:"),
            InlineKeyboardMarkup([[CANCEL.button(_("✖️ Cancel"))]]))


def ask_deadline(example: str) -> Screen:
    rows = [[DUE.button(ngettext("{count} working day", "{count} working days", n).format(
        count=n), n) for n in QUICK_DAYS[:2]],
            [DUE.button(ngettext("{count} working day", "{count} working days", n).format(
                count=n), n) for n in QUICK_DAYS[2:]],
            [CANCEL.button(_("✖️ Cancel"))]]
    return _("📅 By when? Type the deadline, e.g. {example}, or tap a number of working days "
             "from today:").format(example=example), InlineKeyboardMarkup(rows)


def confirm_screen(draft: Draft, left: str) -> Screen:
    names = ", ".join(esc(c.full_name) for c in draft.cadres)
    if len(draft.cadres) > 1:
        responsible = ngettext("each of the {count} person", "each of the {count} people",
                               len(draft.cadres)).format(count=len(draft.cadres))
    else:
        responsible = names
    authority = esc(draft.authority.full_name) if draft.authority else _(
        "each person's evaluator")
    lines = [_("📋 <b>Check the task before assigning it</b> (6 rõ)")]
    lines += six_clear(draft.title, names, draft.product.name, draft.units,
                       draft.product.unit_of_measure, responsible, esc(draft.assigner.full_name),
                       authority, draft.deadline, left, draft.expected_result)
    if draft.typed:
        who = (", ".join(esc(c.full_name) for c in draft.typed) if len(draft.typed) <= 3
               else ngettext("{count} person", "{count} people", len(draft.typed)).format(
                   count=len(draft.typed)))
        lines.append(_("⚠️ {who} already typed figures of this product for that period. Once "
                       "the task is assigned, the period's figures of this product come from "
                       "its tasks only (the typed ones stay in the audit log).").format(who=who))
    if len(draft.cadres) > 1:
        lines.append(ngettext("One task will be created for {count} person.",
                              "One task will be created for each of the {count} people.",
                              len(draft.cadres)).format(count=len(draft.cadres)))
    rows = [[GO.button(_("✅ Assign")), CANCEL.button(_("✖️ Cancel"))]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def assigned_text(assigned: Assigned) -> str:
    task = assigned.tasks[0]
    return ngettext("✅ Assigned “{title}” to {count} person, due {date}.",
                    "✅ Assigned “{title}” to {count} people, due {date}.",
                    len(assigned.tasks)).format(title=esc(task.title), count=len(assigned.tasks),
                                                date=fmt_date(task.deadline))


def extended_text(changed: Changed) -> str:
    return _("📅 New deadline of “{title}”: {date}.").format(title=esc(changed.task.title),
                                                           date=fmt_date(changed.task.deadline))


def cancelled_text() -> str:
    return _("Cancelled: no task was assigned.")
