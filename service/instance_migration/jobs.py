"""Dry run, starting a migration job, and working through a job — with every permission check.

Each instance is a command of its own, shaped like completing a task: read → engine (in an engine process,
no transaction open) → lock → re-read (the version check) → history event → versioned save, with the job's
item and counters in the same transaction → commit. An instance the engine refuses, or that changed
meanwhile beyond what a retry can absorb, is left exactly as it was and recorded as refused; the others
go on. A job is held by one worker at a time (`claimed_by`, `heartbeat_at`); a job whose heartbeat is
older than STALE_SECONDS was left by a dead worker and is taken over where it stopped.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import MigrationJob, MigrationJobItem, ProcessDefinition, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest, Operation
from service.errors import Forbidden, InvalidInput, NotFound
from service.process import checkpoints, events, history, progress
from service.process.context import ServiceContext, cache_key

# What may be moved: a running instance, a suspended one (it stays suspended and is not advanced) and one
# in error (it stays in error; a retry then runs on the new version). Completed and withdrawn ones are not.
MOVABLE = ("running", "suspended", "error")
STALE_SECONDS = 900  # longer than one engine command may take (its wall limit is 600 s)
MAX_ATTEMPTS = 5
MAX_REASON = 500


def _check_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以迁移流程实例")


def _versions(uow: UnitOfWork, key: str, from_version: int, to_version: int) -> tuple[ProcessDefinition, ...]:
    if from_version == to_version:
        raise InvalidInput("源版本与目标版本相同", {"errors": {"to_version": ["须与源版本不同"]}})
    found = []
    for field_name, version in (("from_version", from_version), ("to_version", to_version)):
        definition = uow.definitions.version(key, version)
        if definition is None:
            raise NotFound(f"流程 {key} 第 {version} 版不存在", {"field": field_name})
        found.append(definition)
    return tuple(found)


@dataclass
class Verdict:
    instance_id: int
    business_number: str
    title: str
    status: str
    plan: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "business_number": self.business_number,
            "title": self.title,
            "status": self.status,
            **self.plan,
        }


def _refusal(reason: str) -> dict[str, Any]:
    empty: list[Any] = []
    return {"can_move": False, "active": empty, "missing": [], "changed": [], "added": [], "removed": [],
            "reasons": [reason]}  # fmt: skip


def _plan_of(outcome: EngineOutcome) -> dict[str, Any]:
    if outcome.plan is not None:
        return outcome.plan
    error = outcome.record.error
    return _refusal(f"流程引擎未能判断：{error.message if error else '未知原因'}")


def dry_run(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    key: str,
    from_version: int,
    to_version: int,
    instance_ids: Sequence[int] | None = None,
) -> tuple[int, int, list[Verdict]]:
    """(from version, to version, verdicts): each movable instance of `from_version` (or only
    `instance_ids`), with what a move would do. Changes nothing. The engine runs per instance with no
    transaction open."""
    _check_admin(actor)
    uow.begin_read()
    source, target = _versions(uow, key, from_version, to_version)
    rows = uow.migrations.instances_on(source.id, MOVABLE, instance_ids)
    refs = [(r.id, r.business_number, r.title, r.status) for r in rows]
    files, target_files = ctx.files_of(uow, source), ctx.files_of(uow, target)
    source_key, target_key, source_id = cache_key(source), cache_key(target), source.id
    uow.end_read()
    verdicts = []
    for instance_id, number, title, status in refs:
        uow.begin_read()
        instance = uow.instances.get(instance_id)
        state = instance.state if instance is not None and instance.definition_id == source_id else None
        uow.release_loaded()
        uow.end_read()
        verdict = Verdict(instance_id, number, title, status)
        if state is None:
            verdict.plan = _refusal(f"实例已不在第 {from_version} 版上")
        else:
            request = _request(source_key, target_key, state, ctx.now(), "plan")
            verdict.plan = _plan_of(ctx.run_engine(files, request, target_files))
        verdicts.append(verdict)
    return from_version, to_version, verdicts


def _request(source_key: str, target_key: str, state: str, now: datetime, op: Operation, **kw: Any) -> EngineRequest:
    return EngineRequest(op=op, cache_key=source_key, now=now, state=state, target_key=target_key, **kw)


def start_migration(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    key: str,
    from_version: int,
    to_version: int,
    reason: str,
    instance_ids: Sequence[int] | None = None,
) -> MigrationJob:
    """A job for the movable instances of `from_version` (or `instance_ids`, each of which must be one);
    the background worker (or `run_pending`) moves them. Recorded in the audit log."""
    _check_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写迁移原因", {"errors": {"reason": ["必填"]}})
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"迁移原因不能超过 {MAX_REASON} 字", {"errors": {"reason": [f"最多 {MAX_REASON} 字"]}})
    uow.begin_write()
    source, target = _versions(uow, key, from_version, to_version)
    rows = uow.migrations.instances_on(source.id, MOVABLE, instance_ids)
    if instance_ids is not None:
        unknown = sorted(set(instance_ids) - {r.id for r in rows})
        if unknown:
            raise InvalidInput(
                f"以下实例不是第 {from_version} 版上可迁移的实例：{'、'.join(map(str, unknown))}",
                {"errors": {"instance_ids": [str(i) for i in unknown]}},
            )
    if not rows:
        raise InvalidInput(f"第 {from_version} 版上没有可迁移的实例")
    now = ctx.now()
    job = MigrationJob(
        process_key=key,
        from_version=source.version,
        to_version=target.version,
        status="queued",
        total=len(rows),
        done=0,
        moved=0,
        refused=0,
        reason=reason,
        created_by=actor.username,
        created_at=now,
    )
    uow.migrations.add(job)
    uow.migrations.flush()
    for row in rows:
        uow.migrations.add(MigrationJobItem(job_id=job.id, instance_id=row.id, status="pending", detail={}))
    details = {"from_version": source.version, "to_version": target.version, "instances": len(rows), "reason": reason}
    audit_log.record(uow, audit_log.INSTANCES_MIGRATION_STARTED, actor.username, now, f"{key}#{job.id}", details)
    uow.commit()
    return job


def versions(uow: UnitOfWork, actor: Principal, key: str) -> list[dict[str, Any]]:
    """The page's choice of versions: each with its deployment time and how many instances may move."""
    _check_admin(actor)
    found = uow.definitions.versions(key)
    if not found:
        raise NotFound(f"流程 {key} 不存在")
    counts = uow.modeling.instance_counts(key)
    return [
        {
            "version": d.version,
            "name": d.name,
            "deployed_at": d.deployed_at,
            "movable": sum(n for status, n in counts.get(d.version, {}).items() if status in MOVABLE),
        }
        for d in found
    ]


def get_job(uow: UnitOfWork, actor: Principal, job_id: int) -> tuple[MigrationJob, list[dict[str, Any]]]:
    """The job's progress and each instance's result so far."""
    _check_admin(actor)
    job = uow.migrations.job(job_id)
    if job is None:
        raise NotFound(f"迁移任务 {job_id} 不存在")
    results = []
    for item, business_number, title in uow.migrations.results(job_id):
        results.append(
            {
                "instance_id": item.instance_id,
                "business_number": business_number,
                "title": title,
                "status": item.status,
                "reasons": list(item.detail.get("reasons", [])),
                "finished_at": item.finished_at,
            }
        )
    return job, results


# --- working through a job ------------------------------------------------------------------------


def worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def run_pending(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    *,
    worker: str | None = None,
    budget_seconds: float | None = None,
) -> int:
    """Claim the oldest job nobody works on and move its pending instances; returns how many were done.
    With a budget, a job not finished in time goes back to the queue (the next pass takes it up again),
    so the background loop still fires timers meanwhile. Tests call this directly."""
    worker = worker or worker_name()
    started = time.monotonic()
    processed = 0
    with uow_factory() as uow:
        uow.begin_write()
        now = ctx.now()
        job = uow.migrations.claimable(now - timedelta(seconds=STALE_SECONDS))
        if job is None:
            return 0
        job.status, job.claimed_by, job.heartbeat_at = "running", worker, now
        job.started_at = job.started_at or now
        job_id = job.id
        source = uow.definitions.version(job.process_key, job.from_version)
        target = uow.definitions.version(job.process_key, job.to_version)
        assert source is not None and target is not None
        context = _JobContext(
            job_id, worker, job.created_by, job.reason, ctx,
            source.id, source.version, cache_key(source), ctx.files_of(uow, source),
            target.id, target.version, cache_key(target), ctx.files_of(uow, target),
        )  # fmt: skip
        uow.commit()
        while True:
            uow.begin_read()
            pending = list(uow.migrations.pending_ids(job_id, 100))
            uow.end_read()
            if not pending:
                break
            for instance_id in pending:
                if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                    _release(uow, job_id, worker)
                    return processed
                if not _move_one(uow, context, instance_id):
                    return processed  # another worker took the job over
                processed += 1
        uow.begin_write()
        locked = uow.migrations.lock_job(job_id)
        if locked is not None and locked.claimed_by == worker:
            locked.status, locked.finished_at, locked.claimed_by = "done", ctx.now(), None
        uow.commit()
    return processed


def _release(uow: UnitOfWork, job_id: int, worker: str) -> None:
    uow.begin_write()
    job = uow.migrations.lock_job(job_id)
    if job is not None and job.claimed_by == worker:
        job.status, job.claimed_by = "queued", None
    uow.commit()


@dataclass
class _JobContext:
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


def _move_one(uow: UnitOfWork, job: _JobContext, instance_id: int) -> bool:
    """Move one instance and record its result in the job; False when the job is no longer ours."""
    ctx = job.ctx
    status, detail = "refused", _refusal("实例正被频繁修改，未迁移，请稍后重试")
    for _ in range(MAX_ATTEMPTS):
        uow.begin_read()
        instance = uow.instances.get(instance_id)
        if instance is None or instance.definition_id != job.source_id or instance.status not in MOVABLE:
            word = "已结束或已撤回" if instance is not None and instance.status not in MOVABLE else "已不在源版本上"
            status, detail = "refused", _refusal(f"实例{word}，未迁移")
            break
        expected, previous_status, now = instance.version, instance.status, ctx.now()
        known = frozenset(t.id for t in uow.tasks.ready_for_instance(instance_id))
        request = _request(
            job.source_key, job.target_key, instance.state, now, "migrate",
            known_ready=known, advance=previous_status == "running",
        )  # fmt: skip
        uow.release_loaded()
        uow.end_read()
        outcome = ctx.run_engine(job.files, request, job.target_files)
        detail = _plan_of(outcome)
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
    job: _JobContext,
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
    progress.record_steps(uow, instance.id, outcome.record, job.actor, now)
    ready, created = progress.sync_tasks(uow, instance.id, outcome, now)
    by_id = {t.id: t for t in ready}
    for row in uow.tasks.ready_for_instance(instance.id):  # a kept task takes the new version's name and form
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
            timers_fired=outcome.record.timers_fired,
            completed_now=status == "completed",
            actor=job.actor,
            now=now,
        )
        job.ctx.publish(uow, step)


def _record_item(uow: UnitOfWork, job: _JobContext, instance_id: int, status: str, detail: dict[str, Any]) -> bool:
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
