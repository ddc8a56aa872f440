"""SQL of the delivery outbox: add, claim with a lease, settle, and the operations view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from service.db.models.notifications import OutboxMessage as Row
from service.db.queries.batched import BatchedInserts

CRASHED_TOO_OFTEN = "投递进程多次在发送途中中断，已停止重试"


class OutboxRepository(BatchedInserts):
    table = Row.__table__  # type: ignore[assignment]

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        self._add_rows(rows)

    def claim(
        self,
        *,
        now: datetime,
        worker: str,
        lease_until: datetime,
        limit: int,
        email: bool,
        gateways: Sequence[str],
        max_attempts: int,
    ) -> Sequence[Row]:
        """Take up to `limit` due rows this worker can deliver: pending ones whose time has come, and
        `sending` ones whose lease ran out (their worker died). Counted as an attempt at once, so a
        message that kills its worker every time ends up dead rather than looping."""
        self._before_read()
        channels: list[ColumnElement[bool]] = []
        if email:
            channels.append(Row.channel == "email")
        if gateways:
            channels.append(and_(Row.channel == "webhook", Row.destination.in_(list(gateways))))
        if not channels:
            return []
        deliverable = or_(*channels)
        expired = and_(Row.status == "sending", Row.lease_until < now)
        self.session.execute(
            update(Row)
            .where(expired, Row.attempts >= max_attempts, deliverable)
            .values(status="dead", last_error=CRASHED_TOO_OFTEN, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        due = or_(and_(Row.status == "pending", Row.next_attempt_at <= now), expired)
        stmt = select(Row.id).where(due, deliverable).order_by(Row.next_attempt_at, Row.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)  # SQLite: BEGIN IMMEDIATE already serializes claims
        ids = list(self.session.scalars(stmt))
        if not ids:
            return []
        self.session.execute(
            update(Row)
            .where(Row.id.in_(ids))
            .values(status="sending", lease_until=lease_until, claimed_by=worker, attempts=Row.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        found = select(Row).where(Row.id.in_(ids)).order_by(Row.next_attempt_at, Row.id)
        return self.session.scalars(found.execution_options(populate_existing=True)).all()

    def mark_sent(self, row_id: int, now: datetime) -> None:
        """Sent is a fact whoever holds the lease now: recorded unconditionally."""
        self._before_read()
        stmt = update(Row).where(Row.id == row_id).values(status="sent", sent_at=now, lease_until=None)
        self.session.execute(stmt.execution_options(synchronize_session=False))

    def mark_failed(self, row_id: int, worker: str, error: str, retry_at: datetime | None) -> None:
        """Back to pending until `retry_at`, or dead when None; only while this worker still holds the row."""
        self._before_read()
        values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
        values |= {"status": "pending", "next_attempt_at": retry_at} if retry_at else {"status": "dead"}
        stmt = update(Row).where(Row.id == row_id, Row.status == "sending", Row.claimed_by == worker).values(values)
        self.session.execute(stmt.execution_options(synchronize_session=False))

    def release(self, row_ids: Sequence[int], worker: str) -> None:
        """Give back claimed rows not tried (the lease was running out): not counted as an attempt."""
        self._before_read()
        if not row_ids:
            return
        stmt = (
            update(Row)
            .where(Row.id.in_(list(row_ids)), Row.status == "sending", Row.claimed_by == worker)
            .values(status="pending", lease_until=None, attempts=Row.attempts - 1)
        )
        self.session.execute(stmt.execution_options(synchronize_session=False))

    def counts(self) -> dict[str, int]:
        self._before_read()
        stmt = select(Row.status, func.count()).group_by(Row.status)
        return {status: int(n) for status, n in self.session.execute(stmt)}

    def recent(self, *, status: str | None, limit: int) -> Sequence[Row]:
        self._before_read()
        stmt = select(Row)
        if status:
            stmt = stmt.where(Row.status == status)
        return self.session.scalars(stmt.order_by(Row.id.desc()).limit(limit)).all()

    def requeue_dead(self, now: datetime) -> int:
        self._before_read()
        stmt = (
            update(Row)
            .where(Row.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]

    def by_ids(self, row_ids: Sequence[int]) -> Sequence[Row]:
        self._before_read()
        stmt = select(Row).where(Row.id.in_(list(row_ids))).order_by(Row.id)
        return self.session.scalars(stmt.execution_options(populate_existing=True)).all()
