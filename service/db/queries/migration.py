"""SQL of instance migration jobs: the job rows, their per-instance items, the instances a job may take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from service.db.models import MigrationJob, MigrationJobItem, ProcessInstance
from service.db.queries.base import Repository


class MigrationRepository(Repository):
    def job(self, job_id: int) -> MigrationJob | None:
        return self.session.get(MigrationJob, job_id)

    def results(self, job_id: int) -> Sequence[Any]:
        """Each item with its instance's business number and title, in one query (the page polls it)."""
        stmt = (
            select(MigrationJobItem, ProcessInstance.business_number, ProcessInstance.title)
            .join(ProcessInstance, ProcessInstance.id == MigrationJobItem.instance_id)
            .where(MigrationJobItem.job_id == job_id)
            .order_by(MigrationJobItem.instance_id)
        )
        return self.session.execute(stmt).all()

    def item(self, job_id: int, instance_id: int) -> MigrationJobItem | None:
        return self.session.get(MigrationJobItem, (job_id, instance_id))

    def pending_ids(self, job_id: int, limit: int) -> Sequence[int]:
        stmt = select(MigrationJobItem.instance_id).where(
            MigrationJobItem.job_id == job_id, MigrationJobItem.status == "pending"
        )
        return self.session.scalars(stmt.order_by(MigrationJobItem.instance_id).limit(limit)).all()

    def instances_on(
        self, definition_id: int, statuses: Sequence[str], ids: Sequence[int] | None = None
    ) -> Sequence[ProcessInstance]:
        """Instances of one definition version in one of `statuses` (only `ids`, if given), by id."""
        stmt = select(ProcessInstance).where(
            ProcessInstance.definition_id == definition_id, ProcessInstance.status.in_(list(statuses))
        )
        if ids is not None:
            stmt = stmt.where(ProcessInstance.id.in_(list(ids)))
        return self.session.scalars(stmt.order_by(ProcessInstance.id)).all()

    def claimable(self, stale_before: datetime) -> MigrationJob | None:
        """The oldest job nobody works on: queued, or running with a heartbeat older than `stale_before`
        (its worker died). Locked on PostgreSQL, skipping a job another worker is claiming."""
        stmt = (
            select(MigrationJob)
            .where(
                or_(
                    MigrationJob.status == "queued",
                    (MigrationJob.status == "running") & (MigrationJob.heartbeat_at < stale_before),
                )
            )
            .order_by(MigrationJob.id)
            .limit(1)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return self.session.scalars(stmt).first()

    def lock_job(self, job_id: int) -> MigrationJob | None:
        stmt = select(MigrationJob).where(MigrationJob.id == job_id)
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt.execution_options(populate_existing=True)).first()

    def beat(self, job_id: int, worker: str, now: datetime) -> bool:
        """Refresh the heartbeat; False when another worker has taken the job over."""
        stmt = (
            update(MigrationJob)
            .where(MigrationJob.id == job_id, MigrationJob.claimed_by == worker)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        return self.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
