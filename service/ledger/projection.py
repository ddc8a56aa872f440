"""Keeping an instance's ledger row in step with it, inside the command that moved the instance."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from service import workdays
from service.db.models import LedgerItem, ProcessInstance
from service.db.models.ledger import encode_co_units
from service.db.session import UnitOfWork
from service.ledger.labels import (
    CLOSED,
    ERROR,
    HANDLING,
    PRIORITY_KEY,
    PRIORITY_NORMAL,
    REGISTERING,
    SUSPENDED,
    WITHDRAWN,
)
from service.process import time_limits
from service.process.events import StepSaved, task_unit

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from service.process.context import ServiceContext

_UNIT_SEPARATORS = re.compile(r"[,，、;；\s]+")


class ReadyStep(NamedTuple):
    """A ready human task as the ledger shows it: its name and, for a 承办单位 task, the unit code."""

    name: str
    unit: str | None = None


def _text(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _deadline(value: Any) -> str | None:
    """A valid YYYY-MM-DD or None: a bad value in process data must not break the command."""
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _co_units(value: Any, lead: str) -> str:
    """The co-handling units of the process data (a list, or codes in one text), once each and not the
    lead unit, as the column stores them (service.db.models.ledger)."""
    codes = _UNIT_SEPARATORS.split(value) if isinstance(value, str) else value if isinstance(value, list) else []
    return encode_co_units(code for code in dict.fromkeys(str(c).strip() for c in codes) if code and code != lead)


def _status(instance_status: str, deadline: str | None, data: Mapping[str, Any]) -> str:
    """办理中 once assigned: the `assigned_at` key when the process keeps one (a deadline may be entered
    already at registration), else as soon as there is a deadline."""
    if instance_status == "completed":
        return CLOSED
    if instance_status == "error":
        return ERROR
    if instance_status in (SUSPENDED, WITHDRAWN):  # the instance statuses of the same names
        return instance_status
    if "assigned_at" in data:
        return HANDLING if data["assigned_at"] else REGISTERING
    return HANDLING if deadline else REGISTERING


PROGRESS_LIMIT = 1000


def describe(uow: UnitOfWork, ready: Sequence[ReadyStep]) -> str | ColumnElement[str]:
    """The current steps, e.g. "办理并报告（霞阳镇人民政府）；审核办理情况": a unit task with its unit's name.
    With a unit task ready, SQL that the row's own write evaluates: the names are read there, not by a
    query of their own (one round trip fewer for most steps of a 督办事项)."""
    steps = list(dict.fromkeys(ready))
    if not any(step.unit for step in steps):
        return "；".join(step.name for step in steps)[:PROGRESS_LIMIT]
    pieces: list[tuple[str, str | None]] = []
    for n, step in enumerate(steps):
        separator = "；" if n else ""
        if step.unit:
            pieces += [(f"{separator}{step.name}（", step.unit), ("）", None)]
        else:
            pieces.append((f"{separator}{step.name}", None))
    return uow.units.spelled(pieces, PROGRESS_LIMIT)


def project(
    uow: UnitOfWork,
    instance: ProcessInstance,
    *,
    data: Mapping[str, Any],
    status: str,
    ready: Sequence[ReadyStep],
    actor: str,
    now: datetime,
) -> LedgerItem:
    """Insert or update the instance's ledger row from its process data, status and ready tasks.

    `status` is the instance status being saved (running / completed / error); `actor` is who ran the
    command, so the one who completed the last task is recorded as having closed (销号) the item.
    """
    progress = describe(uow, ready)
    item = uow.ledger.get(instance.id)
    searched_before: tuple[str, ...] | None = None
    if item is None:
        item = LedgerItem(instance_id=instance.id, registered_at=instance.started_at)
        uow.ledger.add(item)
    else:
        searched_before = (item.title, item.content, item.business_number)
    deadline = _deadline(data.get("deadline"))
    lead_unit = _text(data.get("lead_unit"), 64)
    new_status = _status(status, deadline, data)
    item.process_key = instance.process_key
    item.business_number = instance.business_number
    item.title = _text(data.get("title") or instance.title, 500)
    item.content = _text(data.get("content"), 100_000)
    item.source_type = _text(data.get("source_type"), 32)
    item.source_ref = _text(data.get("source_ref"), 300)
    item.priority = PRIORITY_KEY if data.get("priority") == PRIORITY_KEY else PRIORITY_NORMAL
    item.responsible_leader = _text(data.get("responsible_leader"), 50)
    item.lead_unit = lead_unit
    item.co_units = _co_units(data.get("co_units"), lead_unit)
    item.time_limit_days = time_limits.limit_count(data.get("time_limit_days"))
    item.time_limit_unit = time_limits.unit_of(data)
    item.deadline = deadline
    item.deadline_at = workdays.deadline_end(deadline) if deadline else None
    item.progress = progress
    item.remarks = _text(data.get("remarks") or data.get("close_note"), 2000)
    if new_status == CLOSED and (item.status != CLOSED or item.closed_at is None):
        item.closed_at, item.closed_by = now, actor
    elif new_status != CLOSED:
        item.closed_at, item.closed_by = None, None
    item.status = new_status
    item.updated_at = now
    if searched_before != (item.title, item.content, item.business_number):
        uow.ledger.index_chars(item)  # the 1-2 character search index follows the searchable text
    return item


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    """Subscriber: the instance's ledger row follows every saved step (flows with ledger="false" have none)."""
    if step.instance.definition.in_ledger:
        ready = [ReadyStep(t.name, task_unit(t)) for t in step.ready]
        project(uow, step.instance, data=step.data, status=step.status, ready=ready, actor=step.actor, now=step.now)
