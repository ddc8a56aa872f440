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

By concern: history_plan.py (the inputs and checkpoints read from the history), running.py (the engine
requests), comparison.py (a step against its checkpoint, the report); here, who may and the whole check.
"""

from __future__ import annotations

from typing import Any

from service.access import audit_log
from service.access.principal import ADMIN, AUDITOR, Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.errors import Forbidden, NotFound
from service.process import checkpoints
from service.process.context import ServiceContext, cache_key
from service.reexecution.comparison import Divergence, ReplayResult, compare, data_divergence, short, status_after
from service.reexecution.history_plan import Plan, plan_from
from service.reexecution.running import run_inputs


def may_replay(actor: Principal) -> bool:
    """审计 and the 系统管理员 re-execute instances (a reading: nothing is written)."""
    return bool(actor.roles & {AUDITOR, ADMIN})


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
    plan = plan_from(events)
    versions = _versions(uow, instance.process_key, plan, instance.definition)
    files = {v: dict(ctx.files_of(uow, d)) for v, d in versions.items()}
    keys = {v: cache_key(d) for v, d in versions.items()}
    stored_data, stored_status = dict(instance.data or {}), instance.status
    expected_after = dict(checkpoints.data_after_each(events))
    uow.end_read()  # the engine runs with no transaction open
    engine_steps = [s for s in plan.steps if s.input is not None]
    first_version = next((int(s.version) for s in engine_steps if s.version is not None), min(versions))
    observations, requests = run_inputs(ctx, engine_steps, first_version, keys, files)
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
                step.seq, step.element_id, "重新执行未能保存状态", "已保存", short(observed["error"])
            )
            return result
        status = status_after(step.input["op"], observed, status)
        if observed["saved"]:
            data = observed["data"]
        if step.checkpoint is not None and not plan.only_final:
            divergence = compare(step, observed, status, expected_after.get(step.checkpoint.seq, {}))
            if divergence is not None:
                result.consistent, result.divergence = False, divergence
                return result
        result.steps_checked += 1
    last_seq = events[-1].seq if events else 0
    if data != stored_data:
        result.consistent, result.divergence = False, data_divergence(last_seq, "", stored_data, data)
        result.divergence.message = "最终" + result.divergence.message
    elif status != stored_status:
        result.consistent = False
        result.divergence = Divergence(last_seq, "", "最终状态不一致", stored_status, status)
    return result


def _versions(uow: UnitOfWork, key: str, plan: Plan, current: ProcessDefinition) -> dict[int, ProcessDefinition]:
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


def all_ids(uow: UnitOfWork, status: str | None = None) -> list[int]:
    uow.begin_read()
    ids = list(uow.instances.ids(status=status))
    uow.end_read()
    return ids
