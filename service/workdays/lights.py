"""Traffic lights of the ledger (亮灯): pure functions of a deadline and the time, no database.

A deadline moment is the first overdue instant (see `workdays.deadline_end`): at or after it the item is
red. Yellow means at most `yellow_workdays` working days are left; green means more. Closed items and
items without a deadline have no light. `light_bounds` turns the same rules into deadline_at ranges, so
the database filters exactly what `light` computes row by row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from service import workdays

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHTS = (GREEN, YELLOW, RED)
_JUST_BEFORE = timedelta(microseconds=1)


def deadline_date(deadline_at: datetime) -> date:
    """The last day on which the item is still on time (Asia/Shanghai).

    deadline_at is the first overdue moment, so a midnight deadline_at belongs to the day before it.
    """
    return workdays.as_date(deadline_at - _JUST_BEFORE)


def workdays_left(deadline_at: datetime | None, now: datetime) -> int | None:
    """Working days from today (Asia/Shanghai) to the deadline's day: 0 on that day, None without deadline.

    Negative exactly when overdue: -(working days since the deadline day), and at least -1, so an item
    that became overdue at the weekend never reads as 0.
    """
    if deadline_at is None:
        return None
    left = workdays.workdays_between(workdays.as_date(now), deadline_date(deadline_at))
    if now >= deadline_at:
        return min(left, -1)
    return max(left, 0)


def yellow_limit(now: datetime, yellow_workdays: int) -> datetime:
    """The latest deadline_at that is still yellow: midnight starting the (yellow_workdays + 1)-th working day.

    A deadline day before that working day has at most `yellow_workdays` working days left.
    """
    first_green_day = workdays.add_workdays(workdays.as_date(now), max(int(yellow_workdays), 0) + 1)
    return workdays.day_start(first_green_day)


def light(deadline_at: datetime | None, now: datetime, *, closed: bool, yellow_workdays: int = 3) -> str | None:
    """The light: "green" / "yellow" / "red", or None for a closed item or one without a deadline."""
    if closed or deadline_at is None:
        return None
    if now >= deadline_at:
        return RED
    if deadline_at <= yellow_limit(now, yellow_workdays):
        return YELLOW
    return GREEN


def light_bounds(now: datetime, yellow_workdays: int) -> tuple[datetime, datetime]:
    """(red_until, yellow_until) for SQL, on open items with a deadline:

    red: deadline_at <= red_until; yellow: red_until < deadline_at <= yellow_until; green: deadline_at > yellow_until.
    """
    return now, yellow_limit(now, yellow_workdays)


def light_window(light: str, now: datetime, yellow_workdays: int) -> tuple[datetime | None, datetime | None]:
    """(after, until) on deadline_at for one light: after < deadline_at <= until, None for no bound."""
    red_until, yellow_until = light_bounds(now, yellow_workdays)
    return {"red": (None, red_until), "yellow": (red_until, yellow_until), "green": (yellow_until, None)}[light]
