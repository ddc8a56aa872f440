"""Working days: all deadline arithmetic, the working-day calendar it reads, and the ledger's lights.

    add_workdays / add_months / workdays_between / deadline_end / reminder_moment   (`arithmetic`)
    is_workday / is_provisional / as_date, SHANGHAI (the zone users read times in)   (`arithmetic`)
    day_start / day_end / DaySpan (days as moments in that zone), system_clock (the wall clock)
    current / use / load / reload_if_changed / build: the calendar held in memory    (`arithmetic`)
    `calendar`  seeding from `chinesecalendar`, reading and entering a year's arrangement
    `lights`    traffic lights (亮灯) of a deadline at a moment: pure functions

The arithmetic is re-exported here, so callers write `workdays.add_workdays(...)`.
"""

from __future__ import annotations

from service.workdays.arithmetic import (
    HOLIDAY,
    REMINDER_HOUR,
    SHANGHAI,
    WORKDAY,
    Calendar,
    Clock,
    DaySpan,
    add_months,
    add_workdays,
    as_date,
    build,
    current,
    day_end,
    day_start,
    deadline_end,
    is_provisional,
    is_workday,
    load,
    reload_if_changed,
    reminder_moment,
    system_clock,
    use,
    workdays_between,
)

__all__ = [
    "HOLIDAY",
    "REMINDER_HOUR",
    "SHANGHAI",
    "WORKDAY",
    "Calendar",
    "Clock",
    "DaySpan",
    "add_months",
    "add_workdays",
    "as_date",
    "build",
    "current",
    "day_end",
    "day_start",
    "deadline_end",
    "is_provisional",
    "is_workday",
    "load",
    "reload_if_changed",
    "reminder_moment",
    "system_clock",
    "use",
    "workdays_between",
]
