"""Ledger traffic lights: working days left, the light, and the SQL bounds agreeing with it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.workdays import SHANGHAI, deadline_end, lights


def at(text: str) -> datetime:
    """A wall-clock time in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


MONDAY_9 = at("2026-11-23T09:00")


def test_working_days_left_counts_from_today_to_the_deadline_day():
    assert lights.workdays_left(deadline_end("2026-11-23"), MONDAY_9) == 0  # due today
    assert lights.workdays_left(deadline_end("2026-11-24"), MONDAY_9) == 1
    assert lights.workdays_left(deadline_end("2026-11-27"), MONDAY_9) == 4  # Friday
    assert lights.workdays_left(deadline_end("2026-11-30"), MONDAY_9) == 5  # next Monday: the weekend is free
    assert lights.workdays_left(None, MONDAY_9) is None


def test_friday_to_monday_is_one_working_day():
    friday_evening = at("2026-11-27T18:00")
    assert lights.workdays_left(deadline_end("2026-11-30"), friday_evening) == 1
    assert lights.light(deadline_end("2026-11-30"), friday_evening, closed=False, yellow_workdays=1) == "yellow"
    assert lights.light(deadline_end("2026-11-30"), friday_evening, closed=False, yellow_workdays=0) == "green"
    # at the weekend a Monday deadline is still one working day away
    assert lights.workdays_left(deadline_end("2026-11-30"), at("2026-11-29T12:00")) == 1


def test_overdue_is_negative_and_red():
    deadline = deadline_end("2026-11-20")  # a Friday
    assert lights.workdays_left(deadline, at("2026-11-23T09:00")) == -1  # the Monday after
    assert lights.workdays_left(deadline, at("2026-11-25T09:00")) == -3
    assert lights.workdays_left(deadline, at("2026-11-21T09:00")) == -1  # Saturday: overdue, never 0
    assert lights.light(deadline, at("2026-11-21T00:00"), closed=False) == "red"  # the first overdue moment
    assert lights.light(deadline, at("2026-11-20T23:59"), closed=False) == "yellow"


def test_light_thresholds_with_three_yellow_days():
    assert lights.light(deadline_end("2026-11-26"), MONDAY_9, closed=False) == "yellow"  # Thursday: 3 left
    assert lights.light(deadline_end("2026-11-27"), MONDAY_9, closed=False) == "green"  # Friday: 4 left
    assert lights.light(deadline_end("2026-11-23"), MONDAY_9, closed=False) == "yellow"  # due today
    assert lights.light(deadline_end("2026-11-23"), MONDAY_9, closed=True) is None
    assert lights.light(None, MONDAY_9, closed=False) is None


def test_a_deadline_at_the_weekend_after_the_last_yellow_day_is_yellow():
    wednesday = at("2026-11-25T10:00")  # 3 working days ahead is Monday 30th
    assert lights.light(deadline_end("2026-11-28"), wednesday, closed=False) == "yellow"  # Saturday: 2 left
    assert lights.light(deadline_end("2026-11-30"), wednesday, closed=False) == "yellow"
    assert lights.light(deadline_end("2026-12-01"), wednesday, closed=False) == "green"


def sql_light(deadline_at: datetime, now: datetime, yellow_workdays: int) -> str:
    red_until, yellow_until = lights.light_bounds(now, yellow_workdays)
    if deadline_at <= red_until:
        return "red"
    return "yellow" if deadline_at <= yellow_until else "green"


@pytest.mark.parametrize("yellow_workdays", [0, 1, 3, 5])
def test_sql_bounds_agree_with_the_light_for_every_day_and_hour(yellow_workdays):
    start = at("2026-11-16T00:00")
    deadlines = [deadline_end(start + timedelta(days=d)) for d in range(28)]
    deadlines += [start + timedelta(days=d, hours=17) for d in range(28)]  # task-style deadlines too
    for hour in range(0, 21 * 24, 5):
        now = start + timedelta(hours=hour)
        for deadline_at in deadlines:
            expected = lights.light(deadline_at, now, closed=False, yellow_workdays=yellow_workdays)
            assert sql_light(deadline_at, now, yellow_workdays) == expected, (deadline_at, now)
            left = lights.workdays_left(deadline_at, now)
            assert left is not None
            assert (expected == "red") == (left < 0)
            assert (expected == "yellow") == (0 <= left <= yellow_workdays)
