"""SQL of the 台账's background export jobs: claim the oldest one nobody works on, progress, the file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import undefer

from service.db.models import LedgerExportJob
from service.db.queries.base import Repository

_J = LedgerExportJob


class LedgerExportRepository(Repository):
    def add(self, job: LedgerExportJob) -> None:
        self.session.add(job)
        self.session.flush()

    def get(self, job_id: int) -> LedgerExportJob | None:
        return self.session.get(LedgerExportJob, job_id)

    def with_body(self, job_id: int) -> LedgerExportJob | None:
        return self.session.scalars(select(_J).where(_J.id == job_id).options(undefer(_J.body))).first()

    def recent(self, username: str, limit: int = 10) -> Sequence[LedgerExportJob]:
        stmt = select(_J).where(_J.created_by == username).order_by(_J.id.desc()).limit(limit)
        return self.session.scalars(stmt).all()

    def claimable(self, stale_before: datetime) -> LedgerExportJob | None:
        """The oldest job nobody works on: queued, or running with a heartbeat older than `stale_before` (its
        worker died). Locked on PostgreSQL, skipping one another worker is claiming."""
        stmt = (
            select(_J)
            .where(or_(_J.status == "queued", (_J.status == "running") & (_J.heartbeat_at < stale_before)))
            .order_by(_J.id)
            .limit(1)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return self.session.scalars(stmt).first()

    def progress(self, job_id: int, worker: str, now: datetime, **values: Any) -> bool:
        """Progress and heartbeat of a job held by `worker`; False when another worker has taken it over."""
        stmt = (
            update(_J)
            .where(_J.id == job_id, _J.claimed_by == worker)
            .values(heartbeat_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        return self.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]

    def any_done_before(self, finished_before: datetime) -> bool:
        stmt = select(_J.id).where(_J.status == "done", _J.finished_at < finished_before).limit(1)
        return self.session.scalar(stmt) is not None

    def expire_done(self, finished_before: datetime) -> int:
        """Drop the files of jobs finished before `finished_before` (the rows stay: who exported what, when)."""
        stmt = (
            update(_J)
            .where(_J.status == "done", _J.finished_at < finished_before)
            .values(status="expired", body=None)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]
