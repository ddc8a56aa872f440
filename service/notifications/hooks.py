"""Notifications the engine's progress causes: a new task to its people, a fired reminder to its unit.

Called by service.progress inside the command's unit of work (nothing is committed here).
Nothing about a particular flow is assumed: any new user task notifies who may act on it, and any
timer that fires in a unit's branch (task data `unit`) reminds that unit, named as the timer is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.db.models import HumanTask, ProcessInstance
from service.notifications import deliver, task_recipients
from service.notifications.messages import Message
from service.workdays import lights

if TYPE_CHECKING:
    from service.db.session import UnitOfWork
    from service.engine.records import FiredTimer
    from service.process.context import ServiceContext
    from service.process.events import StepSaved


def _item(number: str, title: str) -> str:
    return f"{number}「{title}」" if title else number


def _item_title(data: Mapping[str, Any], instance: ProcessInstance | None) -> str:
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    return instance.title if instance is not None else ""


def _last_return_reason(data: Mapping[str, Any]) -> str:
    """The reason 审核 gave last: `return_reason` stays in the data until the next 退回 overwrites it.

    Instances of diagram versions before the flat counter also kept a `returns` list; either way the
    history's task_completed events hold every reason."""
    reason = data.get("return_reason")
    if isinstance(reason, str) and reason.strip():
        return reason.strip()
    returns = data.get("returns")
    if isinstance(returns, list) and returns and isinstance(returns[-1], dict):
        return str(returns[-1].get("reason") or "")
    return ""


def task_message(task: HumanTask, instance: ProcessInstance | None) -> Message:
    """新待办, or 退回重新办理 for a task that is ready again in a later round (task data `round` > 1)."""
    number = instance.business_number if instance is not None else ""
    body = _item(number, _item_title(task.data, instance))
    if task.due_at is not None:  # stored as the first overdue moment; people read the day itself
        body += f"，办理时限：{lights.deadline_date(task.due_at).isoformat()}"
    round_no = task.data.get("round")
    if isinstance(round_no, int) and not isinstance(round_no, bool) and round_no > 1:
        reason = _last_return_reason(task.data)
        body += f"。第 {round_no} 轮办理" + (f"，退回理由：{reason}" if reason else "")
        return Message("returned", f"退回重新办理：{task.name}"[:200], body, f"/tasks/{task.id}", task.instance_id)
    return Message("task_ready", f"新待办：{task.name}"[:200], body, f"/tasks/{task.id}", task.instance_id)


def tasks_created(uow: UnitOfWork, ctx: ServiceContext, tasks: Sequence[HumanTask], now: datetime) -> None:
    if not tasks:
        return
    instance = uow.instances.get(tasks[0].instance_id)
    people: dict[tuple[str | None, str | None], list[Any]] = {}  # one query per lane and unit, not per task
    for task in tasks:
        key = (task.lane, task.unit_code)
        if key not in people:
            people[key] = task_recipients(uow, task)
        deliver(uow, ctx.notify_config, people[key], task_message(task, instance), now)


def timers_fired(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance: ProcessInstance,
    fired: Sequence[FiredTimer],
    data: Mapping[str, Any],
    now: datetime,
    open_tasks: Sequence[HumanTask],
) -> None:
    """A timer fired in a unit's branch (临期催办, 逾期催办, …): remind that unit's staff, linked to the
    unit's open task (`open_tasks`: the instance's ready rows as the step left them) if it has one."""
    for timer in fired:
        unit = getattr(timer, "unit", None)
        if not unit:
            continue
        deadline = data.get("deadline")
        body = _item(instance.business_number, _item_title(data, instance))
        body += f"，办理时限：{deadline}" if deadline else ""
        body += "。请抓紧办理，按时报送办理情况。"
        mine = [t for t in open_tasks if t.unit_code == unit]
        link = f"/tasks/{mine[0].id}" if mine else f"/items/{instance.id}"
        title = f"{timer[1]}：{_item_title(data, instance)}"[:200]
        message = Message("reminder", title, body, link, instance.id)
        deliver(uow, ctx.notify_config, uow.notifications.of_unit(unit), message, now)


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    """Subscriber: 新待办 to who may act on each new task, then 催办 for each timer fired in a unit's branch."""
    tasks_created(uow, ctx, step.new_tasks, step.now)
    timers_fired(uow, ctx, step.instance, step.timers_fired, step.data, step.now, step.open_tasks)
