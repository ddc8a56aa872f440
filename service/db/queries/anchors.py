"""The history chain's anchor on the instance row (`history_head`, `history_count`): read, moved, and —
inside `deferred_anchor` — moved by the instance's versioned save instead of an UPDATE of its own.

What a transaction knows of an anchor it keeps per transaction (a savepoint counts as its own: whatever it
learnt or moved is forgotten when it ends, either way): the values the locked row was read with
(`InstanceRepository.lock`), or what this transaction moved it to. The row is then locked (FOR UPDATE on
PostgreSQL, SQLite's one writer), so nobody else can have moved it since, and `anchor` need not read it.
A timer firing appends three events: one read and three UPDATEs of the row fewer (docs/decisions/0024).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from service.db.models import ProcessInstance
from service.db.queries.base import Repository


@dataclass
class _Known:
    txn: object
    anchors: dict[int, tuple[str | None, int]] = field(default_factory=dict)
    deferring: set[int] = field(default_factory=set)  # instances inside deferred_anchor
    pending: set[int] = field(default_factory=set)  # moved, not yet written to the row


class AnchorRepository(Repository):
    _known: _Known | None = None

    def _state(self, *, create: bool) -> _Known | None:
        txn = self.session.get_nested_transaction() or self.session.get_transaction()
        if txn is None:
            return None
        if self._known is None or self._known.txn is not txn:
            if self._known is not None and self._known.deferring:
                # a savepoint (or a new transaction) inside deferred_anchor would chain from the row's
                # old anchor while the moved one waits unwritten: refused, not silently forked
                raise RuntimeError("deferred_anchor: no savepoint or new transaction inside the block")
            if not create:
                return None
            self._known = _Known(txn)
        return self._known

    def _learn(self, instance_id: int, head: str | None, count: int | None) -> None:
        """The anchor as the locked row holds it (kept unless this transaction already moved it)."""
        state = self._state(create=True)
        assert state is not None
        state.anchors.setdefault(instance_id, (head, count or 0))

    def anchor(self, instance_id: int) -> tuple[str | None, int]:
        """The anchored history head and event count: what this transaction knows of the locked row, else
        read from the row (never from a cached object)."""
        state = self._state(create=False)
        if state is not None and instance_id in state.anchors:
            return state.anchors[instance_id]
        stmt = select(ProcessInstance.history_head, ProcessInstance.history_count).where(
            ProcessInstance.id == instance_id
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1] or 0) if row else (None, 0)

    def set_anchor(self, instance_id: int, head: str, count: int) -> None:
        """Move the anchor: a plain UPDATE beside the ORM (the versioned save is not disturbed) — or,
        inside `deferred_anchor`, left for the versioned save to write."""
        state = self._state(create=True)
        assert state is not None
        state.anchors[instance_id] = (head, count)
        if instance_id in state.deferring:
            state.pending.add(instance_id)
        else:
            self._write(instance_id, head, count)

    @contextlib.contextmanager
    def deferred_anchor(self, instance_id: int) -> Iterator[None]:
        """Within: the anchor's moves ride on the instance's versioned save (`anchor_values`); whatever is
        still unwritten at the end is written then, by one UPDATE, whether the block raised or not."""
        state = self._state(create=True)
        assert state is not None
        state.deferring.add(instance_id)
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):  # a broken transaction is rolled back anyway
                self._write_pending(state, instance_id)
            raise
        else:
            self._write_pending(state, instance_id)
        finally:
            state.deferring.discard(instance_id)

    def anchor_values(self, instance_id: int) -> dict[str, Any]:
        """The moved, unwritten anchor as columns for the versioned save (empty when there is none)."""
        state = self._state(create=False)
        if state is None or instance_id not in state.pending:
            return {}
        head, count = state.anchors[instance_id]
        return {"history_head": head, "history_count": count}

    def anchor_written(self, instance_id: int) -> None:
        state = self._state(create=False)
        if state is not None:
            state.pending.discard(instance_id)

    def _write_pending(self, state: _Known, instance_id: int) -> None:
        if instance_id in state.pending:
            head, count = state.anchors[instance_id]
            self._write(instance_id, head, count)
            state.pending.discard(instance_id)

    def _write(self, instance_id: int, head: str | None, count: int) -> None:
        stmt = (
            update(ProcessInstance)
            .where(ProcessInstance.id == instance_id)
            .values(history_head=head, history_count=count)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(stmt)
