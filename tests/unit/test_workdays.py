"""Deadline arithmetic (plain weekdays until the holiday calendar lands)."""

from __future__ import annotations

from datetime import date

from service import workdays


def test_start_day_is_not_counted_and_weekends_are_skipped():
    assert workdays.add_workdays("2026-11-23", 1) == date(2026, 11, 24)  # Monday → Tuesday
    assert workdays.add_workdays("2026-11-27", 1) == date(2026, 11, 30)  # Friday → Monday
    assert workdays.add_workdays("2026-11-23", 10) == date(2026, 12, 7)
    assert workdays.add_workdays("2026-12-07", -3) == date(2026, 12, 2)


def test_workdays_between_is_the_inverse_of_add():
    for n in (0, 1, 4, 5, 15, 25):
        assert workdays.workdays_between("2026-11-25", workdays.add_workdays("2026-11-25", n)) == n


def test_deadline_ends_at_midnight_shanghai_and_reminders_at_nine():
    assert workdays.deadline_end("2026-12-07").isoformat() == "2026-12-08T00:00:00+08:00"
    assert workdays.reminder_moment("2026-12-07", 3).isoformat() == "2026-12-02T09:00:00+08:00"
