"""重新执行核对: run an instance's recorded inputs through the engine again, on the definition version(s) it
ran on, and compare with what was stored after every step (docs/decisions/0021-reexecution.md).

The inputs, read from the history in order:
- `instance_started`: the start data, on the version it names;
- `task_completed`: the element id, the unit and the submitted data (the actor is reported, the engine
  never sees it);
- a `checkpoint` with no input before it: the scheduler's timer firing (`advance`) at the checkpoint's `at`;
- `variable_corrected` (set_variable), `task_reassigned` to another unit (set_task_data), `migrated` (onto
  the target version), `deadline_extended` / `deadline_recomputed` (move), `admin_retry` (retry).
Every command ends with its `checkpoint` (service.process.checkpoints); each input runs at that
checkpoint's `at`, the time the command ran with. After each, the re-executed process data, ready user
tasks, waiting timers, each ready task's own data (by digest: a subprocess's or a unit branch's values
live only there) and status are compared with the checkpoint. `state_sha256` cannot be compared:
SpiffWorkflow gives every task a random id, so two runs never serialize alike. Then the final data and
status are compared with the instance row.

An instance whose history has no checkpoint for its start (older than the checkpoints) is re-run from its
inputs alone and compared at the end only (仅核对最终状态): its timer firings are taken from the
`timer_fired` events of the scheduler.

The engine runs in an engine process, like every command on untrusted diagrams: one request carries up
to CHUNK inputs of one definition version (op "reexecute"); a longer history, or a migration, continues
in the next request from the returned state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from service.access import audit_log
from service.access.principal import ADMIN, AUDITOR, LEAD_LANE, UNIT_LANE, Principal
from service.db.models import HistoryEvent, ProcessDefinition
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest
from service.errors import Forbidden, NotFound
from service.process import checkpoints
from service.process.context import ServiceContext, cache_key
from service.process.names import LEAD_UNIT
from service.process.scheduler import SYSTEM_ACTOR

CHUNK = 100  # inputs per engine request: one item of 300 rounds is a handful of round-trips
TRUNCATE = 300  # characters of an expected / actual value in a report
UNIT_KEYS = {UNIT_LANE: "unit", LEAD_LANE: LEAD_UNIT}  # as service.operations.use_cases.UNIT_KEYS
MOVE_KINDS = frozenset({"deadline_extended", "deadline_recomputed"})
STATUS_KINDS = {"instance_suspended": "suspended", "instance_resumed": "running", "instance_withdrawn": "withdrawn"}
FINAL_ONLY = "仅核对最终状态"


def may_replay(actor: Principal) -> bool:
    """审计 and the 系统管理员 re-execute instances (a reading: nothing is written)."""
    return bool(actor.roles & {AUDITOR, ADMIN})


@dataclass
class Divergence:
    seq: int
    element_id: str
    message: str
    expected: Any = None
    actual: Any = None


@dataclass
class ReplayResult:
    instance_id: int
    consistent: bool
    steps_checked: int
    only_final: bool
    divergence: Divergence | None = None
    requests: int = 0  # engine round-trips

    def words(self) -> str:
        if self.consistent:
            return "一致" + (f"（{FINAL_ONLY}）" if self.only_final else "")
        d = self.divergence
        assert d is not None
        where = f"第 {d.seq} 号事件" + (f"（环节 {d.element_id}）" if d.element_id else "")
        return f"不一致：{where}{d.message}；应为 {_show(d.expected)}，实为 {_show(d.actual)}"


@dataclass
class _Step:
    """One engine command to run again (`input` goes to the engine), or a status change of the row."""

    seq: int  # the input event's seq (the checkpoint's for a timer firing)
    input: dict[str, Any] | None
    element_id: str = ""
    checkpoint: HistoryEvent | None = None
    status: str | None = None  # a status change without engine work (挂起, 恢复, 撤回, a failed step)
    version: int | None = None  # "start" / "migrate": the definition version it runs on / moves to


@dataclass
class _Plan:
    steps: list[_Step] = field(default_factory=list)
    only_final: bool = False


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _input_of(event: HistoryEvent, at: datetime, running: bool = True) -> _Step | None:
    """The engine input an event records (run at `at`), or None when it records none. `running`: the
    instance was running before it (a migration then advances the engine, as jobs._move_one does)."""
    p, kind = event.payload or {}, event.kind
    if kind == "instance_started":
        step = {"op": "start", "at": at, "data": p.get("data") or {}}
        return _Step(event.seq, step, version=p.get("version"))
    if kind == "task_completed":
        element = str(p.get("element_id") or "")
        step = {"op": "complete", "at": at, "element_id": element, "unit": p.get("unit"), "data": p.get("data") or {}}
        return _Step(event.seq, step | {"actor": event.actor}, element_id=element)
    if kind == "task_reassigned":
        before, after = p.get("before") or {}, p.get("after") or {}
        if not after.get("unit") or after.get("unit") == before.get("unit") or after.get("assignee"):
            return None  # to a person: the engine state does not change
        element = str(p.get("element_id") or "")
        step = {"op": "set_task_data", "at": at, "element_id": element, "unit": before.get("unit")}
        return _Step(event.seq, step | {"new_unit": after["unit"]}, element_id=element)
    if kind == "variable_corrected":
        value = (p.get("after") or {}).get("value")
        return _Step(event.seq, {"op": "set_variable", "at": at, "data": {"name": p.get("name"), "value": value}})
    if kind in MOVE_KINDS and "new" in p and "timers" in p:
        return _Step(event.seq, {"op": "move", "at": at, "data": {"deadline": p["new"]}})
    if kind == "migrated":
        return _Step(event.seq, {"op": "migrate", "at": at, "advance": running}, version=p.get("to_version"))
    if kind == "admin_retry":
        return _Step(event.seq, {"op": "retry", "at": at})
    return None


def _plan(events: Sequence[HistoryEvent]) -> _Plan:
    """The steps of a history. Each command's input precedes its checkpoint; a checkpoint with no input
    before it is a timer firing (or a step the scheduler took) at its time."""
    first_checkpoint = next((e.seq for e in events if e.kind == checkpoints.KIND), None)
    inputs = [e.seq for e in events if _input_of(e, _utc(e.at)) is not None]
    second_input = inputs[1] if len(inputs) > 1 else None
    only_final = first_checkpoint is None or (second_input is not None and first_checkpoint > second_input)
    plan = _Plan(only_final=only_final)
    pending: _Step | None = None
    timer_element = ""
    last_at: datetime | None = None
    recorded = "running"  # the status as recorded so far: whether a migration advanced the engine
    for event in events:
        at = _utc(event.at)
        if event.kind in STATUS_KINDS:
            plan.steps.append(_Step(event.seq, None, status=STATUS_KINDS[event.kind]))
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
                step = _Step(event.seq, {"op": "advance", "at": at}, element_id=timer_element)
            if step is not None:
                plan.steps.append(step)
                last_at = at
            continue
        if event.kind == checkpoints.KIND:
            step = pending or _Step(event.seq, {"op": "advance"}, element_id=timer_element)
            assert step.input is not None
            step.input["at"] = at  # the time the command ran with (its events share it)
            step.checkpoint = event
            plan.steps.append(step)
            pending, timer_element = None, ""
            continue
        if event.kind == "error" and pending is None:
            plan.steps.append(_Step(event.seq, None, status="error"))  # a step that could not be saved
            continue
        found = _input_of(event, at, running)
        if found is not None:
            pending = found
    return plan


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= TRUNCATE else text[:TRUNCATE] + "…"


def _short(value: Any) -> Any:
    """A value for the report: itself, or its JSON text cut at TRUNCATE characters."""
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return value if len(text) <= TRUNCATE else text[:TRUNCATE] + "…"


def _status_after(op: str, observed: Mapping[str, Any], before: str | None) -> str:
    """The status the command gave the instance (service.process.progress.persist and the operations)."""
    if not observed["saved"]:
        return "error"
    if op in ("set_variable", "set_task_data"):
        return before or "running"
    if op == "migrate" and before not in (None, "running"):
        return str(before)  # a suspended instance stays suspended, one in error stays in error
    status = "error" if observed["error"] else ("completed" if observed["completed"] else "running")
    return "suspended" if status == "running" and before == "suspended" else status


def _data_divergence(seq: int, element: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> Divergence:
    keys = sorted(k for k in expected.keys() | actual.keys() if expected.get(k, ...) != actual.get(k, ...))
    return Divergence(
        seq,
        element,
        f"流程数据不一致（{'、'.join(keys[:10])}{'等' if len(keys) > 10 else ''}）",
        _short({k: expected[k] for k in keys if k in expected}),
        _short({k: actual[k] for k in keys if k in actual}),
    )


def _compare(step: _Step, observed: Mapping[str, Any], status: str, expected_data: dict[str, Any]) -> Divergence | None:
    checkpoint = step.checkpoint
    assert checkpoint is not None
    p = checkpoint.payload or {}
    where = step.element_id
    if observed["data"] != expected_data:
        return _data_divergence(step.seq, where, expected_data, observed["data"])
    for name, label in (("ready", "待办环节"), ("waiting", "等待中的定时器")):
        if sorted(p.get(name) or []) != observed[name]:
            return Divergence(step.seq, where, f"{label}不一致", sorted(p.get(name) or []), observed[name])
    if p.get("status") != status:
        return Divergence(step.seq, where, "状态不一致", p.get("status"), status)
    if "ready_data" in p and p["ready_data"] != observed["ready_data"]:  # absent in older checkpoints
        stored = {tuple(pair) for pair in p["ready_data"]}
        differing = sorted({e for e, _ in stored.symmetric_difference(tuple(x) for x in observed["ready_data"])})
        return Divergence(
            step.seq,
            where,
            f"待办任务中的数据不一致（{'、'.join(differing[:10])}）",
            p["ready_data"],
            observed["ready_data"],
        )
    return None


def _versions(uow: UnitOfWork, key: str, plan: _Plan, current: ProcessDefinition) -> dict[int, ProcessDefinition]:
    found: dict[int, ProcessDefinition] = {}
    for step in plan.steps:
        if step.version is not None and step.version not in found:
            definition = uow.definitions.version(key, int(step.version))
            if definition is None:
                raise NotFound(f"流程定义 {key} 第 {step.version} 版不存在")
            found[int(step.version)] = definition
    if not found:
        found[current.version] = current  # no start recorded: the instance's own version
    return found


def replay_check(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int) -> ReplayResult:
    """Re-execute one instance and compare (reading only). 审计 and 系统管理员."""
    if not may_replay(actor):
        raise Forbidden("只有审计人员和系统管理员可以重新执行核对")
    result = check(uow, ctx, instance_id)
    instance = uow.instances.get(instance_id)
    if instance is not None:  # an auditor's re-execution reads the whole history: logged as a view of it
        details = {"instance_id": instance_id, "what": "replay_check", "consistent": result.consistent}
        audit_log.record_auditor_view(
            uow, actor, audit_log.AUDITOR_VIEWED_HISTORY, ctx.now(), instance.business_number, details
        )
    return result


def check(uow: UnitOfWork, ctx: ServiceContext, instance_id: int) -> ReplayResult:
    """The re-execution itself, for a caller that has checked who asks (the CLI, the test suite)."""
    uow.begin_read()
    instance = uow.instances.get(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    events = list(uow.history.for_instance(instance_id))
    plan = _plan(events)
    versions = _versions(uow, instance.process_key, plan, instance.definition)
    files = {v: dict(ctx.files_of(uow, d)) for v, d in versions.items()}
    keys = {v: cache_key(d) for v, d in versions.items()}
    stored_data, stored_status = dict(instance.data or {}), instance.status
    expected_after = dict(checkpoints.data_after_each(events))
    uow.end_read()  # the engine runs with no transaction open
    engine_steps = [s for s in plan.steps if s.input is not None]
    first_version = next((int(s.version) for s in engine_steps if s.version is not None), min(versions))
    observations, requests = _run(ctx, engine_steps, first_version, keys, files)
    result = ReplayResult(instance_id, True, 0, plan.only_final, requests=requests)
    status: str | None = None
    data: dict[str, Any] = {}
    observed_iter = iter(observations)
    for step in plan.steps:
        if step.input is None:
            status = step.status
            continue
        observed = next(observed_iter, None)
        if observed is None:  # the engine stopped before this input (a previous one went wrong)
            break
        if observed["missing_task"]:
            result.consistent = False
            result.divergence = Divergence(
                step.seq, step.element_id, "记录中办理的任务在重新执行中不是待办", step.element_id, observed["ready"]
            )
            return result
        if not observed["saved"] and step.checkpoint is not None:
            result.consistent = False
            result.divergence = Divergence(
                step.seq, step.element_id, "重新执行未能保存状态", "已保存", _short(observed["error"])
            )
            return result
        status = _status_after(step.input["op"], observed, status)
        if observed["saved"]:
            data = observed["data"]
        if step.checkpoint is not None and not plan.only_final:
            divergence = _compare(step, observed, status, expected_after.get(step.checkpoint.seq, {}))
            if divergence is not None:
                result.consistent, result.divergence = False, divergence
                return result
        result.steps_checked += 1
    last_seq = events[-1].seq if events else 0
    if data != stored_data:
        result.consistent, result.divergence = False, _data_divergence(last_seq, "", stored_data, data)
        result.divergence.message = "最终" + result.divergence.message
    elif status != stored_status:
        result.consistent = False
        result.divergence = Divergence(last_seq, "", "最终状态不一致", stored_status, status)
    return result


def _run(
    ctx: ServiceContext,
    steps: list[_Step],
    version: int,
    keys: Mapping[int, str],
    files: Mapping[int, Mapping[str, bytes]],
) -> tuple[list[dict[str, Any]], int]:
    """Every input through the engine process, CHUNK at a time and one definition version a request."""
    observations: list[dict[str, Any]] = []
    state: str | None = None
    position, requests = 0, 0
    while position < len(steps):
        chunk: list[_Step] = []
        target: int | None = None
        for step in steps[position : position + CHUNK]:
            chunk.append(step)
            if step.input is not None and step.input["op"] == "migrate":
                target = int(step.version) if step.version is not None else None
                break
        now = chunk[0].input["at"] if chunk[0].input else datetime.now(UTC)
        request = EngineRequest(
            op="reexecute",
            cache_key=keys[version],
            now=now,
            state=state,
            data={"inputs": [s.input for s in chunk], "unit_keys": UNIT_KEYS},
            target_key=keys[target] if target is not None else None,
        )
        outcome: EngineOutcome = ctx.run_engine(files[version], request, files[target] if target is not None else None)
        requests += 1
        if outcome.record.error is not None and not outcome.observations:  # the engine process itself failed
            observations.append(_failed(outcome.record.error.message))
            break
        observations.extend(outcome.observations)
        state = outcome.state
        if len(outcome.observations) < len(chunk):
            break  # the engine stopped at an input it could not run: reported there
        if target is not None:
            if not outcome.observations[-1]["saved"]:
                break  # the migration did not happen again: reported there
            version = target
        position += len(chunk)
    return observations, requests


def _failed(message: str) -> dict[str, Any]:
    return {
        "saved": False,
        "data": {},
        "ready": [],
        "waiting": [],
        "completed": False,
        "error": message,
        "missing_task": None,
    }


def all_ids(uow: UnitOfWork, status: str | None = None) -> list[int]:
    uow.begin_read()
    ids = list(uow.instances.ids(status=status))
    uow.end_read()
    return ids
