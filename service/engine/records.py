"""What the engine facade reports: ready user tasks, what one pass did, timers a data change moved."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from service.engine.errors import ExecutionFailed


@dataclass
class ReadyTask:
    id: str
    element_id: str
    name: str
    lane: str | None
    process_id: str
    form_key: str | None
    due_expression: str | None
    data: dict[str, Any]
    due: str | None = None  # the `due` expression's value, evaluated in the engine process
    position: str | None = None  # property `position`: only the unit's staff holding it act (e.g. 负责人)


def task_data_digests(tasks: Iterable[ReadyTask]) -> list[list[str]]:
    """[element id, sha256 of its data (first 16 hex)] of each ready user task, sorted: what the tasks hold
    beyond the process data (a subprocess's or a unit branch's own values), free of the random task ids
    so a re-execution can compare it with a checkpoint (service.process.checkpoints)."""
    return sorted([task.element_id, data_digest(task.data)] for task in tasks)


def data_digest(data: dict[str, Any]) -> str:
    """The first 16 hex digits of the sha256 of JSON-safe task data, keys sorted."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class FiredTimer(tuple[str, str]):
    """(element id, name) of a timer that fired — still a pair for callers that unpack it — plus the
    task-data `unit` of the branch it sits in (a boundary timer of a unit's multi-instance branch)."""

    unit: str | None

    def __new__(cls, element_id: str, name: str, unit: str | None = None) -> FiredTimer:
        fired = super().__new__(cls, (element_id, name))
        fired.unit = unit
        return fired

    def __getnewargs__(self) -> tuple[str, str, str | None]:  # type: ignore[override]
        return self[0], self[1], self.unit  # pickled between the engine process and the service


@dataclass
class StepRecord:
    """What one engine pass did, for the history table."""

    completed: list[tuple[str, str]] = field(default_factory=list)  # (element id, name) of engine tasks
    timers_fired: list[FiredTimer] = field(default_factory=list)
    error: ExecutionFailed | None = None


@dataclass
class TimerMove:
    """A waiting date timer whose fire time changed after its data did."""

    element_id: str
    name: str
    old: str | None
    new: str
