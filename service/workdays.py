"""All deadline arithmetic goes through this module.

For now a working day is Monday to Friday; the holiday / 调休 calendar replaces `is_workday` later
without touching any caller.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
REMINDER_HOUR = time(9, 0)


def as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def is_workday(day: date) -> bool:
    return day.weekday() < 5


def add_workdays(start: date | datetime | str, days: int) -> date:
    """The date `days` working days after `start`; the start day itself is not counted."""
    day = as_date(start)
    step = 1 if days >= 0 else -1
    remaining = abs(int(days))
    while remaining:
        day += timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: date | datetime | str, end: date | datetime | str) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    a, b = as_date(start), as_date(end)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        count += is_workday(day)
    return sign * count


def deadline_end(deadline: date | datetime | str) -> datetime:
    """A deadline is met until the end of its day, Asia/Shanghai; returns the first overdue moment."""
    return datetime.combine(as_date(deadline) + timedelta(days=1), time(0, 0), SHANGHAI)


def reminder_moment(deadline: date | datetime | str, days_before: int) -> datetime:
    """09:00 on the working day `days_before` working days before the deadline."""
    return datetime.combine(add_workdays(deadline, -int(days_before)), REMINDER_HOUR, SHANGHAI)
