"""SQL of the process core: definitions, instances, human tasks, the history chain, business-number counters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from service.db.models import (
    Counter,
    HistoryEvent,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
)
from service.db.queries.base import Repository


@dataclass(frozen=True)
class Acting:
    """Which tasks a caller acts on, as SQL sees it (built by service.access.principal.Principal.acting)."""

    lanes: frozenset[str]  # lanes whose tasks the caller acts on by role
    unit_lanes: frozenset[str] = frozenset()  # lanes whose tasks belong to a unit: the caller's unit's
    unit_code: str | None = None
    position: str | None = None  # the caller's position in their unit; None = do not filter by position
    username: str | None = None  # the caller: tasks reassigned to a named person are theirs alone


def acting_on(acting: Acting) -> ColumnElement[bool]:
    """SQL: tasks in any of `lanes`, or in a unit lane for the caller's unit, and naming no position or the
    caller's; a task reassigned to a named person only for that person.
    This is Principal.may_act_on (service/access/principal.py), the one rule, as a filter."""
    visible: ColumnElement[bool] = HumanTask.lane.in_(sorted(acting.lanes))
    if acting.unit_lanes and acting.unit_code:
        mine = HumanTask.lane.in_(sorted(acting.unit_lanes)) & (HumanTask.unit_code == acting.unit_code)
        visible = visible | mine
    if acting.position is not None:
        visible = visible & (HumanTask.position.is_(None) | (HumanTask.position == acting.position))
    visible = HumanTask.assignee.is_(None) & visible
    if acting.username:
        visible = visible | (HumanTask.assignee == acting.username)
    return visible


class DefinitionRepository(Repository):
    def latest(self, key: str) -> ProcessDefinition | None:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
        return self.session.scalars(stmt.order_by(ProcessDefinition.version.desc()).limit(1)).first()

    def version(self, key: str, version: int) -> ProcessDefinition | None:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
        return self.session.scalars(stmt).first()

    def get(self, definition_id: int) -> ProcessDefinition | None:
        return self.session.get(ProcessDefinition, definition_id)

    def forms(self, definition_id: int) -> dict[str, Any]:
        """The version's forms (formKey -> form-js JSON), read on their own."""
        stmt = select(ProcessDefinition.forms).where(ProcessDefinition.id == definition_id)
        return dict(self.session.scalars(stmt).first() or {})

    def list_latest(self) -> Sequence[ProcessDefinition]:
        newest = (
            select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        stmt = select(ProcessDefinition).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v)
        )
        return self.session.scalars(stmt.order_by(ProcessDefinition.key)).all()

    def versions(self, key: str) -> Sequence[ProcessDefinition]:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
        return self.session.scalars(stmt.order_by(ProcessDefinition.version)).all()


# An instance's definition without its two big columns (督办事项's forms are 53 kB of JSON): a command needs
# the small ones; the BPMN goes to the engine processes from a cache, the forms from ServiceContext.forms_of.
# Either loads on first use if read (in the session).
_SMALL_DEFINITION = (
    joinedload(ProcessInstance.definition).defer(ProcessDefinition.forms).defer(ProcessDefinition.bpmn_xml)
)


class InstanceRepository(Repository):
    _anchor_txn: object = None
    _anchors: dict[int, tuple[str | None, int]]

    def get(self, instance_id: int) -> ProcessInstance | None:
        return self.session.get(ProcessInstance, instance_id)

    def for_command(self, instance_id: int) -> ProcessInstance | None:
        """The instance as a command's read phase wants it: its definition without the big columns."""
        return self.session.get(ProcessInstance, instance_id, options=[_SMALL_DEFINITION])

    def lock(self, instance_id: int) -> ProcessInstance | None:
        """The instance row, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
        already serializes writers). Commands on one instance then run one after the other."""
        stmt = select(ProcessInstance).options(_SMALL_DEFINITION).where(ProcessInstance.id == instance_id)
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=ProcessInstance)  # not the joined definition row
        return self.session.scalars(stmt.execution_options(populate_existing=True)).first()

    def save_state(self, instance: ProcessInstance, expected_version: int, values: dict[str, Any]) -> bool:
        """Compare-and-set on `version`: False when another transaction saved first."""
        stmt = (
            update(ProcessInstance)
            .where(ProcessInstance.id == instance.id, ProcessInstance.version == expected_version)
            .values(version=expected_version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        saved = self.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
        if saved and not self.session.is_modified(instance):
            # The row now holds exactly these values: set them on the object as loaded, rather than
            # expiring it and reading the whole row (state, data, the joined definition) back.
            for key, value in {**values, "version": expected_version + 1}.items():
                set_committed_value(instance, key, value)
            self.session.expire(instance, ["history_head", "history_count"])  # moved by set_anchor
        elif saved:
            self.session.expire(instance)  # changes made on the object are not what was saved: drop them
        return saved

    def anchor(self, instance_id: int) -> tuple[str | None, int]:
        """The anchored history head and event count, read from the row (never from a cached object) —
        or, when this very transaction moved it, what it moved it to (a command appends several events
        in a row; the row is then locked by our own UPDATE, so nobody else can have moved it since)."""
        moved = self._moved_anchors(create=False)
        if moved is not None and instance_id in moved:
            return moved[instance_id]
        stmt = select(ProcessInstance.history_head, ProcessInstance.history_count).where(
            ProcessInstance.id == instance_id
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1] or 0) if row else (None, 0)

    def set_anchor(self, instance_id: int, head: str, count: int) -> None:
        """Move the anchor; a plain UPDATE beside the ORM so that the versioned save is not disturbed."""
        stmt = (
            update(ProcessInstance)
            .where(ProcessInstance.id == instance_id)
            .values(history_head=head, history_count=count)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(stmt)
        moved = self._moved_anchors(create=True)
        assert moved is not None
        moved[instance_id] = (head, count)

    def _moved_anchors(self, *, create: bool) -> dict[int, tuple[str | None, int]] | None:
        """The anchors moved in the innermost open transaction (a savepoint counts as its own: whatever
        it moved is forgotten when it ends, either way)."""
        txn = self.session.get_nested_transaction() or self.session.get_transaction()
        if txn is None:
            return None
        if self._anchor_txn is not txn:
            if not create:
                return None
            self._anchor_txn, self._anchors = txn, {}
        return self._anchors

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
        """The instances of `ids` (with their definitions), in one query."""
        if not ids:
            return []
        return self.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(list(ids)))).unique().all()


class TaskRepository(Repository):
    def get(self, task_id: str) -> HumanTask | None:
        return self.session.get(HumanTask, task_id)

    def briefs(self, instance_id: int) -> Sequence[tuple[str, str | None, str | None, Any]]:
        """(id, form key, unit code, the data's `unit`) of every task of an instance, without the rest of
        each task's data."""
        unit = HumanTask.data["unit"]
        stmt = select(HumanTask.id, HumanTask.form_key, HumanTask.unit_code, unit)
        rows = self.session.execute(stmt.where(HumanTask.instance_id == instance_id)).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def ready_ids_for_instances(self, instance_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        """The ids of each instance's ready tasks, for many instances in one query."""
        found: dict[int, set[str]] = {i: set() for i in instance_ids}
        if instance_ids:
            stmt = select(HumanTask.instance_id, HumanTask.id).where(
                HumanTask.instance_id.in_(list(instance_ids)), HumanTask.state == "ready"
            )
            for instance_id, task_id in self.session.execute(stmt):
                found[instance_id].add(task_id)
        return {i: frozenset(t) for i, t in found.items()}

    def ready_for_instance(self, instance_id: int) -> Sequence[HumanTask]:
        stmt = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
        return self.session.scalars(stmt.order_by(HumanTask.created_at, HumanTask.id)).all()

    def search(
        self,
        *,
        state: str | None = "ready",
        acting: Acting | None = None,
        instance_id: int | None = None,
        completed_by: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[HumanTask], int]:
        """Tasks in `state` (None: any); with `acting`, only those it acts on (`acting_on`)."""
        stmt = select(HumanTask)
        if state:
            stmt = stmt.where(HumanTask.state == state)
        if instance_id is not None:
            stmt = stmt.where(HumanTask.instance_id == instance_id)
        if completed_by:
            stmt = stmt.where(HumanTask.completed_by == completed_by)
        if acting is not None:
            stmt = stmt.where(acting_on(acting))
        order = (HumanTask.due_at.asc(), HumanTask.created_at) if state == "ready" else (HumanTask.completed_at.desc(),)
        return self._page(stmt, order, offset, limit)


HISTORY_TABLE: Table = HistoryEvent.__table__  # type: ignore[assignment]  # the plain table, not the ORM entity


class HistoryRepository(Repository):
    def append(self, **values: Any) -> None:
        """One event row, by a plain INSERT: building, flushing and then forgetting an ORM object cost a
        completion (three events) about 1 ms."""
        self.session.execute(insert(HISTORY_TABLE).values(**values))

    def last(self, instance_id: int) -> HistoryEvent | None:
        stmt = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        return self.session.scalars(stmt.order_by(HistoryEvent.seq.desc()).limit(1)).first()

    def for_instance(self, instance_id: int, kinds: Collection[str] | None = None) -> Sequence[HistoryEvent]:
        """An instance's events in order; with `kinds`, only events of those kinds."""
        stmt = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        if kinds is not None:
            stmt = stmt.where(HistoryEvent.kind.in_(sorted(kinds)))
        return self.session.scalars(stmt.order_by(HistoryEvent.seq)).all()

    def heads_before(self, end: datetime) -> Sequence[tuple[int, str, int]]:
        """(instance id, hash, seq) of every chain's newest event before `end`, by instance id."""
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
        where = (HistoryEvent.instance_id == instance_id, HistoryEvent.kind != skip_kind)
        total = self.session.scalar(select(func.count()).select_from(HistoryEvent).where(*where)) or 0
        stmt = select(HistoryEvent.seq).where(*where).order_by(HistoryEvent.seq).offset(offset).limit(limit)
        return list(self.session.scalars(stmt).all()), total

    def between(self, instance_id: int, after_seq: int, upto_seq: int) -> Sequence[HistoryEvent]:
        """The events with after_seq < seq <= upto_seq, in order."""
        stmt = select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.seq > after_seq, HistoryEvent.seq <= upto_seq
        )
        return self.session.scalars(stmt.order_by(HistoryEvent.seq)).all()

    def hash_at(self, instance_id: int, seq: int) -> str | None:
        stmt = select(HistoryEvent.hash).where(HistoryEvent.instance_id == instance_id, HistoryEvent.seq == seq)
        return self.session.scalar(stmt)

    def count(self, instance_id: int, kind: str | None = None) -> int:
        stmt = select(func.count()).select_from(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
        if kind:
            stmt = stmt.where(HistoryEvent.kind == kind)
        return self.session.scalar(stmt) or 0


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
