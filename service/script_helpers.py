"""The functions BPMN scripts, conditions and timer expressions may call (docs/process-conventions.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from service import workdays
from service.engine.clock import engine_now


def _today() -> str:
    return engine_now().astimezone(workdays.SHANGHAI).date().isoformat()


def _now() -> str:
    return engine_now().astimezone(workdays.SHANGHAI).isoformat(timespec="seconds")


def _add_workdays(start: Any, days: Any) -> str:
    return workdays.add_workdays(start, int(days)).isoformat()


def _add_days(start: Any, days: Any) -> str:
    return (workdays.as_date(start) + timedelta(days=int(days))).isoformat()


def _add_months(start: Any, months: Any) -> str:
    return workdays.add_months(start, int(months)).isoformat()


def _workdays_between(start: Any, end: Any) -> int:
    return workdays.workdays_between(start, end)


def _reminder_at(deadline: Any, days_before: Any) -> str:
    return workdays.reminder_moment(deadline, int(days_before)).isoformat()


def _overdue_at(deadline: Any) -> str:
    return workdays.deadline_end(deadline).isoformat()


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
