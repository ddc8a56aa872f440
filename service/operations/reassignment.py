"""转办: a ready task to another unit or to one named person."""

from __future__ import annotations

from typing import Any

from service.access import audit_log
from service.access.principal import UNIT_LANES, Principal
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput, NotFound, ProcessError
from service.ledger import project
from service.notifications import hooks as notification_hooks
from service.operations.records import ready_steps, record_checkpoint
from service.operations.rules import REASSIGN, authorize, check_applies, checked_reason, get_instance
from service.process import history
from service.process.context import ServiceContext
from service.process.events import UNIT_KEYS


def reassign(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    task_id: str,
    reason: Any,
    *,
    unit: str | None = None,
    username: str | None = None,
) -> HumanTask:
    """转办 a ready user task to another unit (a 承办单位 / 牵头单位 task) or to one named person (any task):
    the new unit's staff or that person see it in 待办 and are notified (新待办); the former no longer see it.
    A task moved to another unit carries the new unit in its data (engine op set_task_data), so the steps
    after it in its branch (e.g. the unit 负责人's confirmation) go to that unit too."""
    unit, username = (unit or "").strip() or None, (username or "").strip() or None
    for _ in range(5):  # someone else saved the instance while the engine ran: do it again on their state
        uow.begin_read()
        task, instance, text = _reassignable(uow, actor, task_id, reason, unit, username)
        expected, now, outcome = instance.version, ctx.now(), None
        if unit is not None:
            key = UNIT_KEYS[str(task.lane)]
            files, request = ctx.engine_command(
                uow, instance, op="set_task_data", now=now, data={key: unit}, task_id=task.id
            )
            uow.end_read()
            outcome = ctx.run_engine(files, request)
            if outcome.task_not_ready:
                raise Conflict("该任务已办理或已取消，不能转办")
            if outcome.state is None:
                error = outcome.record.error
                raise ProcessError(f"未能转办：{error.message if error else '流程执行失败'}")
        uow.begin_write()
        task, instance, text = _reassignable(uow, actor, task_id, reason, unit, username, lock=True)
        if instance.version != expected:
            continue
        before = {"unit": task.unit_code, "assignee": task.assignee}
        if unit is not None:
            task.unit_code, task.assignee = unit, None
            task.data = {**(task.data or {}), UNIT_KEYS[str(task.lane)]: unit}
        else:
            task.assignee = username
        after = {"unit": task.unit_code, "assignee": task.assignee}
        payload = {
            "reason": text,
            "task_id": task.id,
            "element_id": task.element_id,
            "name": task.name,
            "before": before,
            "after": after,
        }
        history.append(uow, instance.id, "task_reassigned", actor.username, now, payload)
        uow.tasks.flush()
        values: dict[str, Any] = {"updated_at": now}
        if outcome is not None:
            values["state"] = outcome.state
            record_checkpoint(uow, actor, instance, outcome, instance.status, now, after=instance.data or {})
        if not uow.instances.save_state(instance, expected, values):
            raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
        if instance.definition.in_ledger:  # the 台账's 当前环节 names the unit the task is with now
            ready = ready_steps(uow.tasks.ready_for_instance(instance.id))
            status = instance.status
            project(uow, instance, data=instance.data or {}, status=status, ready=ready, actor=actor.username, now=now)
        notification_hooks.tasks_created(uow, ctx, [task], now)  # 新待办 to whoever acts on it now
        audit_log.record(uow, audit_log.TASK_REASSIGNED, actor.username, now, str(instance.id), payload)
        uow.commit()
        return task
    raise Conflict("该流程实例正被频繁修改，请稍后重试")


def _reassignable(
    uow: UnitOfWork,
    actor: Principal,
    task_id: str,
    reason: Any,
    unit: str | None,
    username: str | None,
    *,
    lock: bool = False,
) -> tuple[HumanTask, ProcessInstance, str]:
    """Every check of a reassignment, in the read phase and again under the lock."""
    task = uow.tasks.get(task_id)
    if task is None or not actor.may_see(task):
        raise NotFound(f"任务 {task_id} 不存在")
    instance = uow.instances.lock(task.instance_id) if lock else get_instance(uow, task.instance_id)
    assert instance is not None
    authorize(actor, REASSIGN, instance)
    text = checked_reason(reason)
    if (unit is None) == (username is None):
        message = "请选择转办的单位或填写转办人（二选一）"
        raise InvalidInput(message, {"errors": {"unit": [message], "username": [message]}})
    check_applies(REASSIGN, instance)
    if task.state != "ready":
        raise Conflict("该任务已办理或已取消，不能转办", {"state": task.state})
    if unit is not None:
        _check_unit(uow, task, unit)
    else:
        assert username is not None
        _check_person(uow, task, username)
    return task, instance, text


def _check_unit(uow: UnitOfWork, task: HumanTask, unit: str) -> None:
    if task.lane not in UNIT_LANES:
        message = "只有承办单位或牵头单位的任务可以转给其他单位；其他任务请转给具体人员"
        raise InvalidInput(message, {"errors": {"unit": [message]}})
    found = uow.units.by_code(unit)
    if found is None or not found.active:
        raise InvalidInput("单位不存在或已停用", {"errors": {"unit": ["单位不存在或已停用"]}})
    if unit == task.unit_code and task.assignee is None:
        raise InvalidInput("任务已在该单位", {"errors": {"unit": ["任务已在该单位"]}})


def _check_person(uow: UnitOfWork, task: HumanTask, username: str) -> None:
    user = uow.users.by_username(username)
    if user is None or not user.active:
        raise InvalidInput("用户不存在或已停用", {"errors": {"username": ["用户不存在或已停用"]}})
    if task.assignee == username:
        raise InvalidInput("任务已转给该用户", {"errors": {"username": ["任务已转给该用户"]}})
