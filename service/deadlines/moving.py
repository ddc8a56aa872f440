"""Move a running item's deadline everywhere it is read: process data, live reminder timers, the tasks
due at it, the ledger row — and record why in the history. Used by the calendar recompute and by 延期.

The caller holds the instance lock (`uow.instances.lock`) and commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from service import workdays
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.process import history, progress
from service.process.context import ServiceContext


def move_deadline(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance: ProcessInstance,
    new_deadline: date,
    *,
    kind: str,
    actor: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Set `deadline` to `new_deadline`; returns the history payload written (kind e.g. deadline_extended)."""
    now = ctx.now()
    old_deadline = workdays.as_date(str(instance.data["deadline"]))
    expected = instance.version
    # The engine runs inside the caller's transaction here (an approved 延期 or a calendar edit moves
    # the deadline atomically with what caused it); the engine limits bound how long that can take.
    files, request = ctx.engine_command(uow, instance, op="move", now=now, data={"deadline": new_deadline.isoformat()})
    outcome = ctx.run_engine(files, request)
    moves = outcome.moves
    payload = {
        "old": old_deadline.isoformat(),
        "new": new_deadline.isoformat(),
        **details,
        "timers": [{"element_id": m.element_id, "name": m.name, "old": m.old, "new": m.new} for m in moves],
    }
    history.append(uow, instance.id, kind, actor, now, payload)
    old_due, new_due = workdays.deadline_end(old_deadline), workdays.deadline_end(new_deadline)
    for task in uow.tasks.ready_for_instance(instance.id):
        if task.due_at == old_due:  # due at the item's deadline (the `due` property reads `deadline`)
            task.due_at = new_due
            if "deadline" in task.data:
                task.data = {**task.data, "deadline": new_deadline.isoformat()}
    progress.persist(uow, ctx, instance, outcome, actor, now, expected)  # a timer now due fired, too
    return payload
