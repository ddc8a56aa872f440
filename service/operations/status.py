"""挂起, 恢复, 撤回 (a status change, no engine step) and 重试 (the engine runs again)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.campaigns import rectification
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, NotFound
from service.operations.records import project_ledger
from service.operations.rules import (
    OPERATIONS,
    RESUME,
    RETRY,
    SUSPEND,
    WITHDRAW,
    authorize,
    check_applies,
    checked_reason,
    get_instance,
)
from service.process import history, instances
from service.process.context import ServiceContext


def _change_status(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    instance_id: int,
    reason: Any,
    operation: str,
    kind: str,
    action: str,
) -> ProcessInstance:
    """Suspend, resume, withdraw: no engine step, only the status (and, when withdrawn, the tasks)."""
    uow.begin_read()
    authorize(actor, operation, get_instance(uow, instance_id))
    text = checked_reason(reason)
    uow.end_read()
    uow.begin_write()
    instance = uow.instances.lock(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    check_applies(operation, instance)
    now = ctx.now()
    _set_status(uow, actor, instance, operation, kind, action, text, now)
    if operation == WITHDRAW:
        _withdraw_related(uow, ctx, actor, instance, text, now)
    uow.commit()
    return instance


def _set_status(
    uow: UnitOfWork,
    actor: Principal,
    instance: ProcessInstance,
    operation: str,
    kind: str,
    action: str,
    text: str,
    now: datetime,
) -> None:
    """One locked instance's new status, with its history event, 台账 row and audit entry."""
    before = instance.status
    after = {SUSPEND: "suspended", RESUME: "running", WITHDRAW: "withdrawn"}[operation]
    values: dict[str, Any] = {"status": after, "updated_at": now}
    cancelled: list[str] = []
    if operation == WITHDRAW:
        for task in uow.tasks.ready_for_instance(instance.id):  # they leave every 待办 list
            task.state, task.completed_at = "cancelled", now
            cancelled.append(task.id)
        values["next_wake_at"] = None  # nothing of a withdrawn item fires again
    payload: dict[str, Any] = {"reason": text, "before": {"status": before}, "after": {"status": after}}
    if cancelled:
        payload["cancelled_tasks"] = cancelled
    history.append(uow, instance.id, kind, actor.username, now, payload)
    if not uow.instances.save_state(instance, instance.version, values):
        raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
    project_ledger(uow, instance, after, actor.username, now)
    audit_log.record(uow, action, actor.username, now, str(instance.id), payload)


def _withdraw_related(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance: ProcessInstance, text: str, now: datetime
) -> None:
    """A withdrawn campaign takes its rectification items along (left running they would sit in the units'
    待办 reporting to nothing; those not yet created never are); a withdrawn rectification item no longer
    holds its campaign back (the campaign goes on when every other item is concluded)."""
    cascaded = f"随专项督查“{instance.title or instance.id}”撤回：{text}"
    for item_id in uow.campaigns.item_ids(instance.id):
        item = uow.instances.lock(item_id)
        if item is not None and item.status in OPERATIONS[WITHDRAW][1]:
            _set_status(uow, actor, item, WITHDRAW, "instance_withdrawn", audit_log.INSTANCE_WITHDRAWN, cascaded, now)
    link = uow.campaigns.of_item(instance.id)
    if link is not None:
        rectification.resume_if_done(uow, ctx, link.campaign_id)


def suspend(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: Any) -> ProcessInstance:
    """挂起 a running instance: its tasks cannot be completed and its timers do not fire until resumed."""
    return _change_status(
        uow, ctx, actor, instance_id, reason, SUSPEND, "instance_suspended", audit_log.INSTANCE_SUSPENDED
    )


def resume(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: Any) -> ProcessInstance:
    """恢复 a suspended instance; timers that fell due meanwhile fire on the scheduler's next pass."""
    return _change_status(uow, ctx, actor, instance_id, reason, RESUME, "instance_resumed", audit_log.INSTANCE_RESUMED)


def withdraw(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: Any) -> ProcessInstance:
    """撤回 (terminate) an instance for good, e.g. an item started by mistake: its ready tasks are cancelled,
    its timers cleared, the 台账 shows it 已撤回. A withdrawn instance cannot be resumed."""
    return _change_status(
        uow, ctx, actor, instance_id, reason, WITHDRAW, "instance_withdrawn", audit_log.INSTANCE_WITHDRAWN
    )


def retry(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: Any) -> ProcessInstance:
    """重试 an instance in 异常 after its cause was fixed: the engine runs again from where it failed
    (the failed tasks are made ready and run). If it fails again it stays in 异常 with the new message.
    The engine step, its history (`admin_retry`, before/after) and the audit entry are
    service.process.instances.retry's, which other use cases (e.g. a migration) call directly."""
    uow.begin_read()
    authorize(actor, RETRY, get_instance(uow, instance_id))
    text = checked_reason(reason)
    uow.end_read()
    return instances.retry(uow, ctx, actor, instance_id, text)
