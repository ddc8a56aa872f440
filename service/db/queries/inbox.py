"""Inbox lists (待办 / 已办 / 我发起的): tasks and instances joined with their ledger rows, one query a page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from service.db.models import HumanTask, LedgerItem, ProcessInstance
from service.db.queries.base import Repository
from service.db.queries.tasks import Acting, acting_on

TASK_SORTS: dict[str, tuple[Any, ...]] = {
    "due_asc": (HumanTask.due_at.asc(), HumanTask.created_at.asc()),
    "due_desc": (HumanTask.due_at.desc(), HumanTask.created_at.desc()),
    "created_desc": (HumanTask.created_at.desc(),),
    "created_asc": (HumanTask.created_at.asc(),),
    "completed_desc": (HumanTask.completed_at.desc(),),
    "number": (ProcessInstance.business_number.asc(), HumanTask.created_at.asc()),
}
INSTANCE_SORTS: dict[str, tuple[Any, ...]] = {
    "started_desc": (ProcessInstance.started_at.desc(), ProcessInstance.id.desc()),
    "started_asc": (ProcessInstance.started_at.asc(), ProcessInstance.id.asc()),
    "due_asc": (LedgerItem.deadline_at.asc(), ProcessInstance.id.desc()),
    "number": (ProcessInstance.business_number.asc(),),
}


@dataclass(frozen=True)
class TaskScope:
    """Which tasks: ready ones the caller may act on, or the ones the caller completed."""

    state: str
    acting: Acting | None = None
    completed_by: str | None = None


@dataclass(frozen=True)
class Window:
    """Filters shared by the lists: due range (a light), text in number/title, process."""

    due_after: datetime | None = None  # exclusive
    due_until: datetime | None = None  # inclusive
    q: str | None = None
    process_key: str | None = None


def _task_filter(scope: TaskScope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [HumanTask.state == scope.state]
    if scope.completed_by:
        where.append(HumanTask.completed_by == scope.completed_by)
    if scope.acting is not None:
        where.append(acting_on(scope.acting))
    return where


def _text(q: str | None) -> ColumnElement[bool] | None:
    if not q:
        return None
    like = f"%{q.replace('%', '').replace('_', '')}%"
    return or_(ProcessInstance.business_number.like(like), ProcessInstance.title.like(like))


class InboxRepository(Repository):
    def _task_ids(self, scope: TaskScope, window: Window, sort: str) -> Select[Any]:
        """The ids of the tasks of a list; joined with their instance only when a filter or the sort needs it."""
        stmt = select(HumanTask.id).where(*_task_filter(scope))
        if window.due_after is not None:
            stmt = stmt.where(HumanTask.due_at > window.due_after)
        if window.due_until is not None:
            stmt = stmt.where(HumanTask.due_at <= window.due_until)
        text = _text(window.q)
        if text is not None or window.process_key or sort == "number":
            stmt = stmt.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        if text is not None:
            stmt = stmt.where(text)
        if window.process_key:
            stmt = stmt.where(ProcessInstance.process_key == window.process_key)
        return stmt

    def tasks(self, scope: TaskScope, window: Window, sort: str, offset: int, limit: int) -> tuple[Sequence[Any], int]:
        """One page of (task, business number, title, process key, ledger row), and the list's total.

        The page is chosen by id first — sorting only the tasks' ids and dates, not every matching task's data
        with its instance and ledger row — and then those rows are read whole."""
        ids = self._task_ids(scope, window, sort)
        total = self.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        order = (*TASK_SORTS[sort], HumanTask.id.asc())  # the id breaks ties: the same order every time
        page = ids.order_by(*order).offset(offset).limit(limit).subquery()
        stmt = (
            select(
                HumanTask,
                ProcessInstance.business_number,
                ProcessInstance.title,
                ProcessInstance.process_key,
                LedgerItem,
            )
            .join(page, page.c.id == HumanTask.id)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .outerjoin(LedgerItem, LedgerItem.instance_id == HumanTask.instance_id)
            .order_by(*order)
        )
        return self.session.execute(stmt).all(), total

    def count_tasks(self, scope: TaskScope) -> int:
        stmt = select(func.count()).select_from(HumanTask).where(*_task_filter(scope))
        return self.session.scalar(stmt) or 0

    def _started(self, username: str, window: Window) -> Select[Any]:
        stmt = (
            select(ProcessInstance, LedgerItem)
            .outerjoin(LedgerItem, LedgerItem.instance_id == ProcessInstance.id)
            .where(ProcessInstance.started_by == username)
        )
        if window.due_after is not None:
            stmt = stmt.where(LedgerItem.deadline_at > window.due_after, ProcessInstance.status == "running")
        if window.due_until is not None:
            stmt = stmt.where(LedgerItem.deadline_at <= window.due_until, ProcessInstance.status == "running")
        if (text := _text(window.q)) is not None:
            stmt = stmt.where(text)
        if window.process_key:
            stmt = stmt.where(ProcessInstance.process_key == window.process_key)
        return stmt

    def started(self, username: str, window: Window, sort: str, offset: int, limit: int) -> tuple[Sequence[Any], int]:
        return self._page(self._started(username, window), INSTANCE_SORTS[sort], offset, limit, rows=True)

    def count_started(self, username: str) -> int:
        stmt = select(func.count()).select_from(ProcessInstance).where(ProcessInstance.started_by == username)
        return self.session.scalar(stmt) or 0
