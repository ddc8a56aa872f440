"""Entering a year's working-day arrangement (admins): store it, reload the calendar, and move the
deadlines that were computed from a time limit under the old calendar (`deadline = add_workdays(
assigned_at, time_limit_days)`) — process data, ledger row, live reminder timers — one instance per
transaction. Deadlines entered by hand or set by a 延期 are never touched.

It lives with the deadlines because it moves them; the calendar itself (seeding, reading, parsing a
year's rows) is service.workdays.calendar.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models import CalendarYear
from service.db.session import UnitOfWork
from service.deadlines import moving
from service.errors import Conflict, Forbidden, InvalidInput
from service.process.context import ServiceContext
from service.workdays import calendar
from service.workdays.calendar import DayEntry

log = logging.getLogger(__name__)
RECOMPUTE_ATTEMPTS = 3


@dataclass
class YearResult:
    year: int
    days: int
    recomputed: list[int] = field(default_factory=list)  # instance ids whose deadline moved


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
        uow.calendar.replace_year(row, (calendar.row_of(e) for e in entries))
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
    parsed = {year: calendar.parse_entries(year, rows) for year, rows in sorted(by_year.items())}
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
    instance = uow.instances.lock(instance_id, with_state=True)  # the deadline moves in this transaction
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
