"""SQL of process instances (state, versioned save, history anchor, timer claims) and business-number counters.
Definitions, tasks and history events have modules of their own."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import contains_eager, defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from service.db.models import (
    Counter,
    LedgerItem,
    ProcessDefinition,
    ProcessInstance,
)
from service.db.queries.anchors import AnchorRepository
from service.db.queries.base import Repository, table_of

# An instance's definition without its two big columns (督办事项's forms are 53 kB of JSON): a command needs
# the small ones; the BPMN goes to the engine processes from a cache, the forms from ServiceContext.forms_of.
# Either loads on first use if read (in the session).
_SMALL_DEFINITION = (
    joinedload(ProcessInstance.definition).defer(ProcessDefinition.forms).defer(ProcessDefinition.bpmn_xml)
)

_FOR_COMMAND = select(ProcessInstance).options(_SMALL_DEFINITION).where(ProcessInstance.id == bindparam("id"))

# The engine state (~23 kB of JSON text for a 督办事项 at 办理) is what a write phase replaces, not reads.
_NO_STATE = defer(ProcessInstance.state)


def _lock_statement(*, for_update: bool, with_state: bool, with_ledger: bool) -> Select[tuple[ProcessInstance]]:
    stmt = select(ProcessInstance)
    options = [_SMALL_DEFINITION]
    if with_ledger:  # the 台账 row in the same statement, kept alive in the session by the relationship
        stmt = stmt.outerjoin(LedgerItem, LedgerItem.instance_id == ProcessInstance.id)
        options.append(contains_eager(ProcessInstance.ledger_row))
    if not with_state:
        options.append(_NO_STATE)
    stmt = stmt.options(*options).where(ProcessInstance.id == bindparam("instance_id"))
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update(of=ProcessInstance) if for_update else stmt  # not the joined rows


def _lock_many_statement(*, for_update: bool) -> Select[tuple[ProcessInstance]]:
    stmt = select(ProcessInstance).outerjoin(LedgerItem, LedgerItem.instance_id == ProcessInstance.id)
    stmt = stmt.options(_SMALL_DEFINITION, contains_eager(ProcessInstance.ledger_row), _NO_STATE)
    # in id order: two transactions locking overlapping sets take the rows in the same order (no deadlock)
    stmt = stmt.where(ProcessInstance.id.in_(bindparam("ids", expanding=True))).order_by(ProcessInstance.id)
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update(of=ProcessInstance) if for_update else stmt


# Built once: building a statement and its cache key each time cost as much as running it on SQLite.
_LOCKS = {
    (for_update, with_state, with_ledger): _lock_statement(
        for_update=for_update, with_state=with_state, with_ledger=with_ledger
    )
    for for_update in (False, True)
    for with_state in (False, True)
    for with_ledger in (False, True)
}
_LOCK_MANY = {for_update: _lock_many_statement(for_update=for_update) for for_update in (False, True)}


@functools.cache
def _save_statement(keys: tuple[str, ...]) -> Any:
    """The versioned save of these columns, built once per set of them (a handful of callers each save
    their own set; every completion runs one). Values are parameters `new_<column>`."""
    table = table_of(ProcessInstance)
    values = {key: bindparam(f"new_{key}", type_=table.c[key].type) for key in (*keys, "version")}
    return (  # on the table: an ORM update is annotated (and its cache key built) anew each time
        update(table)
        .where(table.c.id == bindparam("instance_id"), table.c.version == bindparam("expected_version"))
        .values(values)
    )


class InstanceRepository(AnchorRepository):
    def get(self, instance_id: int) -> ProcessInstance | None:
        return self.session.get(ProcessInstance, instance_id)

    def for_command(self, instance_id: int) -> ProcessInstance | None:
        """The instance as a command's read phase wants it: its definition without the big columns."""
        return self._get(ProcessInstance, _FOR_COMMAND, instance_id)

    def lock(self, instance_id: int, *, with_state: bool = False, with_ledger: bool = False) -> ProcessInstance | None:
        """The instance row, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
        already serializes writers). Commands on one instance then run one after the other. Its history
        anchor, as read, is what the transaction knows of it from now on (service.db.queries.anchors). The
        engine state is left unread (a command's write phase saves a new one) unless `with_state`: the
        callers that run the engine inside their write transaction read it.

        `with_ledger`: its 台账 row comes into the session by the same statement (the step's projection then
        finds it without a round trip; decision 0027) — only for callers that compare the version they read
        before, and give up on a change: on PostgreSQL a lock that had to wait returns the instance row as
        the other transaction left it, but the joined row as of the statement's start."""
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        stmt = _LOCKS[postgresql, with_state, with_ledger]
        instance = self.session.scalars(stmt, {"instance_id": instance_id}).first()
        if instance is not None:
            self._learn(instance_id, instance.history_head, instance.history_count)
        return instance

    def lock_many(self, instance_ids: Sequence[int]) -> dict[int, ProcessInstance]:
        """`lock(…, with_ledger=True)` for several instances by one statement (a timer pass's group), by
        id; the ones not found are left out. The same caveat: only for callers that compare versions."""
        if not instance_ids:
            return {}
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        found = self.session.scalars(_LOCK_MANY[postgresql], {"ids": sorted(set(instance_ids))}).all()
        for instance in found:
            self._learn(instance.id, instance.history_head, instance.history_count)
        return {instance.id: instance for instance in found}

    def save_state(self, instance: ProcessInstance, expected_version: int, values: dict[str, Any]) -> bool:
        """Compare-and-set on `version`: False when another transaction saved first. An anchor moved inside
        `deferred_anchor` is written by this same UPDATE."""
        anchored = self.anchor_values(instance.id)
        values = {**values, **anchored}
        stmt = _save_statement(tuple(sorted(values)))
        params = {**{f"new_{key}": value for key, value in values.items()}, "instance_id": instance.id}
        params.update(expected_version=expected_version, new_version=expected_version + 1)
        self.session.flush()  # as the ORM update did: what the session holds is written before the save
        saved = self.session.execute(stmt, params).rowcount == 1  # type: ignore[attr-defined]
        if saved:
            self.anchor_written(instance.id)
        if saved and not self.session.is_modified(instance):
            # The row now holds exactly these values: set them on the object as loaded, rather than
            # expiring it and reading the whole row (state, data, the joined definition) back.
            for key, value in {**values, "version": expected_version + 1}.items():
                set_committed_value(instance, key, value)
            if not anchored:
                self.session.expire(instance, ["history_head", "history_count"])  # maybe moved by set_anchor
        elif saved:
            self.session.expire(instance)  # changes made on the object are not what was saved: drop them
        return saved

    def started_between(self, start: datetime, end: datetime) -> Sequence[int]:
        """Ids of the instances started in [start, end)."""
        stmt = select(ProcessInstance.id).where(ProcessInstance.started_at >= start, ProcessInstance.started_at < end)
        return self.session.scalars(stmt.order_by(ProcessInstance.id)).all()

    def all_ids(self) -> Sequence[int]:
        return self.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)).all()

    def search(
        self,
        *,
        process_key: str | None = None,
        status: str | None = None,
        business_number: str | None = None,
        started_by: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[ProcessInstance], int]:
        stmt = select(ProcessInstance)
        if started_by:
            stmt = stmt.where(ProcessInstance.started_by == started_by)
        if process_key:
            stmt = stmt.where(ProcessInstance.process_key == process_key)
        if status:
            stmt = stmt.where(ProcessInstance.status == status)
        if business_number:
            stmt = stmt.where(ProcessInstance.business_number == business_number)
        return self._page(stmt, (ProcessInstance.id.desc(),), offset, limit)

    def ids(self, *, status: str | None = None) -> Sequence[int]:
        """Every instance's id (of one status), oldest first: what a pass over all instances walks."""
        stmt = select(ProcessInstance.id)
        if status:
            stmt = stmt.where(ProcessInstance.status == status)
        return self.session.scalars(stmt.order_by(ProcessInstance.id)).all()

    def claim_due(self, now: datetime, limit: int, claimant: str, wall: datetime, until: datetime) -> Sequence[int]:
        """Claim up to `limit` running instances whose next timer is due at `now` and that no live claim
        holds (none, or one that ran out before `wall`), oldest due first: mark them claimed by `claimant`
        until `until`, in the caller's (write) transaction, and return their ids. On PostgreSQL the rows
        another worker is claiming at this moment are skipped (FOR UPDATE SKIP LOCKED), so claimers never
        wait on each other; SQLite has one writer at a time anyway. The claim is a lease, not a lock held
        while firing: each instance is then fired in its own transaction."""
        free = ProcessInstance.timer_claim_until.is_(None) | (ProcessInstance.timer_claim_until < wall)
        stmt = (
            select(ProcessInstance.id)
            .where(ProcessInstance.status == "running", ProcessInstance.next_wake_at <= now, free)
            .order_by(ProcessInstance.next_wake_at, ProcessInstance.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(stmt).all())
        if ids:
            claim = (
                update(ProcessInstance)
                .where(ProcessInstance.id.in_(ids))
                .values(timer_claimed_by=claimant, timer_claim_until=until)
                .execution_options(synchronize_session=False)
            )
            self.session.execute(claim)
        return ids

    def release_claims(self, claimant: str, ids: Sequence[int] | None = None) -> int:
        """End `claimant`'s claims (on `ids`, or all of them); returns how many rows it still held."""
        stmt = update(ProcessInstance).where(ProcessInstance.timer_claimed_by == claimant)
        if ids is not None:
            stmt = stmt.where(ProcessInstance.id.in_(list(ids)))
        stmt = stmt.values(timer_claimed_by=None, timer_claim_until=None).execution_options(synchronize_session=False)
        return int(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def many(self, ids: Sequence[int]) -> Sequence[ProcessInstance]:
        """The instances of `ids` (with their definitions, less the big columns: every row would decode its
        definition's forms again), in one query."""
        if not ids:
            return []
        stmt = select(ProcessInstance).options(_SMALL_DEFINITION).where(ProcessInstance.id.in_(list(ids)))
        return self.session.scalars(stmt).unique().all()


class CounterRepository(Repository):
    def next(self, name: str) -> int:
        """Increment and return a named counter inside the current transaction."""
        stmt = select(Counter).where(Counter.name == name)
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        counter = self.session.scalars(stmt).first()
        if counter is None:
            counter = Counter(name=name, value=0)
            self.session.add(counter)
        counter.value += 1
        self.session.flush()
        return counter.value
