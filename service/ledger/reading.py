"""Reading the ledger: who sees which rows, filters in database terms, pages and statistics."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from service import workdays
from service.access.principal import Principal
from service.db.models.ledger import co_unit_codes
from service.db.queries.ledger import LedgerCriteria
from service.db.session import UnitOfWork
from service.errors import InvalidInput
from service.ledger.labels import (
    CLOSED,
    NO_LEAD_UNIT_LABEL,
    PRIORITIES,
    SORT_KEYS,
    STATUSES,
    WITHDRAWN,
    light_label,
    status_label,
)
from service.workdays import lights

MAX_QUERY_LENGTH = 100
DATE_FILTERS = ("registered_from", "registered_to", "deadline_from", "deadline_to")


def visible_scope(actor: Principal) -> tuple[bool, str | None]:
    """(sees any row, unit restriction): the office, auditors, admins and county leaders read every row;
    a 承办单位 user the rows their unit leads or co-handles; anyone else nothing."""
    if actor.reads_every_item:
        return True, None
    if actor.staff_unit:
        return True, actor.staff_unit
    return False, None


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"筛选条件有误：{message}", {"errors": {field: [message]}})


class LedgerFilters(TypedDict, total=False):
    """The ledger's filters, the same for the page, the API list, the export and (in part) the overview."""

    status: str | None
    unit: str | None  # as lead unit or co-handler
    source_type: str | None
    priority: str | None  # 重点 / 一般
    light: str | None
    registered_from: date | None
    registered_to: date | None
    deadline_from: date | None
    deadline_to: date | None
    q: str | None
    process_key: str | None


def criteria(
    actor: Principal, now: datetime, yellow_workdays: int, **filters: Unpack[LedgerFilters]
) -> LedgerCriteria | None:
    """The filters in database terms, or None when the actor may see no row at all."""
    status, light, q = filters.get("status"), filters.get("light"), filters.get("q")
    unit, source_type, process_key = filters.get("unit"), filters.get("source_type"), filters.get("process_key")
    registered_from, registered_to = filters.get("registered_from"), filters.get("registered_to")
    deadline_from, deadline_to = filters.get("deadline_from"), filters.get("deadline_to")
    if status and status not in STATUSES:
        raise _invalid("status", f"状态只能是 {'、'.join(STATUSES)}")
    priority = filters.get("priority")
    if priority and priority not in PRIORITIES:
        raise _invalid("priority", f"督查类别只能是 {'、'.join(PRIORITIES)}")
    if light and light not in lights.LIGHTS:
        raise _invalid("light", f"亮灯只能是 {'、'.join(lights.LIGHTS)}")
    query = (q or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise _invalid("q", f"搜索内容不能超过 {MAX_QUERY_LENGTH} 个字")
    sees_any, scope = visible_scope(actor)
    if not sees_any:
        return None
    deadline_after = deadline_until = None
    if light:  # only items with a deadline: deadline_at compared with anything is never true for NULL
        deadline_after, deadline_until = lights.light_window(light, now, yellow_workdays)
    return LedgerCriteria(
        unit_scope=scope,
        status=status or None,
        open_only=bool(light),
        unit=unit or None,
        source_type=source_type or None,
        priority=priority or None,
        process_key=process_key or None,
        deadline_after=deadline_after,
        deadline_until=deadline_until,
        registered_from=workdays.day_start(registered_from) if registered_from else None,
        registered_before=workdays.day_end(registered_to) if registered_to else None,
        deadline_from=deadline_from.isoformat() if deadline_from else None,
        deadline_to=deadline_to.isoformat() if deadline_to else None,
        q=query or None,
    )


def check_sort(sort: str) -> str:
    if sort not in SORT_KEYS:
        raise _invalid("sort", f"排序只能是 {'、'.join(SORT_KEYS)}")
    return sort


def encode_after(sort: str, value: datetime | None, instance_id: int) -> str:
    """The keyset cursor (`after=`) of a page's last row: opaque to callers, URL-safe."""
    raw = json.dumps([sort, value.isoformat() if value else None, instance_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_after(sort: str, token: str) -> tuple[datetime | None, int]:
    """(sort value, instance id) of a cursor made by `encode_after` for the same sort."""
    bad = _invalid("after", "翻页位置无效，请从第一页重新查询")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_sort, value, instance_id = json.loads(raw)
        moment = datetime.fromisoformat(value) if value is not None else None
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if cursor_sort != sort:
        raise _invalid("after", "翻页位置与排序方式不一致，请从第一页重新查询")
    if (
        not isinstance(instance_id, int)
        or isinstance(instance_id, bool)
        or (moment is not None and moment.tzinfo is None)
    ):
        raise bad
    if moment is None and sort.startswith("registered"):
        raise bad
    return moment, instance_id


def unit_names(uow: UnitOfWork) -> dict[str, str]:
    return uow.units.names()


class LightsAt:
    """Light and working days left at one moment for many rows; each distinct deadline is worked out once."""

    def __init__(self, now: datetime, yellow_workdays: int) -> None:
        self.now, self.yellow_workdays = now, yellow_workdays
        self._known: dict[datetime | None, tuple[str | None, int | None]] = {}

    def __call__(self, deadline_at: datetime | None, *, closed: bool) -> tuple[str | None, int | None]:
        if closed:
            return None, None
        known = self._known.get(deadline_at)
        if known is None:
            light = lights.light(deadline_at, self.now, closed=False, yellow_workdays=self.yellow_workdays)
            known = self._known[deadline_at] = (light, lights.workdays_left(deadline_at, self.now))
        return known


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A ledger row ready to show: stored fields plus unit names, labels, light and working days left."""

    instance_id: int
    process_key: str
    business_number: str
    title: str
    content: str
    source_type: str
    source_ref: str
    priority: str
    responsible_leader: str
    lead_unit: str
    lead_unit_name: str
    co_units: list[str]
    co_unit_names: list[str]
    time_limit_days: int | None
    time_limit_unit: str
    deadline: str | None
    deadline_at: datetime | None
    status: str
    status_label: str
    progress: str
    registered_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    remarks: str
    updated_at: datetime
    light: str | None
    light_label: str
    workdays_left: int | None

    @classmethod
    def of(cls, row: Any, at: LightsAt, names: Mapping[str, str]) -> LedgerEntry:
        """From a LedgerItem or a plain row with the same column names, lights as of `at`."""
        light, left = light_of(row.status, row.deadline_at, at)
        co_units = co_unit_codes(row.co_units)
        return cls(
            instance_id=row.instance_id,
            process_key=row.process_key,
            business_number=row.business_number,
            title=row.title,
            content=row.content,
            source_type=row.source_type,
            source_ref=row.source_ref,
            priority=row.priority,
            responsible_leader=row.responsible_leader,
            lead_unit=row.lead_unit,
            lead_unit_name=names.get(row.lead_unit, row.lead_unit),
            co_units=co_units,
            co_unit_names=[names.get(c, c) for c in co_units],
            time_limit_days=row.time_limit_days,
            time_limit_unit=row.time_limit_unit,
            deadline=row.deadline,
            deadline_at=row.deadline_at,
            status=row.status,
            status_label=status_label(row.status),
            progress=row.progress,
            registered_at=row.registered_at,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            remarks=row.remarks,
            updated_at=row.updated_at,
            light=light,
            light_label=light_label(light),
            workdays_left=left,
        )


def light_of(status: str, deadline_at: datetime | None, at: LightsAt) -> tuple[str | None, int | None]:
    """(light, working days left) of a row as of `at`: none for a closed item, nor for a withdrawn one (it is
    nobody's work any more)."""
    if status == WITHDRAWN:
        return None, None
    return at(deadline_at, closed=status == CLOSED)


def on_time_rate(*, closed: int, closed_on_time: int, **_: int) -> float | None:
    """Closed on time ÷ closed, 4 decimals; None when nothing is closed yet."""
    return round(closed_on_time / closed, 4) if closed else None


def unit_label(code: str, names: Mapping[str, str]) -> str:
    return names.get(code, code) if code else NO_LEAD_UNIT_LABEL
