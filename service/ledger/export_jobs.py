"""Large 台账 exports as background jobs: asked for in a request, written by any worker's background loop
(service.background.run_pass, as instance migration jobs are), polled for progress, downloaded by the one
who asked.

The job keeps the filters as asked and the moment of asking: the worker applies the asker's visibility
(their account read again when it runs) and the lights as of that moment, so the file is what the
request would have answered. Progress (`done` of `total` rows) and the heartbeat are written every
PROGRESS_SECONDS in a short transaction of their own, beside the long reading one that streams the
rows; a job whose heartbeat is older than STALE_SECONDS was left by a dead worker and is taken over.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Unpack

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models import LedgerExportJob
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, NotFound
from service.ledger.export import write_stored_rows
from service.ledger.reading import DATE_FILTERS, LedgerFilters, LightsAt, check_sort, criteria, unit_names
from service.process.context import ServiceContext

log = logging.getLogger(__name__)
BACKGROUND_ABOVE = 5000  # an export of more rows than this runs as a job
PROGRESS_SECONDS = 1.0  # the page polls every second; a commit per 2,000 rows cost more (each one syncs)
STALE_SECONDS = 300  # 100,000 rows take seconds; a heartbeat comes every PROGRESS_SECONDS
KEEP_DAYS = 7  # a finished file is kept this long, then dropped (100,000 rows are ~5 MB in the database)
QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"


def filename_of(now: datetime) -> str:
    return f"督查台账-{now.astimezone(workdays.SHANGHAI).strftime('%Y%m%d')}.xlsx"


def _stored(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items() if v not in (None, "")}


def _loaded(stored: Mapping[str, Any]) -> dict[str, Any]:
    found = {k: v for k, v in stored.items() if k != "yellow_workdays"}
    for name in DATE_FILTERS:
        if found.get(name):
            found[name] = date.fromisoformat(found[name])
    return found


def count_rows(
    uow: UnitOfWork, actor: Principal, *, now: datetime, yellow_workdays: int, **filters: Unpack[LedgerFilters]
) -> int:
    """How many rows an export with these filters would hold (what decides whether it runs as a job)."""
    where = criteria(actor, now, yellow_workdays, **filters)
    return 0 if where is None else uow.ledger.count(where)


def request_export(
    uow: UnitOfWork,
    actor: Principal,
    *,
    sort: str = "registered_desc",
    now: datetime,
    yellow_workdays: int = 3,
    total: int | None = None,
    **filters: Unpack[LedgerFilters],
) -> LedgerExportJob:
    """A queued export job of the rows the actor may see that match the filters (validated as `search`
    validates them). An auditor's export is recorded in the audit log, as a direct one is."""
    check_sort(sort)
    if total is None:
        total = count_rows(uow, actor, now=now, yellow_workdays=yellow_workdays, **filters)
    shown = _stored(filters)
    job = LedgerExportJob(
        status=QUEUED,
        filters={**shown, "yellow_workdays": yellow_workdays},
        sort=sort,
        total=total,
        done=0,
        created_by=actor.username,
        created_at=now,
        filename=filename_of(now),
    )
    uow.commit()  # end the reading transaction: the job is written in a writing one
    uow.begin_write()
    uow.ledger_exports.add(job)
    uow.commit()
    details = {"export": "台账", "job": str(job.id), **{k: str(v) for k, v in shown.items()}}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_EXPORTED, now, "台账", details)
    return job


def _own(uow: UnitOfWork, actor: Principal, job_id: int, *, body: bool = False) -> LedgerExportJob:
    job = uow.ledger_exports.with_body(job_id) if body else uow.ledger_exports.get(job_id)
    if job is None:
        raise NotFound(f"导出任务 {job_id} 不存在")
    if job.created_by != actor.username:
        raise Forbidden("只有发起导出的用户可以查看和下载该导出文件")
    return job


def get_export(uow: UnitOfWork, actor: Principal, job_id: int) -> LedgerExportJob:
    """The job's status and progress: only for the one who asked."""
    return _own(uow, actor, job_id)


def export_file(uow: UnitOfWork, actor: Principal, job_id: int) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of a finished job: only for the one who asked."""
    job = _own(uow, actor, job_id, body=True)
    if job.status != DONE or job.body is None:
        word = {
            FAILED: "导出失败，请重新导出",
            EXPIRED: f"导出文件已超过保留期限（{KEEP_DAYS} 天）并已删除，请重新导出",
        }.get(job.status, "导出尚未完成，请稍候")
        raise Conflict(word, {"status": job.status, "done": job.done, "total": job.total})
    return job.filename, job.body


# --- the worker's side -----------------------------------------------------------------------------


def expire_old(uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext) -> int:
    """Drop the files finished more than KEEP_DAYS ago; returns how many. Every background pass runs it."""
    cutoff = ctx.now() - timedelta(days=KEEP_DAYS)
    with uow_factory() as uow:
        uow.begin_read()  # most passes find nothing: no write lock for them
        if not uow.ledger_exports.any_done_before(cutoff):
            return 0
        uow.end_read()
        uow.begin_write()
        dropped = uow.ledger_exports.expire_done(cutoff)
        uow.commit()
    if dropped:
        log.info("dropped %d ledger export files older than %d days", dropped, KEEP_DAYS)
    return dropped


@dataclass
class _Claimed:
    job_id: int
    created_by: str
    created_at: datetime
    filters: dict[str, Any]
    sort: str


def _claim(uow: UnitOfWork, worker: str, now: datetime) -> _Claimed | None:
    uow.begin_write()
    job = uow.ledger_exports.claimable(now - timedelta(seconds=STALE_SECONDS))
    if job is None:
        uow.rollback()
        return None
    job.status, job.claimed_by, job.heartbeat_at, job.done = RUNNING, worker, now, 0
    job.started_at = job.started_at or now
    claimed = _Claimed(job.id, job.created_by, job.created_at, dict(job.filters), job.sort)
    uow.commit()
    return claimed


def run_pending(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, *, worker: str | None = None, limit: int = 5
) -> int:
    """Write the queued exports, oldest first (at most `limit` in one pass); returns how many were written.
    Tests call this directly; the background loop calls it every pass."""
    worker = worker or f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
    written = 0
    for _ in range(limit):
        with uow_factory() as uow:
            claimed = _claim(uow, worker, ctx.now())
            if claimed is None:
                return written
            try:
                ok = _write(uow, uow_factory, ctx, worker, claimed)
            except Exception as exc:  # noqa: BLE001 - the job fails, the loop goes on
                log.exception("ledger export job %s failed", claimed.job_id)
                uow.rollback()
                with uow_factory() as other:
                    other.begin_write()
                    message = f"{type(exc).__name__}: {exc}"[:500]
                    other.ledger_exports.progress(
                        claimed.job_id, worker, ctx.now(), status=FAILED, error=message, claimed_by=None,
                        finished_at=ctx.now(),
                    )  # fmt: skip
                    other.commit()
                continue
        written += 1 if ok else 0
    return written


def _write(
    uow: UnitOfWork, uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, worker: str, job: _Claimed
) -> bool:
    """Stream the rows into the workbook, progress beside; False when the job was taken over meanwhile."""
    yellow = int(job.filters.get("yellow_workdays", 3))
    filters = _loaded(job.filters)
    uow.begin_read()
    user = uow.users.by_username(job.created_by)
    if user is None or not user.active:
        raise Forbidden("发起导出的账户已停用")
    actor = Principal.of(user)
    where = criteria(actor, job.created_at, yellow, **filters)
    rows: Iterable[Sequence[Any]] = () if where is None else uow.ledger.stream(where, job.sort)
    names = unit_names(uow) if where is not None else {}
    last = time.monotonic()

    class Lost(Exception):
        pass

    def counted(n: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_SECONDS:
            last = now
            with uow_factory() as beat:
                beat.begin_write()
                if not beat.ledger_exports.progress(job.job_id, worker, ctx.now(), done=n):
                    raise Lost
                beat.commit()

    try:
        body, n = write_stored_rows(rows, LightsAt(job.created_at, yellow), names, counted)
    except Lost:
        uow.end_read()
        return False
    uow.end_read()
    uow.begin_write()
    now = ctx.now()
    done = uow.ledger_exports.progress(
        job.job_id, worker, now, status=DONE, body=body, done=n, total=n, finished_at=now, claimed_by=None
    )
    uow.commit()
    return done
