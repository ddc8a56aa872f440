"""SQL of the history chain: append-only events, read in order (the hash chain itself: service.process.history)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select

from service.db.models import HistoryEvent
from service.db.queries.base import Repository

HISTORY_TABLE: Table = HistoryEvent.__table__  # type: ignore[assignment]  # the plain table, not the ORM entity


class HistoryRepository(Repository):
    _batch: list[dict[str, Any]] | None = None

    def append(self, **values: Any) -> None:
        """One event row, by a plain INSERT: building, flushing and then forgetting an ORM object cost a
        completion (three events) about 1 ms. Inside `batched`, kept for the block's one INSERT."""
        if self._batch is not None:
            self._batch.append(values)
        else:
            self.session.execute(insert(HISTORY_TABLE).values(**values))

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Within: the events appended are written together, by one statement, when the block ends — also
        when it raised, as the anchor moved for them is (service.db.queries.anchors) — or before any read
        of the history through this repository. A command's three events: two round trips fewer."""
        if self._batch is not None:  # already inside one: the outer block writes them
            yield
            return
        self._batch = []
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):  # a broken transaction is rolled back anyway
                self.write_batch()
            raise
        else:
            self.write_batch()
        finally:
            self._batch = None

    def write_batch(self) -> None:
        """Write what the batch holds now (before the versioned save that anchors it, say)."""
        rows, self._batch = self._batch or [], ([] if self._batch is not None else None)
        if rows:
            self.session.execute(insert(HISTORY_TABLE), rows)

    def _before_read(self) -> None:
        """What a batch holds goes to the database before any read of the history."""
        if self._batch:
            self.write_batch()

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
