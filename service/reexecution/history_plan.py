"""The plan of a re-execution, read from the history: each recorded input (the engine command to run
again) with the checkpoint it is compared with, and the status changes in between."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from service.db.models import HistoryEvent
from service.process import checkpoints
from service.process.timer_firing import SYSTEM_ACTOR

MOVE_KINDS = frozenset({"deadline_extended", "deadline_recomputed"})
STATUS_KINDS = {"instance_suspended": "suspended", "instance_resumed": "running", "instance_withdrawn": "withdrawn"}


@dataclass
class Step:
    """One engine command to run again (`input` goes to the engine), or a status change of the row."""

    seq: int  # the input event's seq (the checkpoint's for a timer firing)
    input: dict[str, Any] | None
    element_id: str = ""
    checkpoint: HistoryEvent | None = None
    status: str | None = None  # a status change without engine work (挂起, 恢复, 撤回, a failed step)
    version: int | None = None  # "start" / "migrate": the definition version it runs on / moves to


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    only_final: bool = False


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _input_of(event: HistoryEvent, at: datetime, running: bool = True) -> Step | None:
    """The engine input an event records (run at `at`), or None when it records none. `running`: the
    instance was running before it (a migration then advances the engine, as the migration job's move does)."""
    p, kind = event.payload or {}, event.kind
    if kind == "instance_started":
        step = {"op": "start", "at": at, "data": p.get("data") or {}}
        return Step(event.seq, step, version=p.get("version"))
    if kind == "task_completed":
        element = str(p.get("element_id") or "")
        step = {"op": "complete", "at": at, "element_id": element, "unit": p.get("unit"), "data": p.get("data") or {}}
        if p.get("task_data"):  # which of several ready tasks of the element (absent in older histories)
            step["task_data"] = p["task_data"]
        return Step(event.seq, step | {"actor": event.actor}, element_id=element)
    if kind == "task_reassigned":
        before, after = p.get("before") or {}, p.get("after") or {}
        if not after.get("unit") or after.get("unit") == before.get("unit") or after.get("assignee"):
            return None  # to a person: the engine state does not change
        element = str(p.get("element_id") or "")
        step = {"op": "set_task_data", "at": at, "element_id": element, "unit": before.get("unit")}
        return Step(event.seq, step | {"new_unit": after["unit"]}, element_id=element)
    if kind == "variable_corrected":
        value = (p.get("after") or {}).get("value")
        return Step(event.seq, {"op": "set_variable", "at": at, "data": {"name": p.get("name"), "value": value}})
    if kind in MOVE_KINDS and "new" in p and "timers" in p:
        return Step(event.seq, {"op": "move", "at": at, "data": {"deadline": p["new"]}})
    if kind == "migrated":
        return Step(event.seq, {"op": "migrate", "at": at, "advance": running}, version=p.get("to_version"))
    if kind == "admin_retry":
        return Step(event.seq, {"op": "retry", "at": at})
    return None


def plan_from(events: Sequence[HistoryEvent]) -> Plan:
    """The steps of a history. Each command's input precedes its checkpoint; a checkpoint with no input
    before it is a timer firing (or a step the scheduler took) at its time."""
    first_checkpoint = next((e.seq for e in events if e.kind == checkpoints.KIND), None)
    inputs = [e.seq for e in events if _input_of(e, _utc(e.at)) is not None]
    second_input = inputs[1] if len(inputs) > 1 else None
    only_final = first_checkpoint is None or (second_input is not None and first_checkpoint > second_input)
    plan = Plan(only_final=only_final)
    pending: Step | None = None
    timer_element = ""
    last_at: datetime | None = None
    recorded = "running"  # the status as recorded so far: whether a migration advanced the engine
    for event in events:
        at = _utc(event.at)
        if event.kind in STATUS_KINDS:
            plan.steps.append(Step(event.seq, None, status=STATUS_KINDS[event.kind]))
            recorded = STATUS_KINDS[event.kind]
            continue
        if event.kind == checkpoints.KIND:
            after = str((event.payload or {}).get("status") or recorded)
        elif event.kind == "error":
            after = "error"
        else:
            after = recorded
        running, recorded = recorded == "running", after
        if event.kind == "timer_fired":
            timer_element = str((event.payload or {}).get("element_id") or "")
        if only_final:
            step = _input_of(event, at, running)
            by_scheduler = event.actor == SYSTEM_ACTOR and event.kind in ("timer_fired", "checkpoint")
            if step is None and by_scheduler and at != last_at:  # the first event of a scheduler's firing
                step = Step(event.seq, {"op": "advance", "at": at}, element_id=timer_element)
            if step is not None:
                plan.steps.append(step)
                last_at = at
            continue
        if event.kind == checkpoints.KIND:
            step = pending or Step(event.seq, {"op": "advance"}, element_id=timer_element)
            assert step.input is not None
            step.input["at"] = at  # the time the command ran with (its events share it)
            step.checkpoint = event
            plan.steps.append(step)
            pending, timer_element = None, ""
            continue
        if event.kind == "error" and pending is None:
            plan.steps.append(Step(event.seq, None, status="error"))  # a step that could not be saved
            continue
        found = _input_of(event, at, running)
        if found is not None:
            pending = found
    return plan
