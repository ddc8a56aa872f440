"""Starting a migration job and reading it: the versions to choose from, the job's progress and results.

By concern: rules.py (what may move, by whom; what the steps share), verdicts.py (the dry run), worker.py
(claiming and working through a job), moving.py (one instance moved, in its own transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import MigrationJob, MigrationJobItem
from service.db.session import UnitOfWork
from service.errors import InvalidInput, NotFound
from service.instance_migration.rules import MAX_REASON, MOVABLE, check_admin, source_and_target
from service.process.context import ServiceContext


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
    check_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写迁移原因", {"errors": {"reason": ["必填"]}})
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"迁移原因不能超过 {MAX_REASON} 字", {"errors": {"reason": [f"最多 {MAX_REASON} 字"]}})
    uow.begin_write()
    source, target = source_and_target(uow, key, from_version, to_version)
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
    check_admin(actor)
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
    check_admin(actor)
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
