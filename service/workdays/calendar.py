"""The working-day calendar's data: seeding from `chinesecalendar`, reading a year, checking the rows of
a year's arrangement. Entering one (which moves deadlines) is service.deadlines.calendar_entry."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import workdays
from service.db.models import CalendarDay, CalendarYear
from service.db.session import UnitOfWork
from service.errors import InvalidInput

log = logging.getLogger(__name__)

SEED_YEARS = range(2004, 2027)
KINDS = (workdays.HOLIDAY, workdays.WORKDAY)


@dataclass(frozen=True)
class DayEntry:
    day: date
    kind: str
    name: str = ""
    source: str = ""


# --- seeding ----------------------------------------------------------------------------------------
def package_source() -> str:
    return f"chinesecalendar {metadata.version('chinesecalendar')}"


def package_days(years: Iterable[int] = SEED_YEARS) -> list[DayEntry]:
    """The exceptions to Monday–Friday that `chinesecalendar` knows for `years`."""
    from chinese_calendar import constants

    wanted, source = set(years), package_source()
    entries = [
        DayEntry(day, workdays.HOLIDAY, _holiday_name(name), source)
        for day, name in constants.holidays.items()
        if day.year in wanted and day.weekday() < 5
    ]
    entries += [
        DayEntry(day, workdays.WORKDAY, f"{_holiday_name(name)}调休上班", source)
        for day, name in constants.workdays.items()
        if day.year in wanted and day.weekday() >= 5
    ]
    return sorted(entries, key=lambda e: e.day)


def _holiday_name(english: str) -> str:
    from chinese_calendar import Holiday

    for holiday in Holiday:
        if holiday.value == english:
            return str(holiday.chinese)
    return english


def package_calendar(years: Iterable[int] = SEED_YEARS) -> workdays.Calendar:
    """The calendar `chinesecalendar` gives for `years` (all published), without any database."""
    years = list(years)
    return workdays.build(((e.day, e.kind) for e in package_days(years)), years)


def seed_from_package(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Enter 2004–2026 from `chinesecalendar`, skipping years already entered, and commit. Returns the
    number of years added."""
    now = now or workdays.system_clock()
    missing = [y for y in SEED_YEARS if uow.calendar.year(y) is None]
    by_year: dict[int, list[DayEntry]] = {y: [] for y in missing}
    for entry in package_days(missing):
        by_year[entry.day.year].append(entry)
    for year, entries in by_year.items():
        row = CalendarYear(year=year, published=True, source=package_source(), updated_by="系统", updated_at=now)
        uow.calendar.replace_year(row, (row_of(e) for e in entries))
    uow.commit()
    return len(missing)


def ensure_loaded(uow_factory: Callable[[], UnitOfWork]) -> workdays.Calendar:
    """Seed the calendar if it is empty, then load it into service.workdays."""
    try:
        with uow_factory() as uow:
            if uow.calendar.is_empty():
                seed_from_package(uow)
            return workdays.load(uow)
    except IntegrityError:  # another process (a second gunicorn worker) seeded it at the same moment
        with uow_factory() as uow:
            return workdays.load(uow)


def row_of(entry: DayEntry) -> CalendarDay:
    return CalendarDay(
        day=entry.day.isoformat(), year=entry.day.year, kind=entry.kind, name=entry.name, source=entry.source
    )


# --- reading ----------------------------------------------------------------------------------------
def get_year(uow: UnitOfWork, year: int) -> dict[str, Any]:
    entry = uow.calendar.year(year)
    days = [{"date": r.day, "kind": r.kind, "name": r.name, "source": r.source} for r in uow.calendar.year_days(year)]
    return {
        "year": year,
        "published": bool(entry and entry.published),
        "source": entry.source if entry else "",
        "updated_by": entry.updated_by if entry else "",
        "updated_at": entry.updated_at if entry else None,
        "days": days,
    }


def add_workdays(start: date, days: int) -> dict[str, Any]:
    result = workdays.add_workdays(start, days)
    return {"date": result.isoformat(), "provisional": workdays.is_provisional(result, since=start)}


# --- entering a year --------------------------------------------------------------------------------
def parse_entries(year: int, raw: Sequence[Mapping[str, Any]]) -> list[DayEntry]:
    """Validated entries of one year; InvalidInput lists every bad row."""
    errors: dict[str, list[str]] = {}
    entries: list[DayEntry] = []
    seen: set[date] = set()
    for i, item in enumerate(raw):
        problems = []
        try:
            day = date.fromisoformat(str(item.get("date", "")).strip())
        except ValueError:
            errors[str(i)] = [f"日期“{item.get('date', '')}”格式不正确，应为 YYYY-MM-DD"]
            continue
        kind = str(item.get("kind", "")).strip()
        name, source = str(item.get("name") or "").strip(), str(item.get("source") or "").strip()
        if day.year != year:
            problems.append(f"{day.isoformat()} 不属于 {year} 年")
        if day in seen:
            problems.append(f"{day.isoformat()} 重复")
        if kind not in KINDS:
            problems.append("类型应为 holiday（放假）或 workday（调休上班）")
        if len(name) > 100 or len(source) > 200:
            problems.append("名称不超过 100 字，依据文件不超过 200 字")
        if problems:
            errors[str(i)] = problems
            continue
        seen.add(day)
        entries.append(DayEntry(day, kind, name, source))
    if errors:
        raise InvalidInput(f"{year} 年节假日安排有误", {"errors": errors})
    return sorted(entries, key=lambda e: e.day)
