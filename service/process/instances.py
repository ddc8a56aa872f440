"""Starting, reading and repairing process instances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import UNIT_LANES, Principal
from service.db.models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance
from service.db.queries.tasks import Acting
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest
from service.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessError
from service.process import history, progress, start_contract
from service.process.context import ServiceContext, cache_key
from service.process.names import INSPECTION_CAMPAIGN, INVITED, LEAD_UNIT


def _business_number(uow: UnitOfWork, fmt: str, key: str, year: int) -> str:
    n = uow.counters.next(f"{key}:{year}")
    return fmt.format(year=year, n=n, key=key)


def start(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, process_key: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """发起: start an instance of the latest version and commit. Who may start it and what the start may
    carry are the flow's own declarations (service.start_contract); nothing is written when refused."""
    uow.begin_read()
    data = start_contract.checked_start(uow, actor, process_key, data)
    definition = _latest(uow, process_key)
    definition_id, files, now = definition.id, ctx.files_of(uow, definition), ctx.now()
    request = EngineRequest(op="start", cache_key=cache_key(definition), now=now, data=dict(data))
    uow.end_read()  # the engine runs with no transaction open
    outcome = ctx.run_engine(files, request)
    if outcome.state is None:  # its process died in a start script: keep the instance, in 异常
        created = ctx.run_engine(files, replace(request, op="create"))
        outcome.state, outcome.data = created.state, created.data
    uow.begin_write()
    written = uow.definitions.get(definition_id)
    assert written is not None
    instance = _create(uow, ctx, actor, written, data, outcome, now)
    uow.commit()
    return instance


def begin(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, process_key: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """Start an instance without committing, for use cases that write more in the same transaction
    (the engine then runs while that transaction is open, within the engine limits).
    The caller has checked who may start it and what the start carries."""
    if not isinstance(data, Mapping):
        raise InvalidInput("data 必须是对象", {"data": ["必须是对象"]})
    definition = _latest(uow, process_key)
    now = ctx.now()
    request = EngineRequest(op="start", cache_key=cache_key(definition), now=now, data=dict(data))
    outcome = ctx.run_engine(ctx.files_of(uow, definition), request)
    if outcome.state is None:
        raise ProcessError(outcome.record.error.message if outcome.record.error else "流程无法发起")
    return _create(uow, ctx, actor, definition, data, outcome, now)


def _latest(uow: UnitOfWork, process_key: str) -> ProcessDefinition:
    definition = uow.definitions.latest(process_key)
    if definition is None:
        raise NotFound(f"流程定义 {process_key} 不存在")
    return definition


def _create(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    definition: ProcessDefinition,
    data: Mapping[str, Any],
    outcome: EngineOutcome,
    now: datetime,
) -> ProcessInstance:
    year = now.astimezone(workdays.SHANGHAI).year
    instance = ProcessInstance(
        definition_id=definition.id,
        process_key=definition.key,
        status="running",
        business_number=_business_number(uow, definition.number_format, definition.key, year),
        title=str(data.get("title") or definition.name)[:500],
        state=outcome.state or "{}",
        data=progress.json_safe(dict(data)),
        version=1,
        started_by=actor.username,
        started_at=now,
        updated_at=now,
    )
    uow.instances.add(instance)
    uow.instances.flush()
    history.append(
        uow,
        instance.id,
        "instance_started",
        actor.username,
        now,
        {"process_key": definition.key, "version": definition.version, "data": dict(data)},
    )
    progress.persist(uow, ctx, instance, outcome, actor.username, now, expected_version=1)
    return instance


def _may_read(uow: UnitOfWork, actor: Principal, instance: ProcessInstance) -> bool:
    if actor.sees_everything or actor.acting_lanes() or instance.started_by == actor.username:
        return True
    invited = (instance.data or {}).get(INVITED)
    if isinstance(invited, list) and actor.username in invited:
        return True  # a 人大代表 / 政协委员 invited to this campaign (004 §三.3)
    unit = actor.staff_unit
    if unit is None:
        return False
    if instance.process_key == INSPECTION_CAMPAIGN:
        if (instance.data or {}).get(LEAD_UNIT) == unit:
            return True  # the campaign's 牵头单位 (its staff act on its lead-unit tasks)
        if uow.campaigns.was_told(instance.id, unit):
            return True  # an inspected unit, which reads the 反馈意见 it was given (炎陵 §三(一)3)
    _, total = uow.tasks.search(
        state=None, instance_id=instance.id, acting=Acting(frozenset(), UNIT_LANES, unit), limit=1
    )
    return total > 0


def readable(uow: UnitOfWork, actor: Principal, instance_id: int) -> ProcessInstance:
    """The instance if the actor may read it; otherwise 404 (its existence is not revealed)."""
    instance = uow.instances.get(instance_id)
    if instance is None or not _may_read(uow, actor, instance):
        raise NotFound(f"流程实例 {instance_id} 不存在")
    return instance


def get(uow: UnitOfWork, actor: Principal, instance_id: int) -> tuple[ProcessInstance, Sequence[HumanTask]]:
    instance = readable(uow, actor, instance_id)
    return instance, uow.tasks.ready_for_instance(instance.id)


def view(
    uow: UnitOfWork, actor: Principal, instance_id: int, now: datetime
) -> tuple[ProcessInstance, Sequence[HumanTask]]:
    """`get` as a person reads it (GET /process-instances/<id>, the item page): an auditor's read is logged."""
    instance, ready = get(uow, actor, instance_id)
    ready = list(ready)
    audit_log.record_auditor_view(
        uow, actor, audit_log.AUDITOR_VIEWED_INSTANCE, now, instance.business_number, {"instance_id": instance.id}
    )
    return instance, ready


def verify_history(uow: UnitOfWork, actor: Principal, instance_id: int, now: datetime) -> history.Verification:
    """The chain check of a readable instance; an auditor's check is logged as a view of its history."""
    instance = readable(uow, actor, instance_id)
    result = history.verify(uow, instance.id)
    details = {"instance_id": instance.id, "what": "verify"}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_VIEWED_HISTORY, now, instance.business_number, details)
    return result


def history_of(uow: UnitOfWork, actor: Principal, instance_id: int, now: datetime) -> Sequence[HistoryEvent]:
    """Every history event of a readable instance, by seq; an auditor's read is logged."""
    instance = readable(uow, actor, instance_id)
    events = list(uow.history.for_instance(instance.id))
    audit_log.record_auditor_view(
        uow, actor, audit_log.AUDITOR_VIEWED_HISTORY, now, instance.business_number, {"instance_id": instance.id}
    )
    return events


def search(uow: UnitOfWork, actor: Principal, **filters: Any) -> tuple[Sequence[ProcessInstance], int]:
    if not (actor.sees_everything or actor.acting_lanes()):
        filters.setdefault("started_by", actor.username)
    return uow.instances.search(**filters)


def retry(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: str) -> ProcessInstance:
    """Run a failed step again (after the definition or data was fixed). Admins only.
    If it fails again the instance stays in 异常 with the new message; nothing is half-done."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以重试出错的流程")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 500:
        raise InvalidInput("请填写重试原因（500 字以内）", {"errors": {"reason": ["请填写重试原因（500 字以内）"]}})
    uow.begin_read()
    instance = uow.instances.get(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    if instance.status != "error":
        raise Conflict("该流程实例没有出错，无需重试")
    expected, error_message, now = instance.version, instance.error_message, ctx.now()
    files, request = ctx.engine_command(uow, instance, op="retry", now=now)
    uow.end_read()
    outcome = ctx.run_engine(files, request)
    uow.begin_write()
    instance = uow.instances.lock(instance_id)
    assert instance is not None
    if instance.version != expected or instance.status != "error":
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
    history.append(
        uow,
        instance.id,
        "admin_retry",
        actor.username,
        now,
        {
            "reason": reason,
            "before": {"status": "error", "error": error_message},
            "after": {"status": _status_after(outcome), "error": outcome.record.error and outcome.record.error.message},
        },
    )
    progress.persist(uow, ctx, instance, outcome, actor.username, now, expected)
    audit_log.record(uow, audit_log.INSTANCE_RETRIED, actor.username, now, str(instance_id), {"reason": reason})
    uow.commit()
    return instance


def _status_after(outcome: EngineOutcome) -> str:
    """The status `progress.persist` gives an instance for this outcome."""
    if outcome.state is None or outcome.record.error:
        return "error"
    return "completed" if outcome.completed else "running"
