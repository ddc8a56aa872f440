"""SQL of where processes stall (issue 13 point 7): per element of a flow, GROUP BY over the human tasks and
the return decisions recorded in the history, for the instances of one flow started in a period.

Callers hand over a `StallScope` in database terms. Everything is grouped in SQL; the only rows that come
back one by one are the (element, created, completed) times of completed tasks, three columns, which the
caller turns into working days (a calendar the database does not have).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select

from service.db.models import HistoryEvent, HumanTask, LedgerItem, ProcessDefinition, ProcessInstance
from service.db.models.ledger import involves_unit
from service.db.queries.base import Repository

DURATION_BATCH = 2000
SHANGHAI = "Asia/Shanghai"  # the days of working-day arithmetic (service.workdays)


@dataclass(frozen=True)
class StallScope:
    process_key: str
    started_from: datetime | None = None  # the instance's start, inclusive
    started_to: datetime | None = None  # exclusive
    version: int | None = None  # the definition version the instances run on
    unit: str | None = None  # only instances this unit leads or co-handles (the ledger's rule)
    # completion data values that mean "sent back" (key, value): review_decision = return, …
    returns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ElementCounts:
    element_id: str
    name: str
    instances: int  # instances that reached the element
    tasks: int  # its tasks, every state
    completed: int
    active: int  # ready now
    overdue: int  # completed after its due time, or still open past it


@dataclass(frozen=True)
class InstanceLine:
    instance_id: int
    business_number: str
    title: str
    status: str
    started_at: datetime
    tasks: int
    returns: int
    overdue: int


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _instances(scope: StallScope) -> Select[Any]:
    stmt = select(ProcessInstance.id).where(ProcessInstance.process_key == scope.process_key)
    if scope.started_from is not None:
        stmt = stmt.where(ProcessInstance.started_at >= scope.started_from)
    if scope.started_to is not None:
        stmt = stmt.where(ProcessInstance.started_at < scope.started_to)
    if scope.version is not None:
        stmt = stmt.join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id).where(
            ProcessDefinition.version == scope.version
        )
    if scope.unit:
        stmt = stmt.where(exists().where(LedgerItem.instance_id == ProcessInstance.id, involves_unit(scope.unit)))
    return stmt


def _overdue(now: datetime) -> ColumnElement[bool]:
    t = HumanTask
    return and_(
        t.due_at.is_not(None),
        or_(
            and_(t.completed_at.is_not(None), t.completed_at > t.due_at),
            and_(t.state == "ready", t.due_at < now),
        ),
    )


def _is_return(scope: StallScope) -> ColumnElement[bool]:
    data = HistoryEvent.payload["data"]
    tests = [data[key].as_string() == value for key, value in scope.returns]
    return or_(*tests) if tests else false()


def _task_unit() -> ColumnElement[Any]:
    """A task's unit: its own (承办单位 lanes), else the `unit` of its data (a review inside a unit's pass)."""
    return func.coalesce(HumanTask.unit_code, HumanTask.data["unit"].as_string(), "")


class StallRepository(Repository):
    def element_counts(self, scope: StallScope, now: datetime) -> list[ElementCounts]:
        t = HumanTask
        stmt = (
            select(
                t.element_id,
                func.max(t.name),
                func.count(func.distinct(t.instance_id)),
                func.count(),
                func.sum(case((t.state == "completed", 1), else_=0)),
                func.sum(case((t.state == "ready", 1), else_=0)),
                func.sum(case((_overdue(now), 1), else_=0)),
            )
            .where(t.instance_id.in_(_instances(scope)))
            .group_by(t.element_id)
        )
        return [
            ElementCounts(str(e), str(n or e), int(i), int(c), int(done or 0), int(a or 0), int(o or 0))
            for e, n, i, c, done, a, o in self.session.execute(stmt)
        ]

    def _local_day(self, column: Any) -> ColumnElement[Any]:
        """The Asia/Shanghai calendar day of a stored UTC time (SQLite keeps naive UTC text)."""
        if self.session.get_bind().dialect.name == "sqlite":
            return func.date(column, "+8 hours")
        return func.date(func.timezone(SHANGHAI, column))

    def completed_days(self, scope: StallScope) -> Iterator[tuple[str, date, date, int]]:
        """(element, ready day, completion day, tasks) over the completed tasks, Asia/Shanghai days: the
        working days a step took depend on those two days only, so the rows grow with the days a period
        spans, not with its instances."""
        t = HumanTask
        ready, done = self._local_day(t.created_at), self._local_day(t.completed_at)
        stmt = (
            select(t.element_id, ready, done, func.count())
            .where(t.instance_id.in_(_instances(scope)), t.state == "completed", t.completed_at.is_not(None))
            .group_by(t.element_id, ready, done)
            .execution_options(yield_per=DURATION_BATCH)
        )
        for element, start, end, n in self.session.execute(stmt):
            yield str(element), _day(start), _day(end), int(n)

    def _returns(self) -> Select[Any]:
        return (
            select()
            .select_from(HistoryEvent)
            .join(HumanTask, HumanTask.id == HistoryEvent.payload["task_id"].as_string())
        )

    def returns_by_element_and_unit(self, scope: StallScope) -> list[tuple[str, str, int]]:
        """(element that decided the return, unit it was about, count)."""
        unit = _task_unit()
        stmt = (
            self._returns()
            .add_columns(HumanTask.element_id, unit, func.count())
            .where(
                HistoryEvent.instance_id.in_(_instances(scope)),
                HistoryEvent.kind == "task_completed",
                _is_return(scope),
            )
            .group_by(HumanTask.element_id, unit)
        )
        return [(str(e), str(u or ""), int(n)) for e, u, n in self.session.execute(stmt)]

    def overdue_by_unit(self, scope: StallScope, now: datetime) -> list[tuple[str, int, int]]:
        """(unit, tasks, overdue tasks) over the tasks that name a unit."""
        unit = _task_unit()
        stmt = (
            select(unit, func.count(), func.sum(case((_overdue(now), 1), else_=0)))
            .where(HumanTask.instance_id.in_(_instances(scope)))
            .group_by(unit)
        )
        return [(str(u or ""), int(n), int(o or 0)) for u, n, o in self.session.execute(stmt)]

    def instances_at(
        self, scope: StallScope, element_id: str, now: datetime, kind: str, offset: int, limit: int
    ) -> tuple[Sequence[InstanceLine], int]:
        """The instances behind a number of one element: `passed` (reached it), `active` (waiting there
        now), `overdue` (a task of it late), `returned` (sent back there); newest first."""
        t = HumanTask
        returned = (
            self._returns()
            .add_columns(HistoryEvent.instance_id, func.count().label("n"))
            .where(
                HistoryEvent.instance_id.in_(_instances(scope)),
                HistoryEvent.kind == "task_completed",
                HumanTask.element_id == element_id,
                _is_return(scope),
            )
            .group_by(HistoryEvent.instance_id)
            .subquery()
        )
        per_instance = (
            select(
                t.instance_id.label("iid"),
                func.count().label("tasks"),
                func.sum(case((_overdue(now), 1), else_=0)).label("overdue"),
                func.sum(case((t.state == "ready", 1), else_=0)).label("active"),
            )
            .where(t.instance_id.in_(_instances(scope)), t.element_id == element_id)
            .group_by(t.instance_id)
            .subquery()
        )
        p = ProcessInstance
        n_returns = func.coalesce(returned.c.n, 0)
        stmt = (
            select(
                p.id,
                p.business_number,
                p.title,
                p.status,
                p.started_at,
                per_instance.c.tasks,
                n_returns,
                per_instance.c.overdue,
            )
            .join(per_instance, per_instance.c.iid == p.id)
            .outerjoin(returned, returned.c.instance_id == p.id)
        )
        if kind == "active":
            stmt = stmt.where(per_instance.c.active > 0)
        elif kind == "overdue":
            stmt = stmt.where(per_instance.c.overdue > 0)
        elif kind == "returned":
            stmt = stmt.where(n_returns > 0)
        rows, total = self._page(stmt, (p.started_at.desc(), p.id.desc()), offset, limit, rows=True)
        lines = [
            InstanceLine(int(i), str(b), str(ti or ""), str(s), st, int(n or 0), int(r or 0), int(o or 0))
            for i, b, ti, s, st, n, r, o in rows
        ]
        return lines, total

    def task_times(self, instance_ids: Sequence[int], element_id: str) -> list[tuple[int, datetime, datetime | None]]:
        """(instance, created, completed) of one element's tasks in the given instances."""
        if not instance_ids:
            return []
        t = HumanTask
        stmt = select(t.instance_id, t.created_at, t.completed_at).where(
            t.instance_id.in_(list(instance_ids)), t.element_id == element_id
        )
        return [(int(i), c, d) for i, c, d in self.session.execute(stmt)]
