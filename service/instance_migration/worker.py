"""Working through a job: a worker claims the oldest job nobody works on (or one whose worker died) and
moves its pending instances one by one (service/instance_migration/moving.py). A job is held by one
worker at a time (`claimed_by`, `heartbeat_at`); a job whose heartbeat is older than STALE_SECONDS was left
by a dead worker and is taken over where it stopped."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from service.db.session import UnitOfWork
from service.instance_migration import moving
from service.instance_migration.moving import JobContext
from service.process.context import ServiceContext, cache_key

STALE_SECONDS = 900  # longer than one engine command may take (its wall limit is 600 s)


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
        context = JobContext(
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
                if not moving.move_one(uow, context, instance_id):
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
