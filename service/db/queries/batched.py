"""Rows a repository adds, kept and written together by one statement (executemany: one network flight).

`batched()` is one command's block: its rows go in when it ends, or earlier by `write_batch()` (history
events before the versioned save that anchors them). `held()` is a block around several commands written
as one transaction (a timer pass's group, service.process.timer_firing): inside it `write_batch()` keeps the
rows too, so the group's rows of a table go in by one statement when it ends. Either way the rows are
written before any read of the table through the repository (`_before_read`), so nothing reads around them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from sqlalchemy import Insert, Table, insert

from service.db.queries.base import Repository


@functools.cache
def _insert_into(table: Table) -> Insert:
    """The table's INSERT, built once (its cache key with it); the rows' keys pick the compiled form."""
    return insert(table)


class BatchedInserts(Repository):
    table: ClassVar[Table]
    _batch: list[dict[str, Any]] | None = None
    _holding = 0
    _held_in: object = None  # the transaction a `held` block began in

    def _same_transaction(self) -> None:
        """Rows held past a commit or inside a savepoint would be written apart from the anchors and rows
        they belong with: refused, as deferred_anchor refuses it (service.db.queries.anchors)."""
        if self._holding and (
            self.session.get_nested_transaction() is not None or self.session.get_transaction() is not self._held_in
        ):
            raise RuntimeError("held: no commit, new transaction or savepoint inside the block")

    def _add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self._same_transaction()
        if self._batch is not None:
            self._batch.extend(rows)
        elif rows:
            # the table, not the ORM entity: no bulk ORM work
            self.session.execute(_insert_into(self.table), list(rows))

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Within: the rows added are written together when the block ends — also when it raised, as the
        history anchor moved for them is (service.db.queries.anchors); a broken transaction is rolled back
        anyway. Nested, the outermost block writes them."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self._write()
            raise
        else:
            self._write()
        finally:
            self._batch = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Within: also `write_batch()` keeps the rows, for the block's one statement at its end. Only
        around work that is one transaction with no savepoint: what fails in it fails it all."""
        with self.batched():
            if not self._holding:
                self._held_in = self.session.get_transaction()
            self._holding += 1
            try:
                yield
                self._same_transaction()  # the rows go in where the block began, or not at all
            except BaseException:
                self._batch = []  # what is held fails with the block: its transaction is not committed
                raise
            finally:
                self._holding -= 1

    def write_batch(self) -> None:
        """Write what the batch holds now (outside `held`)."""
        if not self._holding:
            self._write()

    def _write(self) -> None:
        self._same_transaction()
        rows = self._batch or []
        if self._batch is not None:
            self._batch = []
        if rows:
            self.session.execute(_insert_into(self.table), rows)

    def _before_read(self) -> None:
        if self._batch:
            self._write()
