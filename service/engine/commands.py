"""One engine command from state in to state out, as data: what the service asks and what it gets back.

The service never holds a live workflow. It sends an `EngineRequest` (the stored state, the
definition's cache key, the input) to an engine process (isolation.py) and gets an `EngineOutcome`
with everything it needs to write: the new state, process data, ready user tasks with their `due`
values already evaluated, what ran, the next wake time. Scripts, conditions, timer and `due`
expressions only ever run inside `execute`, i.e. inside the engine process and its limits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from service.engine.errors import ExecutionFailed, readable_error
from service.engine.parser import CompiledDefinition
from service.engine.records import ReadyTask, StepRecord, TimerMove, data_digest, task_data_digests
from service.engine.runtime import ProcessEngine

# create: a new instance's initial state, running nothing (used when "start" failed in its scripts)
# plan / migrate: the verdict on moving the state to the version `target_key`, and the move (migration.py)
# set_variable: an administrator corrects one top-level variable (data: {"name": ..., "value": ...});
# nothing runs, so a failed instance stays failed until it is retried
# set_task_data: one ready task's data changes (task_id; data: the values), nothing runs (转办 to a unit)
# reexecute: recorded inputs run one after another from `state` (data: {"inputs", "unit_keys"}), an
# observation after each (reexecution.py); a "migrate" input ends the request (target_key)
Operation = Literal[
    "create",
    "start",
    "complete",
    "advance",
    "retry",
    "move",
    "plan",
    "migrate",
    "set_variable",
    "set_task_data",
    "reexecute",
]


@dataclass(frozen=True)
class EngineRequest:
    op: Operation
    cache_key: str  # the definition version; its compiled spec is cached in the engine process
    now: datetime
    state: str | None = None  # None for "start"
    data: dict[str, Any] = field(default_factory=dict)  # start data, submission, or changed variables
    task_id: str | None = None  # for "complete"
    known_ready: frozenset[str] = frozenset()  # tasks already projected: their `due` is not evaluated again
    target_key: str | None = None  # for "plan" and "migrate": the version the state moves to
    advance: bool = True  # for "migrate": run the engine on the new version afterwards (not when suspended)


@dataclass
class EngineOutcome:
    state: str | None  # None: nothing could be saved (the previous state stays)
    data: dict[str, Any] = field(default_factory=dict)
    completed: bool = False
    next_wake: datetime | None = None
    record: StepRecord = field(default_factory=StepRecord)
    ready: list[ReadyTask] = field(default_factory=list)
    moves: list[TimerMove] = field(default_factory=list)
    task_not_ready: bool = False  # "complete" of a task the engine does not have ready
    plan: dict[str, Any] | None = None  # "plan" / "migrate": MigrationPlan.as_dict()
    waiting: list[str] = field(default_factory=list)  # element ids of the timers waiting after the command
    observations: list[dict[str, Any]] = field(default_factory=list)  # "reexecute": one per input run
    ready_data: list[list[str]] = field(default_factory=list)  # records.task_data_digests, of the full data
    completed_task_data: str | None = None  # "complete": records.data_digest of the task's data before it

    @classmethod
    def failed(cls, error: ExecutionFailed) -> EngineOutcome:
        return cls(state=None, record=StepRecord(error=error))


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def execute(
    engine: ProcessEngine,
    compiled: CompiledDefinition,
    request: EngineRequest,
    target: CompiledDefinition | None = None,
) -> EngineOutcome:
    """Run one command. Engine failures become `record.error`; nothing here raises for bad scripts.
    `target` is the compiled version a "plan" or "migrate" moves to."""
    now = request.now
    if request.op == "reexecute":
        from service.engine.reexecution import reexecute

        return reexecute(engine, compiled, request, target)
    if request.op in ("plan", "migrate"):
        assert target is not None and request.target_key is not None and request.state is not None
        return _migrate(engine, compiled, target, request)

    def clock() -> datetime:
        return now

    moves: list[TimerMove] = []
    if request.op in ("create", "start"):
        workflow = engine.new_workflow(compiled, request.data)
        if request.op == "create":
            return EngineOutcome(state=engine.dump(workflow, request.cache_key), data=json_safe(engine.data(workflow)))
    else:
        assert request.state is not None
        workflow = engine.load(compiled, request.state, request.cache_key)
    completed_digest = None
    if request.op == "complete":
        found = engine.find_task(workflow, str(request.task_id))
        if found is not None:  # which of several ready tasks of one element this was, for a re-execution
            completed_digest = data_digest(json_safe(dict(found.data)))
        try:
            record = engine.complete(workflow, str(request.task_id), request.data, clock)
        except LookupError:
            return EngineOutcome(state=None, task_not_ready=True)
    elif request.op == "set_task_data":
        try:
            engine.set_task_data(workflow, str(request.task_id), request.data)
        except LookupError:
            return EngineOutcome(state=None, task_not_ready=True)
        record = StepRecord()
    elif request.op == "set_variable":
        engine.set_variable(workflow, str(request.data["name"]), request.data.get("value"))
        record = StepRecord()
    elif request.op == "move":
        try:
            moves = engine.update_pending_data(workflow, request.data, clock)
        except Exception as exc:  # noqa: BLE001 - a timer expression that fails on the new value
            return EngineOutcome.failed(ExecutionFailed(readable_error(exc)))
        record = engine.advance(workflow, clock)
    else:
        if request.op == "retry":
            engine.reset_errors(workflow)
        record = engine.advance(workflow, clock)
    ready = engine.ready_user_tasks(workflow)
    for task in ready:
        task.data = json_safe(task.data)
    digests = task_data_digests(ready)  # before the projected tasks' data is cut down below
    for task in ready:
        if task.id in request.known_ready:  # already projected: only its unit is read again (the ledger)
            task.data = {"unit": task.data["unit"]} if isinstance(task.data.get("unit"), str) else {}
            continue
        if task.due_expression:
            engine.on_element(task.element_id, task.name)
            try:
                task.due = str(engine.evaluate(task.data, task.due_expression, clock))
            except Exception:  # noqa: BLE001 - a bad `due` must not stop the process: the default applies
                task.due = None
    try:
        state = engine.dump(workflow, request.cache_key)
    except (TypeError, ValueError, RecursionError) as exc:  # a value the checks in the sandbox missed
        return EngineOutcome.failed(ExecutionFailed(f"流程数据无法保存：{readable_error(exc)}"))
    extra = {"completed_task_data": completed_digest}
    return _outcome(engine, workflow, state, record, ready, moves=moves, ready_data=digests, **extra)


def _outcome(
    engine: ProcessEngine, workflow: Any, state: str, record: StepRecord, ready: list[ReadyTask], **extra: Any
) -> EngineOutcome:
    """What a command that ran leaves: the saved state and what the service reads from it."""
    completed = engine.is_completed(workflow)
    return EngineOutcome(
        state=state,
        data=json_safe(engine.data(workflow)),
        completed=completed,
        next_wake=None if completed or record.error else engine.next_wake(workflow),
        record=record,
        ready=ready,
        waiting=engine.waiting_timers(workflow),
        **extra,
    )


def _migrate(
    engine: ProcessEngine, compiled: CompiledDefinition, target: CompiledDefinition, request: EngineRequest
) -> EngineOutcome:
    """ "plan": the verdict only (state None). "migrate": the verdict and, when it can move, the state on
    the new version, checked to load again there, then advanced unless the instance is suspended."""
    from service.engine import migration

    assert request.state is not None and request.target_key is not None
    workflow = engine.load(compiled, request.state, request.cache_key)
    verdict, pairs = migration.plan(workflow, target)
    if request.op == "plan" or not verdict.can_move:
        return EngineOutcome(state=None, plan=verdict.as_dict())
    try:
        migration.migrate(workflow, target, pairs)
        workflow = engine.load(target, engine.dump(workflow, request.target_key), request.target_key)
    except Exception as exc:  # noqa: BLE001 - a state the new version cannot hold: refused, nothing changes
        verdict.can_move = False
        verdict.reasons.append(f"迁移后的状态无法在目标版本上载入：{readable_error(exc)}")
        return EngineOutcome(state=None, plan=verdict.as_dict())

    def clock() -> datetime:
        return request.now

    record = engine.advance(workflow, clock) if request.advance else StepRecord()
    ready = engine.ready_user_tasks(workflow)
    for task in ready:
        task.data = json_safe(task.data)
        if task.id not in request.known_ready and task.due_expression:
            try:
                task.due = str(engine.evaluate(task.data, task.due_expression, clock))
            except Exception:  # noqa: BLE001 - the default deadline applies
                task.due = None
    state = engine.dump(workflow, request.target_key)
    digests = task_data_digests(ready)
    return _outcome(engine, workflow, state, record, ready, plan=verdict.as_dict(), ready_data=digests)
