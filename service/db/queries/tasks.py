"""SQL of human tasks, and who acts on which of them (`Acting`, the filter form of Principal.may_act_on)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select

from service.db.models import HumanTask
from service.db.queries.base import Repository, whole_list

_BY_ID = select(HumanTask).where(HumanTask.id == bindparam("id"))  # for Repository._get
# Built once (every command reads its instance's ready tasks): its construction cost as much as the query.
_READY_OF_INSTANCE = (
    select(HumanTask)
    .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "ready")
    .order_by(HumanTask.created_at, HumanTask.id)
)
# The same, with any other rows of the given ids (a task the engine made ready again: a retry).
_READY_OR_GIVEN = (
    select(HumanTask)
    .where(
        HumanTask.instance_id == bindparam("instance_id"),
        (HumanTask.state == "ready") | HumanTask.id.in_(bindparam("task_ids", expanding=True)),
    )
    .order_by(HumanTask.created_at, HumanTask.id)
)
_READY_OR_GIVEN_OF_MANY = (
    select(HumanTask)
    .where(
        HumanTask.instance_id.in_(bindparam("instance_ids", expanding=True)),
        (HumanTask.state == "ready") | HumanTask.id.in_(bindparam("task_ids", expanding=True)),
    )
    .order_by(HumanTask.created_at, HumanTask.id)
)


@dataclass(frozen=True)
class Acting:
    """Which tasks a caller acts on, as SQL sees it (built by service.access.principal.Principal.acting)."""

    lanes: frozenset[str]  # lanes whose tasks the caller acts on by role
    unit_lanes: frozenset[str] = frozenset()  # lanes whose tasks belong to a unit: the caller's unit's
    unit_code: str | None = None
    position: str | None = None  # the caller's position in their unit; None = do not filter by position
    username: str | None = None  # the caller: tasks reassigned to a named person are theirs alone


def acting_on(acting: Acting, *, bound: bool = True) -> ColumnElement[bool]:
    """SQL: tasks in any of `lanes`, or in a unit lane for the caller's unit, and naming no position or the
    caller's; a task reassigned to a named person only for that person.
    This is Principal.may_act_on (service/access/principal.py), the one rule, as a filter. Its values are
    named bound parameters (`_acting_params`), so a statement built with it serves every caller of the
    same `_acting_shape`; `bound=False` leaves them without values, required at execution, for such a
    statement. One per statement: two with different callers in one statement would share those names, and
    so one caller's values."""

    def value(name: str, given: Any, *, expanding: bool = False) -> BindParameter[Any]:
        if bound:
            return bindparam(name, given, expanding=expanding)
        return bindparam(name, expanding=expanding, required=True)

    visible: ColumnElement[bool] = HumanTask.lane.in_(value("acting_lanes", sorted(acting.lanes), expanding=True))
    if acting.unit_lanes and acting.unit_code:
        unit_lanes = value("acting_unit_lanes", sorted(acting.unit_lanes), expanding=True)
        mine = HumanTask.lane.in_(unit_lanes) & (HumanTask.unit_code == value("acting_unit", acting.unit_code))
        visible = visible | mine
    if acting.position is not None:
        position = value("acting_position", acting.position)
        visible = visible & (HumanTask.position.is_(None) | (HumanTask.position == position))
    visible = HumanTask.assignee.is_(None) & visible
    if acting.username:
        visible = visible | (HumanTask.assignee == value("acting_username", acting.username))
    return visible


def _acting_shape(acting: Acting) -> tuple[bool, bool, bool]:
    """What decides the form of `acting_on`'s SQL (its values are parameters)."""
    return bool(acting.unit_lanes and acting.unit_code), acting.position is not None, bool(acting.username)


def _acting_params(acting: Acting) -> dict[str, Any]:
    return {
        "acting_lanes": sorted(acting.lanes),
        "acting_unit_lanes": sorted(acting.unit_lanes),
        "acting_unit": acting.unit_code,
        "acting_position": acting.position,
        "acting_username": acting.username,
    }


# Task lists by the form of their filters: (state given, ready, instance given, completer given, acting shape or
# None) -> (count, page) statements, built once each (a list is asked for before and after every completion).
_SEARCHES: dict[tuple[Any, ...], tuple[Select[Any], Select[Any]]] = {}


class TaskRepository(Repository):
    _read_ahead: tuple[object, dict[int, tuple[frozenset[str], list[HumanTask]]]] | None = None

    def get(self, task_id: str) -> HumanTask | None:
        return self._get(HumanTask, _BY_ID, task_id)

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
        return self.session.scalars(_READY_OF_INSTANCE, {"instance_id": instance_id}).all()

    def ready_or_given(self, instance_id: int, task_ids: Sequence[str]) -> Sequence[HumanTask]:
        """The instance's ready tasks and, in whatever state, those of `task_ids` — one statement, or none
        when `read_ahead` read them in this transaction (used once: a second call reads again)."""
        ahead = self._read_ahead
        if ahead is not None and ahead[0] is self.session.get_transaction():
            given, rows = ahead[1].pop(instance_id, (None, []))
            if given is not None and given >= set(task_ids):
                return rows
        params = {"instance_id": instance_id, "task_ids": list(task_ids)}
        return self.session.scalars(_READY_OR_GIVEN, params).all()

    def read_ahead(self, wanted: Mapping[int, Sequence[str]]) -> None:
        """`ready_or_given` of several instances (id → task ids) by one statement, kept for this transaction:
        a timer pass's group, whose instances are locked, so no other transaction changes their tasks. In
        this one, only a task sync creates or reopens task rows, and each takes its instance's rows before
        it does (a later sync reads again); other changes are made on these same session objects."""
        if not wanted:
            return
        given = {task_id for task_ids in wanted.values() for task_id in task_ids}
        params = {"instance_ids": list(wanted), "task_ids": sorted(given)}
        found: dict[int, tuple[frozenset[str], list[HumanTask]]] = {
            instance_id: (frozenset(task_ids), []) for instance_id, task_ids in wanted.items()
        }
        for row in self.session.scalars(_READY_OR_GIVEN_OF_MANY, params):
            if row.instance_id in found:
                found[row.instance_id][1].append(row)
        self._read_ahead = (self.session.get_transaction(), found)

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
        key = (
            bool(state),
            state == "ready",
            instance_id is not None,
            bool(completed_by),
            None if acting is None else _acting_shape(acting),
        )
        built = _SEARCHES.get(key)
        if built is None:
            stmt = select(HumanTask)
            if state:
                stmt = stmt.where(HumanTask.state == bindparam("state"))
            if instance_id is not None:
                stmt = stmt.where(HumanTask.instance_id == bindparam("instance_id"))
            if completed_by:
                stmt = stmt.where(HumanTask.completed_by == bindparam("completed_by"))
            if acting is not None:
                stmt = stmt.where(acting_on(acting, bound=False))  # every caller's own values, or an error
            order = (
                (HumanTask.due_at.asc(), HumanTask.created_at) if state == "ready" else (HumanTask.completed_at.desc(),)
            )
            count = select(func.count()).select_from(stmt.subquery())
            page = stmt.order_by(*order).offset(bindparam("offset")).limit(bindparam("limit"))
            built = _SEARCHES.setdefault(key, (count, page))
        params: dict[str, Any] = {"state": state, "instance_id": instance_id, "completed_by": completed_by}
        if acting is not None:
            params.update(_acting_params(acting))
        found = self.session.scalars(built[1], {**params, "offset": offset, "limit": limit}).all()
        if whole_list(found, offset, limit):
            return found, len(found)
        return found, self.session.scalar(built[0], params) or 0
