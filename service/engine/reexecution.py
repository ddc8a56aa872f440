"""Re-executing recorded inputs (op "reexecute"): many commands in one engine-process round-trip.

Each input is run exactly as its command ran the first time — load the state, one command, dump — by
`commands.execute` itself, at the input's recorded time (the engine clock is the event's `at`, so
today()/now() and timers give what they gave). After each input an observation goes back: the process
data, the ready user tasks and waiting timers (element ids), each ready task's data digest, completed, the
error. The service compares them with the stored checkpoints (service.reexecution).

The inputs name tasks by element id (and the unit they belonged to), never by the engine task id:
SpiffWorkflow gives every task a random id, so a re-execution's ids differ from the stored ones.

A request holds the inputs of one definition version: a "migrate" input ends it (`target_key` names the
version it moves to), and the service sends the rest in the next request, from the returned state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from service.engine.parser import CompiledDefinition
from service.engine.records import ReadyTask, data_digest

if TYPE_CHECKING:
    from service.engine.commands import EngineOutcome, EngineRequest
    from service.engine.runtime import ProcessEngine


def _unit_of(task: ReadyTask, unit_keys: Mapping[str, str]) -> Any:
    key = unit_keys.get(task.lane or "")
    return task.data.get(key) if key else None


def _pick(ready: list[ReadyTask], step: Mapping[str, Any], unit_keys: Mapping[str, str]) -> ReadyTask | None:
    """The ready task the input names: by element id, then by the unit it belonged to, then by the digest of
    its data the completion recorded."""
    found = [t for t in ready if t.element_id == step.get("element_id")]
    unit = step.get("unit")
    if len(found) > 1 and unit:
        found = [t for t in found if _unit_of(t, unit_keys) == unit] or found
    if len(found) > 1 and step.get("task_data"):  # e.g. two 督查组: the one whose data the completion had
        from service.engine.commands import json_safe

        found = [t for t in found if data_digest(json_safe(t.data)) == step["task_data"]] or found
    return found[0] if found else None


def _observe(outcome: EngineOutcome, missing: str | None = None) -> dict[str, Any]:
    error = outcome.record.error
    return {
        "saved": outcome.state is not None,
        "data": outcome.data,
        "ready": sorted({t.element_id for t in outcome.ready}),
        "waiting": sorted(set(outcome.waiting)),
        "ready_data": outcome.ready_data,
        "completed": outcome.completed,
        "error": error.message if error else None,
        "missing_task": missing,
    }


def reexecute(
    engine: ProcessEngine,
    compiled: CompiledDefinition,
    request: EngineRequest,
    target: CompiledDefinition | None,
) -> EngineOutcome:
    from service.engine.commands import EngineOutcome, EngineRequest, execute

    inputs: list[dict[str, Any]] = list(request.data.get("inputs") or [])
    unit_keys: dict[str, str] = dict(request.data.get("unit_keys") or {})
    state, key = request.state, request.cache_key
    ready: list[ReadyTask] | None = None
    observations: list[dict[str, Any]] = []
    last = EngineOutcome(state=state)
    for step in inputs:
        op, now = step["op"], step["at"]
        base = EngineRequest(op="advance", cache_key=key, now=now, state=state)
        if op != "start" and ready is None and state is not None:
            workflow = engine.load(compiled, state, key)
            ready = engine.ready_user_tasks(workflow)
        if op == "start":
            outcome = execute(engine, compiled, replace(base, op="start", state=None, data=dict(step["data"])))
            if outcome.state is None:  # its process died in a start script: kept, in 异常 (instances.start)
                created = execute(engine, compiled, replace(base, op="create", state=None, data=dict(step["data"])))
                outcome.state, outcome.data = created.state, created.data
        elif op in ("complete", "set_task_data"):
            task = _pick(ready or [], step, unit_keys)
            if task is None:
                observations.append(_observe(EngineOutcome(state=None), missing=str(step.get("element_id"))))
                break
            data = dict(step.get("data") or {})
            if op == "set_task_data":
                lane_key = unit_keys.get(task.lane or "")
                data = {lane_key: step["new_unit"]} if lane_key else {}
            outcome = execute(engine, compiled, replace(base, op=op, task_id=task.id, data=data))
            if outcome.task_not_ready:
                observations.append(_observe(EngineOutcome(state=None), missing=str(step.get("element_id"))))
                break
        elif op == "set_variable":
            outcome = execute(engine, compiled, replace(base, op="set_variable", data=dict(step["data"])))
        elif op == "move":
            outcome = execute(engine, compiled, replace(base, op="move", data=dict(step["data"])))
        elif op == "migrate":
            assert target is not None and request.target_key is not None
            migrate = replace(base, op="migrate", target_key=request.target_key, advance=bool(step.get("advance")))
            outcome = execute(engine, compiled, migrate, target)
            if outcome.state is not None:
                key = request.target_key
        elif op in ("advance", "retry"):
            outcome = execute(engine, compiled, replace(base, op=op))
        else:
            raise ValueError(f"unknown re-execution input {op!r}")
        observations.append(_observe(outcome))
        if outcome.state is not None:
            state, ready, last = outcome.state, outcome.ready, outcome
        if op == "migrate":
            break  # the rest runs on the target version, in the next request
    return EngineOutcome(
        state=state,
        data=last.data,
        completed=last.completed,
        ready=[],
        observations=observations,
    )
