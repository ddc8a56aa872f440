"""The working-day calendar: seeding from `chinesecalendar`, reading and entering a year's arrangement.

Entering a year (API or `duban calendar import`) replaces that year's rows, reloads the in-memory
calendar of service.workdays, and recomputes the deadlines of running instances that were computed
from a time limit (`deadline = add_workdays(assigned_at, time_limit_days)`): process data, ledger row,
human tasks due at the old deadline and the live reminder timers all move.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models import CalendarDay, CalendarYear
from service.db.session import UnitOfWork
from service.deadlines import moving
from service.errors import Conflict, Forbidden, InvalidInput
from service.process.context import ServiceContext

log = logging.getLogger(__name__)

SEED_YEARS = range(2004, 2027)
KINDS = (workdays.HOLIDAY, workdays.WORKDAY)
RECOMPUTE_ATTEMPTS = 3


@dataclass(frozen=True)
class DayEntry:
    day: date
    kind: str
    name: str = ""
    source: str = ""


@dataclass
class YearResult:
    year: int
    days: int
    recomputed: list[int] = field(default_factory=list)  # instance ids whose deadline moved


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
    """Enter 2004–2026 from `chinesecalendar`, skipping years already entered. Returns the years added."""
    now = now or datetime.now(workdays.SHANGHAI)
    missing = [y for y in SEED_YEARS if uow.calendar.year(y) is None]
    by_year: dict[int, list[DayEntry]] = {y: [] for y in missing}
    for entry in package_days(missing):
        by_year[entry.day.year].append(entry)
    for year, entries in by_year.items():
        row = CalendarYear(year=year, published=True, source=package_source(), updated_by="系统", updated_at=now)
        uow.calendar.replace_year(row, (_row(e) for e in entries))
    return len(missing)


def ensure_loaded(uow_factory: Callable[[], UnitOfWork]) -> workdays.Calendar:
    """Seed the calendar if it is empty, then load it into service.workdays."""
    with uow_factory() as uow:
        if uow.calendar.is_empty():
            seed_from_package(uow)
            uow.commit()
        return workdays.load(uow)


def _row(entry: DayEntry) -> CalendarDay:
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


def check_may_edit(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以维护节假日安排")


def put_year(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    actor: Principal,
    year: int,
    entries: Sequence[DayEntry],
    source: str = "",
) -> YearResult:
    """Replace a year's arrangement (admins only), reload the calendar, recompute affected deadlines."""
    check_may_edit(actor)
    if not 1900 <= year <= 2100:
        raise InvalidInput("年份超出范围", {"errors": {"year": ["应在 1900–2100 之间"]}})
    now = ctx.now()
    year_source = source or next((e.source for e in entries if e.source), "")
    with uow_factory() as uow:
        old = workdays.current()
        row = CalendarYear(year=year, published=True, source=year_source, updated_by=actor.username, updated_at=now)
        uow.calendar.replace_year(row, (_row(e) for e in entries))
        details = {"days": len(entries), "source": year_source}
        audit_log.record(uow, audit_log.CALENDAR_SAVED, actor.username, now, str(year), details)
        uow.commit()
        new = workdays.load(uow)
    reason = f"{year} 年节假日安排已录入（{actor.display_name}）"
    return YearResult(year, len(entries), recompute_deadlines(uow_factory, ctx, old, new, year, reason))


def import_csv(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, actor: Principal, path: Path
) -> list[YearResult]:
    """`duban calendar import FILE.csv`: header date,kind,name,source; each year in the file is replaced."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput("CSV 缺少列：" + "、".join(sorted(missing)) + "（表头应为 date,kind,name,source）")
    by_year: dict[int, list[dict[str, Any]]] = {}
    for number, line in enumerate(reader, start=2):
        try:
            year = date.fromisoformat((line.get("date") or "").strip()).year
        except ValueError:
            raise InvalidInput(f"第 {number} 行日期“{line.get('date')}”格式不正确，应为 YYYY-MM-DD") from None
        by_year.setdefault(year, []).append(line)
    if not by_year:
        raise InvalidInput("CSV 中没有任何日期")
    parsed = {year: parse_entries(year, rows) for year, rows in sorted(by_year.items())}
    return [put_year(uow_factory, ctx, actor, year, entries) for year, entries in parsed.items()]


# --- recomputing deadlines --------------------------------------------------------------------------
def _derived_deadline(data: Mapping[str, Any], calendar: workdays.Calendar) -> tuple[date, int] | None:
    """(assigned_at, time limit) if the data's deadline is add_workdays(assigned_at, limit) under `calendar`."""
    if data.get("time_limit_unit") == "months":
        return None  # N months: a date, moved only past a holiday; not a working-day walk
    try:
        assigned = workdays.as_date(str(data["assigned_at"]))
        limit = int(data["time_limit_days"])
        deadline = workdays.as_date(str(data["deadline"]))
    except (KeyError, TypeError, ValueError):
        return None
    return (assigned, limit) if workdays.add_workdays(assigned, limit, calendar) == deadline else None


def recompute_deadlines(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    old: workdays.Calendar,
    new: workdays.Calendar,
    year: int,
    reason: str,
) -> list[int]:
    """Move the deadlines computed under `old` that `new` changes; one transaction per instance."""
    with uow_factory() as uow:
        # A walk of working days that never entered `year` is the same under both calendars.
        candidates = uow.calendar.instances_with_deadline_from(f"{year}-01-01")
    moved = []
    for instance_id in candidates:
        for attempt in range(RECOMPUTE_ATTEMPTS):
            try:
                with uow_factory() as uow:
                    if recompute_one(uow, ctx, instance_id, old, new, reason):
                        moved.append(instance_id)
                break
            except Conflict:
                if attempt == RECOMPUTE_ATTEMPTS - 1:
                    log.warning("deadline of instance %s not recomputed: kept being modified", instance_id)
    return moved


def recompute_one(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance_id: int,
    old: workdays.Calendar,
    new: workdays.Calendar,
    reason: str,
    actor: str = "系统",
) -> bool:
    instance = uow.instances.lock(instance_id)
    if instance is None or instance.status != "running":
        return False
    derived = _derived_deadline(instance.data or {}, old)
    if derived is None:
        return False  # entered by hand, or a later round's deadline: not ours to move
    old_deadline = workdays.as_date(str(instance.data["deadline"]))
    new_deadline = workdays.add_workdays(derived[0], derived[1], new)
    if new_deadline == old_deadline:
        return False
    details = {
        "reason": reason,
        "provisional": workdays.is_provisional(new_deadline, since=derived[0], calendar=new),
    }
    moving.move_deadline(uow, ctx, instance, new_deadline, kind="deadline_recomputed", actor=actor, details=details)
    uow.commit()
    return True
