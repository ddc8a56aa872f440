"""Deadline arithmetic against the `chinesecalendar` package, 2004–2026 (property-based)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service import workdays
from service.workdays import calendar

PACKAGE = calendar.package_calendar()
# 15 working days never need more than 40 calendar days (the longest break is 8–9 days), so every walk
# started here stays inside the years the package knows.
starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 20))
SETTINGS = settings(max_examples=200, deadline=None)


def _stepped(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@SETTINGS
@given(starts)
@example(date(2025, 9, 30))  # just before National Day and the Mid-Autumn Festival
@example(date(2024, 9, 27))
@example(date(2026, 9, 30))
@example(date(2026, 2, 13))  # across the Spring Festival, a make-up Saturday on 2026-02-14
@example(date(2025, 1, 24))
@example(date(2004, 1, 15))
def test_fifteen_workdays_land_where_chinesecalendar_says(start: date) -> None:
    assert workdays.add_workdays(start, 15, PACKAGE) == _stepped(start, 15)
    assert not workdays.is_provisional(workdays.add_workdays(start, 15, PACKAGE), since=start, calendar=PACKAGE)


@SETTINGS
@given(starts, st.integers(min_value=0, max_value=25))
def test_workdays_between_is_the_inverse_of_add(start: date, n: int) -> None:
    end = workdays.add_workdays(start, n, PACKAGE)
    assert workdays.workdays_between(start, end, PACKAGE) == n
    assert workdays.workdays_between(end, start, PACKAGE) == -n
    assert workdays.add_workdays(end, -n, PACKAGE) <= start


@SETTINGS
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_each_day_is_a_workday_exactly_when_chinesecalendar_says(day: date) -> None:
    assert PACKAGE.is_workday(day) == chinese_calendar.is_workday(day)


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    saturday = date(2026, 2, 14)
    assert saturday.weekday() == 5 and saturday in chinese_calendar.constants.workdays
    assert workdays.is_workday(saturday, PACKAGE)
    assert workdays.add_workdays("2026-02-13", 1, PACKAGE) == saturday
    assert workdays.add_workdays("2026-09-30", 1, PACKAGE) == date(2026, 10, 8)  # National Day week off
    assert workdays.add_workdays("2026-10-09", 1, PACKAGE) == date(2026, 10, 10)  # a make-up Saturday


def test_years_without_an_arrangement_fall_back_to_weekdays_and_are_provisional() -> None:
    assert workdays.add_workdays("2026-12-30", 2, PACKAGE) == date(2027, 1, 1)  # Monday–Friday in 2027
    assert workdays.is_provisional(date(2027, 1, 1), calendar=PACKAGE)
    assert workdays.is_provisional(date(2026, 12, 31), since=date(2028, 1, 3), calendar=PACKAGE)
    assert not workdays.is_provisional(date(2026, 12, 31), since=date(2026, 1, 1), calendar=PACKAGE)


def test_seed_rows_are_only_the_exceptions() -> None:
    for entry in calendar.package_days():
        weekend = entry.day.weekday() >= 5
        assert weekend == (entry.kind == workdays.WORKDAY), entry
    names = {e.name for e in calendar.package_days([2025])}
    assert "国庆节" in names and "春节调休上班" in names
