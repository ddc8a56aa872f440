"""After the engine moved: write history, project ready user tasks, save state with a version check,
then publish the saved step to the subscribers (service.process.events) — all in the caller's transaction.

Shared by every command that runs the engine (start, complete, fire timers, retry, move a deadline).
The engine ran before, in an engine process (`ctx.run_engine`); what it did arrives as an outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import workdays
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome
from service.engine.commands import json_safe as json_safe
from service.engine.records import ReadyTask, StepRecord
from service.errors import Conflict
from service.process import checkpoints, events, history
from service.process.context import ServiceContext

DEFAULT_DUE_WORKDAYS = 5


def _due_at(ready: ReadyTask, now: datetime) -> datetime:
    """The task's deadline from its `due` value (evaluated in the engine process), else the default."""
    if ready.due:
        try:
            if len(ready.due) == 10:
                return workdays.deadline_end(ready.due)
            parsed = datetime.fromisoformat(ready.due)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=workdays.SHANGHAI)
        except ValueError:  # a bad due value must not stop the process; use the default
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


def sync_tasks(
    uow: UnitOfWork, instance_id: int, outcome: EngineOutcome, now: datetime
) -> tuple[list[ReadyTask], list[HumanTask]]:
    """Make the human_tasks rows match the engine's ready user tasks; returns those tasks and the rows
    created for the newly ready ones."""
    ready = {t.id: t for t in outcome.ready}
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
                unit_code=events.task_unit(task),
                position=task.position,
                form_key=task.form_key,
                due_at=_due_at(task, now),
                state="ready",
                created_at=now,
                data=task.data,
            )
        )
        uow.tasks.add(created[-1])
    uow.tasks.flush()
    return list(ready.values()), created


def _write_events(uow: UnitOfWork) -> None:
    """The step's history events go in before the save that anchors them: if their INSERT fails, no anchor
    ever points at events that are not there."""
    try:
        uow.history.write_batch()
    except IntegrityError:  # a concurrent command wrote this instance's history first
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试") from None


def _failed(
    uow: UnitOfWork,
    instance: ProcessInstance,
    outcome: EngineOutcome,
    actor: str,
    now: datetime,
    expected: int,
    also_set: Mapping[str, Any],
) -> None:
    """Nothing the engine did can be kept (its process died, or the state could not be saved): the
    instance keeps its last saved state and goes to 异常, to be retried after a fix."""
    record_steps(uow, instance.id, outcome.record, actor, now)
    error = outcome.record.error
    values = {"status": "error", "next_wake_at": None, "updated_at": now, "error_message": error and error.message}
    _write_events(uow)
    if not uow.instances.save_state(instance, expected, {**also_set, **values}):
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试")


def persist(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance: ProcessInstance,
    outcome: EngineOutcome,
    actor: str,
    now: datetime,
    expected_version: int,
    completed_task: HumanTask | None = None,
    submitted: Mapping[str, Any] | None = None,
    also_set: Mapping[str, Any] | None = None,
) -> None:
    """`also_set`: more columns of the instance row for the same versioned save (a timer pass's claim ends
    with it). The step's history events are written by one INSERT, and their anchor by that save."""
    with uow.instances.deferred_anchor(instance.id), uow.history.batched():  # no savepoint inside
        if outcome.state is None:
            _failed(uow, instance, outcome, actor, now, expected_version, also_set or {})
            return
        step = _saved(uow, instance, outcome, actor, now, expected_version, also_set or {})
    # the ledger row, notifications, the 延期 hook: see service/wiring.py
    ctx.publish(uow, replace(step, completed_task=completed_task, submitted=submitted))


def _saved(
    uow: UnitOfWork,
    instance: ProcessInstance,
    outcome: EngineOutcome,
    actor: str,
    now: datetime,
    expected_version: int,
    also_set: Mapping[str, Any],
) -> events.StepSaved:
    assert outcome.state is not None
    record = outcome.record
    try:
        record_steps(uow, instance.id, record, actor, now)
        ready, created = sync_tasks(uow, instance.id, outcome, now)
    except IntegrityError:  # a concurrent command wrote this instance's tasks first
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试") from None
    completed = outcome.completed
    status = "error" if record.error else ("completed" if completed else "running")
    if status == "running" and instance.status == "suspended":
        status = "suspended"  # a step saved while suspended (service.operations) does not resume it
    values: dict[str, Any] = {
        **also_set,
        "state": outcome.state,
        "data": outcome.data,
        "status": status,
        "next_wake_at": outcome.next_wake if status in ("running", "suspended") else None,
        "error_message": record.error.message if record.error else None,
        "updated_at": now,
    }
    title = values["data"].get("title")
    if isinstance(title, str) and title.strip():  # the item's own title, once registration gave it one
        values["title"] = title.strip()[:500]
    if completed and instance.status != "completed":
        values["completed_at"] = now
        history.append(uow, instance.id, "instance_completed", actor, now, {})
    checkpoints.record(
        uow,
        instance.id,
        before=None if expected_version == 1 else instance.data,  # the first step: all its data is new
        after=outcome.data,
        ready=outcome.ready,
        ready_data=outcome.ready_data,
        waiting=outcome.waiting,
        status=status,
        state=outcome.state,
        actor=actor,
        now=now,
    )
    _write_events(uow)
    if not uow.instances.save_state(instance, expected_version, values):
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
    return events.StepSaved(
        instance=instance,
        data=values["data"],
        status=status,
        ready=ready,
        new_tasks=created,
        timers_fired=record.timers_fired,
        completed_now="completed_at" in values,
        actor=actor,
        now=now,
    )
