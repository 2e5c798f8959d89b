"""The rules of entering one KPI product (bot/services/entry_rules.py): worked examples."""

from __future__ import annotations

import pytest

from bot.services.entry_rules import (
    ORDER,
    STEPS,
    EvidenceItem,
    Problem,
    SentFile,
    Shortcut,
    check_cause,
    check_figure,
    check_note,
    evidence_of,
    figure_values,
    is_absurd,
    next_step,
)
from models.enums import ProductKind

COUNT, RATE = ProductKind.COUNT, ProductKind.RATE


def walk(kind, reading, failed=0, delays=0):
    steps, step = ["done"], "done"
    while (step := next_step(kind, reading, step, failed, delays)) is not None:
        steps.append(step)
    return steps


def test_every_step_of_every_order_is_declared():
    assert {step for order in ORDER.values() for step in order} <= set(STEPS)


def test_a_counted_product_asks_errors_and_delays_and_the_exemption_only_when_needed():
    # Decree 335 Art. 14, read per item: no on-time question
    assert walk(COUNT, "per_item") == ["done", "passed", "failed", "delays", "note", "evidence"]
    assert walk(COUNT, "per_item", delays=1) == ["done", "passed", "failed", "delays", "exempt",
                                                 "note", "evidence"]
    assert walk(COUNT, "per_type") == ["done", "passed", "on_time", "failed", "delays", "note",
                                       "evidence"]


def test_a_rate_asks_the_percentage_then_note_and_evidence():
    assert walk(RATE, "per_item") == walk(RATE, "per_type") == ["done", "note", "evidence"]


def test_the_cause_of_an_exemption_continues_where_the_exemption_question_was():
    assert next_step(COUNT, "per_item", "exempt_reason", 1, 0) == "note"


def test_the_shortcuts_say_which_tap_answers_a_step():
    assert {n for n, s in STEPS.items() if s.shortcut == Shortcut.ALL} == {"passed", "on_time"}
    assert {n for n, s in STEPS.items() if s.shortcut == Shortcut.PICK} == {"failed", "delays"}
    assert {n for n, s in STEPS.items() if s.shortcut == Shortcut.SKIP} == {"note", "evidence"}


@pytest.mark.parametrize(("step", "kind", "value", "done", "code"), [
    ("done", COUNT, -5, None, "negative"),
    ("done", COUNT, 125, None, None),
    ("done", COUNT, 2e9, None, "too_large"),
    ("done", RATE, 101, None, "percent_range"),
    ("done", RATE, 100, None, None),
    ("passed", COUNT, 130, 125, "over_done"),
    ("passed", COUNT, 125, 125, None),
    ("on_time", COUNT, 126, 125, "over_done"),
    ("failed", COUNT, 2.5, 125, "count_range"),
    ("delays", COUNT, 100, 125, "count_range"),
    ("delays", COUNT, 99, 125, None),
])
def test_figure_checks(step, kind, value, done, code):
    problem = check_figure(step, kind, value, done)
    assert (problem.code if problem else None) == code


def test_the_over_done_problem_carries_what_to_say():
    assert check_figure("passed", COUNT, 130, 125) == Problem(
        "over_done", {"step": "passed", "value": 130, "done": 125})


def test_a_count_over_ten_times_its_target_is_absurd():
    assert is_absurd("done", COUNT, 120, 1250)
    assert not is_absurd("done", COUNT, 120, 1200)
    assert not is_absurd("done", COUNT, 0, 1250)  # no target: nothing to compare with
    assert not is_absurd("done", RATE, 8, 90)
    assert not is_absurd("passed", COUNT, 120, 1250)


def test_storing_a_lower_done_figure_clears_the_figures_that_depended_on_it():
    values = figure_values("done", COUNT, 50, passed=125, on_time=40, failed=0, delays=0)
    assert values == {"quantity_done": 50, "quantity_passed": None}
    values = figure_values("done", COUNT, 130, passed=125, on_time=None, failed=0, delays=0)
    assert values == {"quantity_done": 130}


def test_a_rate_is_its_own_quality_and_timeliness():
    assert figure_values("done", RATE, 85, passed=None, on_time=None, failed=0, delays=0) == {
        "quantity_done": 85, "quantity_passed": 85, "quantity_on_time": 85}


def test_no_errors_and_no_delays_leave_nothing_to_exempt():
    assert figure_values("delays", COUNT, 0, passed=1, on_time=None, failed=0, delays=2) == {
        "delays": 0, "exemption_note": None, "exemption_status": None}
    assert figure_values("delays", COUNT, 0, passed=1, on_time=None, failed=1, delays=2) == {
        "delays": 0}
    assert figure_values("failed", COUNT, 3.0, passed=1, on_time=None, failed=0,
                         delays=0) == {"failed_reviews": 3}


def test_notes_and_causes():
    assert check_note("x" * 1000) is None
    assert check_note("x" * 1001).code == "note_too_long"
    assert check_cause("Mất điện ngày 12/11, Công văn số 5") is None
    assert check_cause("...").code == "cause_words"
    assert check_cause("a" * 501).code == "cause_words"


def test_evidence_is_a_photo_an_office_file_up_to_20_mb_or_a_link():
    photo = SentFile("photo", "F1", "U1", file_size=1000)
    assert evidence_of(photo, None) == EvidenceItem("photo", "F1", "U1", file_size=1000)
    pdf = SentFile("document", "F2", "U2", "so.pdf", "application/pdf", 2000)
    assert evidence_of(pdf, None).kind == "document"
    exe = SentFile("document", "F3", "U3", "virus.exe", "application/x-msdownload", 10)
    assert evidence_of(exe, None) == Problem("not_evidence", {"name": "virus.exe"})
    big = SentFile("document", "F4", "U4", "big.pdf", "application/pdf", 21 * 1024 * 1024)
    assert evidence_of(big, None).code == "file_too_large"
    assert evidence_of(None, " https://example.vn/a ") == EvidenceItem(
        "link", url="https://example.vn/a")
    assert evidence_of(None, "xong rồi").code == "no_evidence"
    assert evidence_of(None, None).code == "no_evidence"
