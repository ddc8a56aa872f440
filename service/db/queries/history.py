"""SQL of the history chain: append-only events, read in order (the hash chain itself: service.process.history)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select

from service.db.models import HistoryEvent
from service.db.queries.batched import BatchedInserts

HISTORY_TABLE: Table = HistoryEvent.__table__  # type: ignore[assignment]  # the plain table, not the ORM entity


class HistoryRepository(BatchedInserts):
    table = HISTORY_TABLE

    def append(self, **values: Any) -> None:
        """One event row, by a plain INSERT: building, flushing and then forgetting an ORM object cost a
        completion (three events) about 1 ms. Inside `batched` (service.db.queries.batched), kept for the
        block's one INSERT: a command's three events, two round trips fewer."""
        if self._batch is not None:
            self._same_transaction()
            self._batch.append(values)
        else:
            self.session.execute(insert(HISTORY_TABLE).values(**values))

    def last(self, instance_id: int) -> HistoryEvent | None:
        self._before_read()
        stmt = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        return self.session.scalars(stmt.order_by(HistoryEvent.seq.desc()).limit(1)).first()

    def for_instance(self, instance_id: int, kinds: Collection[str] | None = None) -> Sequence[HistoryEvent]:
        """An instance's events in order; with `kinds`, only events of those kinds."""
        self._before_read()
        stmt = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        if kinds is not None:
            stmt = stmt.where(HistoryEvent.kind.in_(sorted(kinds)))
        return self.session.scalars(stmt.order_by(HistoryEvent.seq)).all()

    def heads_before(self, end: datetime) -> Sequence[tuple[int, str, int]]:
        """(instance id, hash, seq) of every chain's newest event before `end`, by instance id."""
        self._before_read()
        newest = (
            select(HistoryEvent.instance_id.label("iid"), func.max(HistoryEvent.seq).label("top"))
            .where(HistoryEvent.at < end)
            .group_by(HistoryEvent.instance_id)
            .subquery()
        )
        stmt = (
            select(HistoryEvent.instance_id, HistoryEvent.hash, HistoryEvent.seq)
            .join(newest, (HistoryEvent.instance_id == newest.c.iid) & (HistoryEvent.seq == newest.c.top))
            .order_by(HistoryEvent.instance_id)
        )
        return [(r[0], r[1], r[2]) for r in self.session.execute(stmt).all()]

    def step_seqs(self, instance_id: int, skip_kind: str, offset: int, limit: int) -> tuple[list[int], int]:
        """The seqs of one page of an instance's events other than `skip_kind`, and how many there are."""
        self._before_read()
        where = (HistoryEvent.instance_id == instance_id, HistoryEvent.kind != skip_kind)
        total = self.session.scalar(select(func.count()).select_from(HistoryEvent).where(*where)) or 0
        stmt = select(HistoryEvent.seq).where(*where).order_by(HistoryEvent.seq).offset(offset).limit(limit)
        return list(self.session.scalars(stmt).all()), total

    def between(self, instance_id: int, after_seq: int, upto_seq: int) -> Sequence[HistoryEvent]:
        """The events with after_seq < seq <= upto_seq, in order."""
        self._before_read()
        stmt = select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.seq > after_seq, HistoryEvent.seq <= upto_seq
        )
        return self.session.scalars(stmt.order_by(HistoryEvent.seq)).all()

    def hash_at(self, instance_id: int, seq: int) -> str | None:
        self._before_read()
        stmt = select(HistoryEvent.hash).where(HistoryEvent.instance_id == instance_id, HistoryEvent.seq == seq)
        return self.session.scalar(stmt)

    def count(self, instance_id: int, kind: str | None = None) -> int:
        self._before_read()
        stmt = select(func.count()).select_from(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        if kind:
            stmt = stmt.where(HistoryEvent.kind == kind)
        return self.session.scalar(stmt) or 0
