"""Where processes stall (issue 13 point 7): per element of a flow, how many instances passed it, how long
its steps took (median and p90 in working days), how often it sent the work back (退回), how many of its
tasks ran late; returns and overdue per unit; and the instances behind each number.

Definitions (docs/decisions/0019-stalls-and-auditor-views.md):
- The period selects instances by their START (`started_at`, Asia/Shanghai days, both inclusive): a flow's
  figures for "the items registered in May", whatever step they are at now.
- A step's duration is its human task's ready → completed (`created_at` → `completed_at`), in working days
  after the ready day up to the completion day (service.workdays.workdays_between: finished the day it
  arrived = 0). Only completed tasks have a duration; median and p90 are nearest-rank over them.
- A return is a completion whose data sends the work back: the review's `review_decision = return`, the
  head's `head_decision = return`, the leader's `decision = send_back`, a plan's `plan_decision =
  send_back` (RETURN_DECISIONS). It counts at the element that decided it, and for the unit that step was
  about (the task's unit, else the `unit` of its data).
- Overdue: a task with a due time completed after it, or still open past it.
- The unit filter keeps the instances the unit leads or co-handles (the ledger's rule).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models import ProcessDefinition
from service.db.queries.stall import StallScope
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput, NotFound

RETURN_DECISIONS = (
    ("review_decision", "return"),
    ("head_decision", "return"),
    ("decision", "send_back"),
    ("plan_decision", "send_back"),
)
KINDS = {"passed": "经过", "active": "停留中", "overdue": "超期", "returned": "退回"}
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class StallFilters:
    day_from: date | None = None
    day_to: date | None = None
    unit: str | None = None
    version: int | None = None


@dataclass
class ElementFigures:
    element_id: str
    name: str
    instances: int = 0
    tasks: int = 0
    completed: int = 0
    active: int = 0
    overdue: int = 0
    returns: int = 0
    median_workdays: float | None = None
    p90_workdays: float | None = None
    max_workdays: int | None = None


@dataclass
class UnitFigures:
    unit: str
    unit_name: str
    tasks: int = 0
    returns: int = 0
    overdue: int = 0


@dataclass
class StallReport:
    process_key: str
    process_name: str
    version: int | None  # the version asked for (None: every version)
    diagram_version: int  # the version whose diagram the figures are drawn on
    bpmn_xml: str
    day_from: date | None
    day_to: date | None
    unit: str | None
    period_by: str = "instance_start"
    elements: list[ElementFigures] = field(default_factory=list)
    units: list[UnitFigures] = field(default_factory=list)


@dataclass(frozen=True)
class InstanceFigures:
    instance_id: int
    business_number: str
    title: str
    status: str
    started_at: datetime
    tasks: int
    returns: int
    overdue: int
    workdays: int | None  # the element's completed tasks of this instance, summed


def may_read(actor: Principal) -> bool:
    """The ledger overview's readers: 审计, 督查室, 系统管理员 and the county leaders (`reads_every_item`)."""
    return actor.reads_every_item


def check_may_read(actor: Principal) -> None:
    if not may_read(actor):
        raise Forbidden("只有审计、督查室、系统管理员和县领导可以查看流程滞留分析")


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(f"筛选条件有误：{message}", {"errors": {name: [message]}})


def _definition(uow: UnitOfWork, key: str, version: int | None) -> ProcessDefinition:
    latest = uow.definitions.latest(key)
    if latest is None:
        raise NotFound(f"流程 {key} 不存在")
    if version is None:
        return latest
    found = uow.definitions.version(key, version)
    if found is None:
        raise _invalid("version", f"流程没有版本 {version}")
    return found


def _scope(uow: UnitOfWork, key: str, filters: StallFilters) -> StallScope:
    if filters.day_from and filters.day_to and filters.day_from > filters.day_to:
        raise _invalid("from", "起始日期不能晚于截止日期")
    if filters.unit and filters.unit not in uow.units.names():
        raise _invalid("unit", "未知的单位")
    return StallScope(
        process_key=key,
        started_from=workdays.day_start(filters.day_from) if filters.day_from else None,
        started_to=workdays.day_end(filters.day_to) if filters.day_to and filters.day_to < date.max else None,
        version=filters.version,
        unit=filters.unit or None,
        returns=RETURN_DECISIONS,
    )


class _Durations:
    """Working days between two moments, remembered per pair of days (many tasks share them)."""

    def __init__(self) -> None:
        self._known: dict[tuple[date, date], int] = {}

    def __call__(self, start: date | datetime, end: date | datetime) -> int:
        pair = (workdays.as_date(start), workdays.as_date(end))
        found = self._known.get(pair)
        if found is None:
            found = self._known[pair] = max(workdays.workdays_between(*pair), 0)
        return found


def _at_rank(counted: Sequence[tuple[int, int]], rank: int) -> int:
    """The value at 1-based `rank` of the multiset given as sorted (value, how many) pairs."""
    seen = 0
    for value, n in counted:
        seen += n
        if seen >= rank:
            return value
    return counted[-1][0]


def _rank(counted: Sequence[tuple[int, int]], q: float) -> float:
    """Nearest-rank percentile (q in (0, 1]) of sorted (value, how many) pairs."""
    total = sum(n for _, n in counted)
    return float(_at_rank(counted, max(math.ceil(q * total), 1)))


def _median(counted: Sequence[tuple[int, int]]) -> float:
    total = sum(n for _, n in counted)
    if total % 2:
        return float(_at_rank(counted, total // 2 + 1))
    return (_at_rank(counted, total // 2) + _at_rank(counted, total // 2 + 1)) / 2


def report(uow: UnitOfWork, actor: Principal, now: datetime, key: str, filters: StallFilters) -> StallReport:
    """The figures of every element of the flow `key` for the instances the filters select."""
    check_may_read(actor)
    definition = _definition(uow, key, filters.version)
    scope = _scope(uow, key, filters)
    elements = {
        c.element_id: ElementFigures(c.element_id, c.name, c.instances, c.tasks, c.completed, c.active, c.overdue)
        for c in uow.stalls.element_counts(scope, now)
    }
    spans: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # element -> workdays -> tasks
    duration = _Durations()
    for element, ready, done, n in uow.stalls.completed_days(scope):
        spans[element][duration(ready, done)] += n
    for element, counted in spans.items():
        figures = elements.get(element)
        if figures is not None:
            values = sorted(counted.items())
            figures.median_workdays = _median(values)
            figures.p90_workdays = _rank(values, 0.9)
            figures.max_workdays = values[-1][0]
    names = uow.units.names()
    units: dict[str, UnitFigures] = {}

    def unit_row(code: str) -> UnitFigures:
        if code not in units:
            units[code] = UnitFigures(code, names.get(code, code))
        return units[code]

    for element, unit, count in uow.stalls.returns_by_element_and_unit(scope):
        if element in elements:
            elements[element].returns += count
        if unit:
            unit_row(unit).returns += count
    for unit, tasks, overdue in uow.stalls.overdue_by_unit(scope, now):
        if unit:
            row = unit_row(unit)
            row.tasks, row.overdue = tasks, overdue
    ordered = sorted(elements.values(), key=lambda e: (-(e.median_workdays or -1), -e.instances, e.element_id))
    by_unit = sorted(units.values(), key=lambda u: (-(u.returns + u.overdue), u.unit))
    result = StallReport(
        process_key=key,
        process_name=definition.name,
        version=filters.version,
        diagram_version=definition.version,
        bpmn_xml=definition.bpmn_xml,
        day_from=filters.day_from,
        day_to=filters.day_to,
        unit=filters.unit or None,
        elements=ordered,
        units=by_unit,
    )
    details = {"filters": _shown(filters)}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_VIEWED_STALLS, now, key, details)
    return result


def _shown(filters: StallFilters) -> dict[str, Any]:
    raw = {"from": filters.day_from, "to": filters.day_to, "unit": filters.unit, "version": filters.version}
    return {k: str(v) for k, v in raw.items() if v not in (None, "")}


def instances(
    uow: UnitOfWork,
    actor: Principal,
    now: datetime,
    key: str,
    element_id: str,
    filters: StallFilters,
    *,
    kind: str = "passed",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[InstanceFigures], int]:
    """A page of the instances behind one number of one element (`kind`: passed / active / overdue /
    returned), newest started first."""
    check_may_read(actor)
    if kind not in KINDS:
        raise _invalid("kind", "未知的类别")
    _definition(uow, key, filters.version)
    scope = _scope(uow, key, filters)
    lines, total = uow.stalls.instances_at(
        scope, element_id, now, kind, max(offset, 0), min(max(limit, 1), MAX_PER_PAGE)
    )
    spent: dict[int, int] = {}
    duration = _Durations()
    for instance_id, created, completed in uow.stalls.task_times([line.instance_id for line in lines], element_id):
        if completed is not None:
            spent[instance_id] = spent.get(instance_id, 0) + duration(created, completed)
    found = [
        InstanceFigures(
            line.instance_id,
            line.business_number,
            line.title,
            line.status,
            line.started_at,
            line.tasks,
            line.returns,
            line.overdue,
            spent.get(line.instance_id),
        )
        for line in lines
    ]
    return found, total


def flows(uow: UnitOfWork, actor: Principal) -> list[tuple[str, str, list[int]]]:
    """(key, name, versions newest first) of every deployed flow, for the page's choice."""
    check_may_read(actor)
    return [
        (d.key, d.name, [v.version for v in uow.definitions.versions(d.key)]) for d in uow.definitions.list_latest()
    ]
