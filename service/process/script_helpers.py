"""The functions BPMN scripts, conditions and timer expressions may call (docs/process-conventions.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from service import workdays
from service.engine.clock import engine_now


def _today() -> str:
    return engine_now().astimezone(workdays.SHANGHAI).date().isoformat()


def _now() -> str:
    return engine_now().astimezone(workdays.SHANGHAI).isoformat(timespec="seconds")


# Helpers check their arguments: a script must not make one call run for seconds (add_workdays of a
# billion days) where the sandbox's time limit cannot interrupt it.
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_WORKDAYS = 2_000  # about eight years of working days
MAX_DAYS = 3_660
MAX_MONTHS = 120
MAX_SPAN_DAYS = 366 * 20  # workdays_between over at most twenty years


class HelperArgumentError(ValueError):
    """A helper was called with an argument outside what it accepts (a Chinese message)."""


def _day(value: Any, name: str) -> date:
    try:
        day = workdays.as_date(value)
    except (TypeError, ValueError):
        raise HelperArgumentError(f"{name}：{str(value)[:40]!r} 不是日期（YYYY-MM-DD）") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HelperArgumentError(f"{name}：日期须在 {FIRST_YEAR}–{LAST_YEAR} 年之间")
    return day


def _count(value: Any, limit: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise HelperArgumentError(f"{name}：天数须为整数")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise HelperArgumentError(f"{name}：天数须为整数") from None
    if abs(number) > limit:
        raise HelperArgumentError(f"{name}：数值须在 -{limit} 到 {limit} 之间")
    return number


def _add_workdays(start: Any, days: Any) -> str:
    return workdays.add_workdays(_day(start, "add_workdays"), _count(days, MAX_WORKDAYS, "add_workdays")).isoformat()


def _add_days(start: Any, days: Any) -> str:
    return (_day(start, "add_days") + timedelta(days=_count(days, MAX_DAYS, "add_days"))).isoformat()


def _add_months(start: Any, months: Any) -> str:
    return workdays.add_months(_day(start, "add_months"), _count(months, MAX_MONTHS, "add_months")).isoformat()


def _workdays_between(start: Any, end: Any) -> int:
    a, b = _day(start, "workdays_between"), _day(end, "workdays_between")
    if abs((b - a).days) > MAX_SPAN_DAYS:
        raise HelperArgumentError("workdays_between：两个日期相隔不能超过二十年")
    return workdays.workdays_between(a, b)


def _reminder_at(deadline: Any, days_before: Any) -> str:
    day = _day(deadline, "reminder_at")
    return workdays.reminder_moment(day, _count(days_before, MAX_WORKDAYS, "reminder_at")).isoformat()


def _overdue_at(deadline: Any) -> str:
    return workdays.deadline_end(_day(deadline, "overdue_at")).isoformat()


def script_helpers() -> dict[str, Callable[..., Any]]:
    return {
        "today": _today,
        "now": _now,
        "add_workdays": _add_workdays,
        "add_days": _add_days,
        "add_months": _add_months,
        "workdays_between": _workdays_between,
        "reminder_at": _reminder_at,
        "overdue_at": _overdue_at,
    }


def use_calendar(calendar: workdays.Calendar) -> None:
    """In an engine process: the working-day calendar the service sent along with a command."""
    workdays.use(calendar)
