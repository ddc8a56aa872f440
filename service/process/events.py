"""What the process core publishes after every engine step it saves.

The process core does not know the features that react to its steps (the ledger, notifications, the
延期 deadline move, …). After `progress.persist` saved a step, `ServiceContext.publish` calls every
subscriber in order, inside the same transaction: a subscriber that fails rolls the whole command back,
so a step and its reactions are stored together or not at all. The order is composed in one place,
`service/wiring.py`, where it is explained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.access.principal import LEAD_LANE, UNIT_LANE
from service.db.models import HumanTask, ProcessInstance
from service.engine.records import FiredTimer, ReadyTask
from service.process.names import LEAD_UNIT

# The task-data key naming the unit a unit lane's task belongs to (a 转办 to another unit rewrites it).
UNIT_KEYS = {UNIT_LANE: "unit", LEAD_LANE: LEAD_UNIT}


@dataclass(frozen=True)
class StepSaved:
    """One engine step of one instance, saved with the version check passed."""

    instance: ProcessInstance  # as saved (its attributes are read again on access)
    data: Mapping[str, Any]  # the process data after the step
    status: str  # running / completed / error
    ready: Sequence[ReadyTask]  # every user task ready after the step
    new_tasks: Sequence[HumanTask]  # the human_tasks rows this step created
    open_tasks: Sequence[HumanTask]  # every ready human_tasks row after the step, oldest first
    timers_fired: Sequence[FiredTimer]
    completed_now: bool  # the instance completed in this step
    actor: str  # who ran the command (a username, or the timer service)
    now: datetime
    completed_task: HumanTask | None = None  # the task whose completion this step is, if it is one
    submitted: Mapping[str, Any] | None = None  # what was submitted for it (checked), inside subprocesses too


def task_unit(task: ReadyTask) -> str | None:
    """The unit a task belongs to: a 承办单位 task's `unit`, a 牵头单位 task's `lead_unit`; else None."""
    key = UNIT_KEYS.get(task.lane or "")
    unit = task.data.get(key) if key else None
    return str(unit) if unit not in (None, "") else None
