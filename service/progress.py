"""After the engine moved: write history, project ready user tasks, save state with a version check.

Shared by every command that runs the engine (start, complete, fire timers, retry).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import history, ledger, workdays
from service.context import ServiceContext
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.records import ReadyTask, StepRecord
from service.errors import Conflict
from service.notifications import hooks as notification_hooks
from service.principal import UNIT_LANE

DEFAULT_DUE_WORKDAYS = 5


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def _due_at(ctx: ServiceContext, ready: ReadyTask, now: datetime) -> datetime:
    if ready.due_expression:
        try:
            value = ctx.engine.evaluate(ready.data, ready.due_expression, lambda: now)
            text = str(value)
            if len(text) == 10:
                return workdays.deadline_end(text)
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=workdays.SHANGHAI)
        except Exception:  # noqa: BLE001 - a bad due expression must not stop the process; use the default
            pass
    return workdays.deadline_end(workdays.add_workdays(now, DEFAULT_DUE_WORKDAYS))


def record_steps(uow: UnitOfWork, instance_id: int, record: StepRecord, actor: str, now: datetime) -> None:
    if record.completed:
        history.append(
            uow,
            instance_id,
            "engine_steps",
            actor,
            now,
            {"elements": [{"element_id": e, "name": n} for e, n in record.completed]},
        )
    for timer in record.timers_fired:
        fired = {"element_id": timer[0], "name": timer[1]}
        unit = getattr(timer, "unit", None)  # the unit whose branch the timer sits in (临期/逾期催办)
        history.append(uow, instance_id, "timer_fired", actor, now, fired | ({"unit": unit} if unit else {}))
    if record.error is not None:
        history.append(
            uow,
            instance_id,
            "error",
            actor,
            now,
            {"message": record.error.message, "element_id": record.error.element_id, "line": record.error.line},
        )


def _unit_of(task: ReadyTask) -> str | None:
    """The unit a 承办单位 task belongs to (task-data variable `unit`), else None."""
    unit = task.data.get("unit") if task.lane == UNIT_LANE else None
    return str(unit) if unit is not None else None


def sync_tasks(uow: UnitOfWork, ctx: ServiceContext, instance_id: int, workflow: Any, now: datetime) -> list[ReadyTask]:
    """Make the human_tasks rows match the engine's ready user tasks; returns those tasks."""
    ready = {t.id: t for t in ctx.engine.ready_user_tasks(workflow)}
    known = set()
    created: list[HumanTask] = []
    for row in uow.tasks.ready_for_instance(instance_id):
        if row.id in ready:
            known.add(row.id)
        else:
            row.state = "cancelled"  # e.g. an interrupting event took the token away
            row.completed_at = now
    for task_id, task in ready.items():
        if task_id in known:
            continue
        existing = uow.tasks.get(task_id)
        if existing is not None:  # the same engine task ready again (a retry): reopen it
            existing.state, existing.completed_at, existing.completed_by = "ready", None, None
            continue
        created.append(
            HumanTask(
                id=task_id,
                instance_id=instance_id,
                element_id=task.element_id,
                name=task.name,
                lane=task.lane,
                unit_code=_unit_of(task),
                form_key=task.form_key,
                due_at=_due_at(ctx, task, now),
                state="ready",
                created_at=now,
                data=json_safe(task.data),
            )
        )
        uow.tasks.add(created[-1])
    uow.tasks.flush()
    notification_hooks.tasks_created(uow, ctx, created, now)  # 新待办 to who may act, in this transaction
    return list(ready.values())


def persist(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance: ProcessInstance,
    workflow: Any,
    record: StepRecord,
    actor: str,
    now: datetime,
    expected_version: int,
) -> None:
    try:
        record_steps(uow, instance.id, record, actor, now)
        ready = sync_tasks(uow, ctx, instance.id, workflow, now)
    except IntegrityError:  # a concurrent command wrote this instance's history first
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试") from None
    engine = ctx.engine
    completed = engine.is_completed(workflow)
    status = "error" if record.error else ("completed" if completed else "running")
    values: dict[str, Any] = {
        "state": engine.dump(workflow, str(instance.definition_id)),
        "data": json_safe(engine.data(workflow)),
        "status": status,
        "next_wake_at": None if status != "running" else engine.next_wake(workflow),
        "error_message": record.error.message if record.error else None,
        "updated_at": now,
    }
    title = values["data"].get("title")
    if isinstance(title, str) and title.strip():  # the item's own title, once registration gave it one
        values["title"] = title.strip()[:500]
    if completed and instance.status != "completed":
        values["completed_at"] = now
        history.append(uow, instance.id, "instance_completed", actor, now, {})
    notification_hooks.timers_fired(uow, ctx, instance, record.timers_fired, values["data"], now)  # 催办
    # The ledger row is part of this save: written here while the instance is still loaded (saving
    # expires it) and kept only if the version check below passes — otherwise Conflict rolls back both.
    steps = [ledger.ReadyStep(t.name, _unit_of(t)) for t in ready]
    if instance.definition.in_ledger:
        ledger.project(uow, instance, data=values["data"], status=status, ready=steps, actor=actor, now=now)
    if not uow.instances.save_state(instance, expected_version, values):
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
    hook = ctx.completion_hooks.get(instance.process_key)
    if hook is not None and status == "completed" and "completed_at" in values:  # just completed
        hook(uow, ctx, instance, values["data"], actor)
