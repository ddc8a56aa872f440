"""After the engine moved: write history, project ready user tasks, save state with a version check,
then publish the saved step to the subscribers (service.process.events) — all in the caller's transaction.

Shared by every command that runs the engine (start, complete, fire timers, retry, move a deadline).
The engine ran before, in an engine process (`ctx.run_engine`); what it did arrives as an outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome
from service.engine.commands import json_safe as json_safe
from service.errors import Conflict
from service.process import checkpoints, events, history
from service.process.context import ServiceContext
from service.process.step_effects import record_steps, sync_tasks


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
    first: Callable[[], None] | None = None,
) -> None:
    """`also_set`: more columns of the instance row for the same versioned save (a timer pass's claim ends
    with it). The step's history events are written by one INSERT, and their anchor by that save; `first`
    runs before the step's own, inside the same blocks, so the command's events (a completion's
    task_completed) go in with them — two round trips fewer than appending them before."""
    with uow.instances.deferred_anchor(instance.id), uow.history.batched():  # no savepoint inside
        if outcome.state is None:  # nothing of the step is kept, nor what `first` would record of it
            _failed(uow, instance, outcome, actor, now, expected_version, also_set or {})
            return
        if first is not None:
            first()
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
        ready, created, open_rows = sync_tasks(uow, instance.id, outcome, now)
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
        open_tasks=open_rows,
        timers_fired=record.timers_fired,
        completed_now="completed_at" in values,
        actor=actor,
        now=now,
    )
