"""Starting, reading and repairing process instances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service import history, progress, workdays
from service.context import ServiceContext
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.principal import Principal


def _business_number(uow: UnitOfWork, fmt: str, key: str, year: int) -> str:
    n = uow.counters.next(f"{key}:{year}")
    return fmt.format(year=year, n=n, key=key)


def start(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, process_key: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """发起: start an instance of the latest version and commit."""
    if not actor.may_start():
        raise Forbidden("您没有发起流程的权限")
    definition = uow.definitions.latest(process_key)
    if definition is not None and definition.started_by_service:
        raise InvalidInput(f"流程 {definition.name} 须从相关事项页面发起", {"process_key": ["不能直接发起"]})
    instance = begin(uow, ctx, actor, process_key, data)
    uow.commit()
    return instance


def begin(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, process_key: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """Start an instance without committing, for use cases that write more in the same transaction.
    The caller has checked who may start it."""
    if not isinstance(data, Mapping):
        raise InvalidInput("data 必须是对象", {"data": ["必须是对象"]})
    definition = uow.definitions.latest(process_key)
    if definition is None:
        raise NotFound(f"流程定义 {process_key} 不存在")
    now = ctx.now()
    compiled = ctx.compiled(uow, definition)
    workflow = ctx.engine.new_workflow(compiled, data)
    year = now.astimezone(workdays.SHANGHAI).year
    instance = ProcessInstance(
        definition_id=definition.id,
        process_key=definition.key,
        status="running",
        business_number=_business_number(uow, definition.number_format, definition.key, year),
        title=str(data.get("title") or definition.name)[:500],
        state="{}",
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
    record = ctx.engine.advance(workflow, lambda: now)
    progress.persist(uow, ctx, instance, workflow, record, actor.username, now, expected_version=1)
    return instance


def _may_read(uow: UnitOfWork, actor: Principal, instance: ProcessInstance) -> bool:
    if actor.sees_everything or actor.acting_lanes() or instance.started_by == actor.username:
        return True
    _, total = uow.tasks.search(
        state=None, instance_id=instance.id, lanes=[], unit_lane="承办单位", unit_code=actor.unit_code, limit=1
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


def search(uow: UnitOfWork, actor: Principal, **filters: Any) -> tuple[Sequence[ProcessInstance], int]:
    if not (actor.sees_everything or actor.acting_lanes()):
        filters.setdefault("started_by", actor.username)
    return uow.instances.search(**filters)


def retry(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: str) -> ProcessInstance:
    """Run a failed step again (after the definition or data was fixed). Admins only."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以重试出错的流程")
    instance = uow.instances.lock(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    if instance.status != "error":
        raise Conflict("该流程实例没有出错，无需重试")
    now = ctx.now()
    expected = instance.version
    workflow = ctx.load_workflow(uow, instance)
    ctx.engine.reset_errors(workflow)
    history.append(
        uow,
        instance.id,
        "admin_retry",
        actor.username,
        now,
        {"reason": reason, "before": {"status": "error", "error": instance.error_message}},
    )
    record = ctx.engine.advance(workflow, lambda: now)
    progress.persist(uow, ctx, instance, workflow, record, actor.username, now, expected)
    uow.commit()
    return instance
