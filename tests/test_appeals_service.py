"""Kiến nghị rules (bot.services.appeals): the window counts working days from the local day
the evaluation was announced; the answer is due working days after sending; a reason is
words, not a dot; new criteria points stay within each criterion's maximum."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.policy import AppealPolicy, Policy
from bot.services import appeals
from bot.services.calendar import WorkCalendar
from bot.services.review import ReviewError
from models import Evaluation

POLICY = Policy()
CALENDAR = WorkCalendar(POLICY.calendar)


def rated_at(moment: datetime | None, status: str = "rated") -> Evaluation:
    return Evaluation(status=status, rated_at=moment, band="tot")


def test_the_window_counts_working_days_from_the_local_day_of_the_announcement():
    # Thursday 03/12/2026 23:30 UTC is Friday 04/12 in Hanoi: five working days → 11/12
    evaluation = rated_at(datetime(2026, 12, 3, 23, 30, tzinfo=UTC))
    assert appeals.announced_on(evaluation) == date(2026, 12, 4)
    assert appeals.window_closes(evaluation, POLICY, CALENDAR) == date(2026, 12, 11)
    shorter = Policy(appeals=AppealPolicy(window_working_days=1))
    assert appeals.window_closes(evaluation, shorter, CALENDAR) == date(2026, 12, 7)  # Monday


def test_nothing_to_dispute_before_the_announcement():
    assert appeals.window_closes(rated_at(None), POLICY, CALENDAR) is None
    proposed = rated_at(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), status="proposed")
    assert appeals.window_closes(proposed, POLICY, CALENDAR) is None


def test_the_answer_is_due_ten_working_days_later_skipping_tet():
    # sent Friday 13/02/2026; Tết (16–20/02/2026) and the weekends are not counted
    assert appeals.due_on(date(2026, 2, 13), POLICY, CALENDAR) == date(2026, 3, 6)


@pytest.mark.parametrize("reason", ["", ".", "?", "  ok  "[:3]])
def test_an_answer_needs_words(reason):
    with pytest.raises(ReviewError) as error:
        appeals.check_answer(reason)
    assert error.value.code == "reason_required"


def test_an_answer_is_kept_trimmed_and_bounded():
    assert appeals.check_answer("  Đúng quy định  ") == "Đúng quy định"
    with pytest.raises(ReviewError) as error:
        appeals.check_answer("chữ " * 200)
    assert error.value.code == "reason_too_long"


def test_new_criteria_points_stay_within_each_maximum():
    keys = [c.key for c in POLICY.scoring.general_criteria]
    assert appeals.check_criteria(dict.fromkeys(keys, 10), POLICY) == dict.fromkeys(keys, 10.0)
    for bad in ({keys[0]: 11, keys[1]: 5, keys[2]: 5}, {keys[0]: -1, keys[1]: 5, keys[2]: 5},
                {keys[0]: 5, keys[1]: 5}):
        with pytest.raises(ReviewError) as error:
            appeals.check_criteria(bad, POLICY)
        assert error.value.code == "criteria_range"
