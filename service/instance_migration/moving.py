"""One instance moved to the target version, shaped like completing a task: read → engine (in an engine
process, no transaction open) → lock → re-read (the version check) → history event → versioned save,
with the job's item and counters in the same transaction → commit. An instance the engine refuses, or
that changed meanwhile beyond what a retry can absorb, is left exactly as it was and recorded as refused;
the others go on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome
from service.instance_migration.rules import MOVABLE, engine_request, plan_of, refusal
from service.process import checkpoints, events, history, step_effects
from service.process.context import ServiceContext

MAX_ATTEMPTS = 5


@dataclass
class JobContext:
    job_id: int
    worker: str
    actor: str
    reason: str
    ctx: ServiceContext
    source_id: int
    source_version: int
    source_key: str
    files: Mapping[str, bytes]
    target_id: int
    target_version: int
    target_key: str
    target_files: Mapping[str, bytes]


def move_one(uow: UnitOfWork, job: JobContext, instance_id: int) -> bool:
    """Move one instance and record its result in the job; False when the job is no longer ours."""
    ctx = job.ctx
    status, detail = "refused", refusal("实例正被频繁修改，未迁移，请稍后重试")
    for _ in range(MAX_ATTEMPTS):
        uow.begin_read()
        instance = uow.instances.get(instance_id)
        if instance is None or instance.definition_id != job.source_id or instance.status not in MOVABLE:
            word = "已结束或已撤回" if instance is not None and instance.status not in MOVABLE else "已不在源版本上"
            status, detail = "refused", refusal(f"实例{word}，未迁移")
            break
        expected, previous_status, now = instance.version, instance.status, ctx.now()
        known = frozenset(t.id for t in uow.tasks.ready_for_instance(instance_id))
        request = engine_request(
            job.source_key, job.target_key, instance.state, now, "migrate",
            known_ready=known, advance=previous_status == "running",
        )  # fmt: skip
        uow.release_loaded()
        uow.end_read()
        outcome = ctx.run_engine(job.files, request, job.target_files)
        detail = plan_of(outcome)
        if outcome.state is None:
            status = "refused"  # the instance is not touched
            break
        uow.begin_write()
        locked = uow.instances.lock(instance_id)
        if locked is None or locked.version != expected:
            continue  # someone else saved it meanwhile: plan again from their state
        try:
            _save_moved(uow, job, locked, outcome, previous_status, expected, now)
        except Exception as exc:  # noqa: BLE001 - e.g. a reaction to the step that fails: this one stays as it was
            uow.rollback()
            status, detail = "refused", {**detail, "can_move": False, "reasons": [f"保存失败：{type(exc).__name__}"]}
            break
        return _record_item(uow, job, instance_id, "moved", detail)
    uow.begin_write()
    return _record_item(uow, job, instance_id, status, detail)


def _save_moved(
    uow: UnitOfWork,
    job: JobContext,
    instance: ProcessInstance,
    outcome: EngineOutcome,
    previous_status: str,
    expected: int,
    now: datetime,
) -> None:
    plan = outcome.plan or {}
    history.append(
        uow,
        instance.id,
        "migrated",
        job.actor,
        now,
        {
            "from_version": job.source_version,
            "to_version": job.target_version,
            "reason": job.reason,
            "job_id": job.job_id,
            "active": plan.get("active", []),
            "changed": plan.get("changed", []),
        },
    )
    step_effects.record_steps(uow, instance.id, outcome.record, job.actor, now)
    ready, created, open_rows = step_effects.sync_tasks(uow, instance.id, outcome, now)
    by_id = {t.id: t for t in ready}
    for row in open_rows:  # a kept task takes the new version's name and form
        task = by_id.get(row.id)
        if task is not None:
            row.element_id, row.name, row.lane = task.element_id, task.name, task.lane
            row.form_key, row.position = task.form_key, task.position
    if previous_status == "running":
        status = "error" if outcome.record.error else ("completed" if outcome.completed else "running")
    else:
        status = previous_status  # a suspended instance stays suspended, one in error stays in error
    values: dict[str, Any] = {
        "definition_id": job.target_id,
        "state": outcome.state,
        "data": outcome.data,
        "status": status,
        "next_wake_at": outcome.next_wake if status == "running" else None,
        "updated_at": now,
    }
    if status == "error" and outcome.record.error:
        values["error_message"] = outcome.record.error.message
    if status == "completed":
        values["completed_at"] = now
        history.append(uow, instance.id, "instance_completed", job.actor, now, {})
    checkpoints.record(
        uow, instance.id, before=instance.data, after=outcome.data, ready=outcome.ready,
        ready_data=outcome.ready_data, waiting=outcome.waiting,
        status=status, state=outcome.state, actor=job.actor, now=now,
    )  # fmt: skip
    if not uow.instances.save_state(instance, expected, values):  # held by the lock: cannot happen
        raise RuntimeError("instance changed under its lock")
    if status in ("running", "completed"):
        step = events.StepSaved(
            instance=instance,
            data=values["data"],
            status=status,
            ready=ready,
            new_tasks=created,
            open_tasks=open_rows,
            timers_fired=outcome.record.timers_fired,
            completed_now=status == "completed",
            actor=job.actor,
            now=now,
        )
        job.ctx.publish(uow, step)


def _record_item(uow: UnitOfWork, job: JobContext, instance_id: int, status: str, detail: dict[str, Any]) -> bool:
    """In the instance's transaction: its item, the job's counters and heartbeat; then commit."""
    if not uow.migrations.beat(job.job_id, job.worker, job.ctx.now()):
        uow.rollback()  # taken over by another worker: what we did here is not ours to commit
        return False
    item = uow.migrations.item(job.job_id, instance_id)
    locked = uow.migrations.lock_job(job.job_id)
    assert item is not None and locked is not None
    item.status, item.detail, item.finished_at = status, detail, job.ctx.now()
    locked.done += 1
    if status == "moved":
        locked.moved += 1
    else:
        locked.refused += 1
    uow.commit()
    return True
