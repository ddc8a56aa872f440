"""All deadline arithmetic goes through this module.

A working day is Monday to Friday, except the statutory holidays and make-up working days (调休上班) of
the working-day calendar (table calendar_days, see service.calendar). Years without a published
arrangement fall back to Monday–Friday; a result that depends on such a year is *provisional*.

The calendar is held in memory, process-wide, as one immutable `Calendar`: `load(uow)` reads it from
the database and swaps it in atomically (after every edit, too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from service.db.session import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the zone users read times and dates in: the one definition
REMINDER_HOUR = time(9, 0)
HOLIDAY, WORKDAY = "holiday", "workday"
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, aware UTC: the one default clock (ServiceContext.clock, the engine's timers, sessions)."""
    return datetime.now(UTC)


def day_start(day: date) -> datetime:
    """The first moment of the day, Asia/Shanghai: where an inclusive range of days begins."""
    return datetime.combine(day, time(0, 0), SHANGHAI)


def day_end(day: date) -> datetime:
    """The first moment after the day, Asia/Shanghai: an inclusive last day as an exclusive end."""
    return day_start(day + timedelta(days=1))


@dataclass(frozen=True)
class DaySpan:
    """Inclusive days [start, end], Asia/Shanghai, and the moments [starts_at, ends_before) they cover."""

    start: date
    end: date  # inclusive

    @property
    def starts_at(self) -> datetime:
        return day_start(self.start)

    @property
    def ends_before(self) -> datetime:
        return day_end(self.end)


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)
    published_years: frozenset[int] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_published(self, year: int) -> bool:
        return year in self.published_years


_current = Calendar()
_loaded_stamp: tuple[int, str] | None = None


def current() -> Calendar:
    return _current


def use(calendar: Calendar) -> None:
    """Make `calendar` the process-wide calendar."""
    global _current
    _current = calendar


def build(days: Iterable[tuple[date, str]], published_years: Iterable[int]) -> Calendar:
    """A calendar from (date, kind) exceptions and the years whose arrangement is published."""
    holidays: set[date] = set()
    makeups: set[date] = set()
    for day, kind in days:
        (makeups if kind == WORKDAY else holidays).add(day)
    return Calendar(frozenset(holidays), frozenset(makeups), frozenset(published_years))


def load(uow: UnitOfWork) -> Calendar:
    """Read the calendar from the database and make it current; returns it."""
    global _loaded_stamp
    stamp = uow.calendar.stamp()
    days = [(date.fromisoformat(row.day), row.kind) for row in uow.calendar.days()]
    calendar = build(days, uow.calendar.published_years())
    use(calendar)
    _loaded_stamp = stamp
    return calendar


def reload_if_changed(uow: UnitOfWork) -> bool:
    """Load the calendar again if another process entered a year since it was loaded here."""
    if uow.calendar.stamp() == _loaded_stamp:
        return False
    load(uow)
    return True


def as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def is_workday(day: date | datetime | str, calendar: Calendar | None = None) -> bool:
    return (calendar or _current).is_workday(as_date(day))


def is_provisional(
    day: date | datetime | str, since: date | datetime | str | None = None, calendar: Calendar | None = None
) -> bool:
    """True if the year of `day` — or any year from `since` to `day` — has no published arrangement."""
    cal = calendar or _current
    end = as_date(day)
    start = as_date(since) if since is not None else end
    low, high = sorted((start.year, end.year))
    return any(not cal.is_published(year) for year in range(low, high + 1))


def add_workdays(start: date | datetime | str, days: int, calendar: Calendar | None = None) -> date:
    """The date `days` working days after `start`; the start day itself is not counted."""
    cal = calendar or _current
    day = as_date(start)
    step = 1 if days >= 0 else -1
    remaining = abs(int(days))
    while remaining:
        day += timedelta(days=step)
        if cal.is_workday(day):
            remaining -= 1
    return day


def add_months(start: date | datetime | str, months: int, calendar: Calendar | None = None) -> date:
    """The same day `months` later (the month's last day if shorter), moved on to the next working day
    when it is not one — as statutory periods ending on a holiday end on the first day after it."""
    day = as_date(start)
    index = day.month - 1 + int(months)
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    result = date(year, month, min(day.day, last))
    cal = calendar or _current
    while not cal.is_workday(result):
        result += timedelta(days=1)
    return result


def workdays_between(start: date | datetime | str, end: date | datetime | str, calendar: Calendar | None = None) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    cal = calendar or _current
    a, b = as_date(start), as_date(end)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        count += cal.is_workday(day)
    return sign * count


def deadline_end(deadline: date | datetime | str) -> datetime:
    """A deadline is met until the end of its day, Asia/Shanghai; returns the first overdue moment."""
    return day_end(as_date(deadline))


def reminder_moment(deadline: date | datetime | str, days_before: int, calendar: Calendar | None = None) -> datetime:
    """09:00 on the working day `days_before` working days before the deadline."""
    return datetime.combine(add_workdays(deadline, -int(days_before), calendar), REMINDER_HOUR, SHANGHAI)
