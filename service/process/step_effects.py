"""What a step leaves besides its engine state, in the caller's transaction: history events of what ran
(engine steps, timers fired, an error) and the human_tasks rows matching the engine's ready user tasks.
Used by `progress.persist` and by an instance migration's move."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from service import workdays
from service.db.models import HumanTask
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome
from service.engine.records import ReadyTask, StepRecord
from service.process import events, history

DEFAULT_DUE_WORKDAYS = 5


def _due_at(ready: ReadyTask, now: datetime) -> datetime:
    """The task's deadline from its `due` value (evaluated in the engine process), else the default."""
    if ready.due:
        try:
            if len(ready.due) == 10:
                return workdays.deadline_end(ready.due)
            parsed = datetime.fromisoformat(ready.due)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=workdays.SHANGHAI)
        except ValueError:  # a bad due value must not stop the process; use the default
            pass
    return workdays.deadline_end(workdays.add_workdays(now, DEFAULT_DUE_WORKDAYS))


def record_steps(uow: UnitOfWork, instance_id: int, record: StepRecord, actor: str, now: datetime) -> None:
    if record.completed:
        history.append(
            uow,
            instance_id,
            "engine_steps",
            actor,
            now,
            {"elements": [{"element_id": e, "name": n} for e, n in record.completed]},
        )
    for timer in record.timers_fired:
        fired = {"element_id": timer[0], "name": timer[1]}
        unit = getattr(timer, "unit", None)  # the unit whose branch the timer sits in (临期/逾期催办)
        history.append(uow, instance_id, "timer_fired", actor, now, fired | ({"unit": unit} if unit else {}))
    if record.error is not None:
        history.append(
            uow,
            instance_id,
            "error",
            actor,
            now,
            {"message": record.error.message, "element_id": record.error.element_id, "line": record.error.line},
        )


class TaskSync(NamedTuple):
    ready: list[ReadyTask]  # the engine's ready user tasks
    created: list[HumanTask]  # the rows created for the newly ready ones
    open_rows: list[HumanTask]  # every ready row after the sync, oldest first, as ready_for_instance reads them


def sync_tasks(uow: UnitOfWork, instance_id: int, outcome: EngineOutcome, now: datetime) -> TaskSync:
    """Make the human_tasks rows match the engine's ready user tasks. The rows left open come back too, so
    that what reacts to the step does not read them again."""
    ready = {t.id: t for t in outcome.ready}
    known = set()
    created: list[HumanTask] = []
    open_rows: list[HumanTask] = []
    earlier: dict[str, HumanTask] = {}  # rows of the engine's ready tasks not ready now (a retry)
    for row in uow.tasks.ready_or_given(instance_id, list(ready)):  # one read, also for the new ones
        if row.state != "ready":
            earlier[row.id] = row
        elif row.id in ready:
            known.add(row.id)
            open_rows.append(row)
        else:
            row.state = "cancelled"  # e.g. an interrupting event took the token away
            row.completed_at = now
    for task_id, task in ready.items():
        if task_id in known:
            continue
        existing = earlier.get(task_id)
        if existing is not None:  # the same engine task ready again (a retry): reopen it
            existing.state, existing.completed_at, existing.completed_by = "ready", None, None
            open_rows.append(existing)
            continue
        created.append(
            HumanTask(
                id=task_id,
                instance_id=instance_id,
                element_id=task.element_id,
                name=task.name,
                lane=task.lane,
                unit_code=events.task_unit(task),
                position=task.position,
                form_key=task.form_key,
                due_at=_due_at(task, now),
                state="ready",
                created_at=now,
                data=task.data,
            )
        )
        uow.tasks.add(created[-1])
    uow.tasks.flush()
    open_rows += created
    open_rows.sort(key=lambda row: (row.created_at, row.id))
    return TaskSync(list(ready.values()), created, open_rows)
