"""待办 / 已办 / 我发起的: what a person has to do, has done, and has started — with working days and lights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from service.access.principal import Principal
from service.db.queries.inbox import INSTANCE_SORTS, TASK_SORTS, TaskScope, Window
from service.db.session import UnitOfWork
from service.errors import InvalidInput
from service.workdays import lights

TABS = ("todo", "done", "started")


@dataclass(frozen=True)
class InboxRow:
    instance_id: int
    business_number: str
    title: str
    step: str  # 环节: the task's name, or the item's current progress for 我发起的
    source: str
    unit: str  # unit code: the task's unit, else the item's lead unit
    due_at: datetime | None
    workdays_left: int | None
    light: str | None
    task_id: str | None = None
    finished_at: datetime | None = None
    status: str = ""


@dataclass(frozen=True)
class InboxFilters:
    light: str | None = None
    q: str | None = None
    process_key: str | None = None
    sort: str | None = None


def todo_scope(actor: Principal) -> TaskScope:
    return TaskScope(state="ready", acting=actor.acting())


def counts(uow: UnitOfWork, actor: Principal) -> dict[str, int]:
    return {
        "todo": uow.inbox.count_tasks(todo_scope(actor)),
        "done": uow.inbox.count_tasks(TaskScope(state="completed", completed_by=actor.username)),
        "started": uow.inbox.count_started(actor.username),
    }


def _window(filters: InboxFilters, now: datetime, yellow_workdays: int) -> Window:
    after = until = None
    if filters.light:
        if filters.light not in lights.LIGHTS:
            raise InvalidInput("亮灯筛选值无效", {"errors": {"light": ["应为 green、yellow 或 red"]}})
        after, until = lights.light_window(filters.light, now, yellow_workdays)
    q = (filters.q or "").strip()[:100] or None
    return Window(due_after=after, due_until=until, q=q, process_key=filters.process_key or None)


def _sort(sort: str | None, allowed: Mapping[str, object], default: str) -> str:
    if not sort:
        return default
    if sort not in allowed:
        raise InvalidInput("排序方式无效", {"errors": {"sort": [f"可选：{', '.join(allowed)}"]}})
    return sort


def listing(
    uow: UnitOfWork,
    actor: Principal,
    tab: str,
    filters: InboxFilters,
    *,
    now: datetime,
    yellow_workdays: int,
    offset: int = 0,
    limit: int = 20,
) -> tuple[Sequence[InboxRow], int]:
    if tab not in TABS:
        raise InvalidInput("列表类别无效", {"errors": {"tab": [f"可选：{', '.join(TABS)}"]}})
    window = _window(filters, now, yellow_workdays)
    if tab == "started":
        sort = _sort(filters.sort, INSTANCE_SORTS, "started_desc")
        found, total = uow.inbox.started(actor.username, window, sort, offset, limit)
        return [_started_row(i, led, now, yellow_workdays) for i, led in found], total
    scope = todo_scope(actor) if tab == "todo" else TaskScope(state="completed", completed_by=actor.username)
    sort = _sort(filters.sort, TASK_SORTS, "due_asc" if tab == "todo" else "completed_desc")
    rows, total = uow.inbox.tasks(scope, window, sort, offset, limit)
    out = []
    for task, number, title, _key, led in rows:
        done = task.state != "ready"
        out.append(
            InboxRow(
                instance_id=task.instance_id,
                business_number=number,
                title=title or (led.title if led else ""),
                step=task.name,
                source=led.source_type if led else "",
                # the branch's own unit (a co-handling unit's 审核 names that unit, not the lead unit)
                unit=task.unit_code or str((task.data or {}).get("unit") or "") or (led.lead_unit if led else ""),
                due_at=task.due_at,
                workdays_left=None if done else lights.workdays_left(task.due_at, now),
                light=lights.light(task.due_at, now, closed=done, yellow_workdays=yellow_workdays),
                task_id=task.id,
                finished_at=task.completed_at,
                status=task.state,
            )
        )
    return out, total


def _started_row(instance, led, now: datetime, yellow_workdays: int) -> InboxRow:  # type: ignore[no-untyped-def]
    closed = instance.status != "running"
    due = led.deadline_at if led else None
    return InboxRow(
        instance_id=instance.id,
        business_number=instance.business_number,
        title=instance.title or (led.title if led else ""),
        step=led.progress if led else "",
        source=led.source_type if led else "",
        unit=led.lead_unit if led else "",
        due_at=due,
        workdays_left=None if closed else lights.workdays_left(due, now),
        light=lights.light(due, now, closed=closed, yellow_workdays=yellow_workdays),
        finished_at=instance.completed_at,
        status=instance.status,
    )
