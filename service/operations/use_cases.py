"""The instance operations' use cases; the package docstring (service/operations/__init__.py) is their API."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import LEAD_LANE, OFFICE, UNIT_LANE, UNIT_LANES, Principal
from service.campaigns import rectification
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessError
from service.ledger import ReadyStep, project
from service.notifications import hooks as notification_hooks
from service.process import checkpoints, history, instances, payload_bounds
from service.process.context import ServiceContext
from service.process.names import LEAD_UNIT

SUSPEND, RESUME, WITHDRAW, RETRY, REASSIGN, VARIABLES = (
    "suspend",
    "resume",
    "withdraw",
    "retry",
    "reassign",
    "variables",
)
# Each operation, its Chinese name, and the instance statuses it applies to.
OPERATIONS: dict[str, tuple[str, frozenset[str]]] = {
    SUSPEND: ("挂起", frozenset({"running"})),
    RESUME: ("恢复", frozenset({"suspended"})),
    WITHDRAW: ("撤回", frozenset({"running", "suspended", "error"})),
    RETRY: ("重试", frozenset({"error"})),
    REASSIGN: ("转办", frozenset({"running", "suspended"})),
    VARIABLES: ("更正流程变量", frozenset({"running", "suspended", "error"})),
}
OFFICE_OPERATIONS = frozenset({WITHDRAW, REASSIGN})  # 督查室, within its items
REASON_MAX = 500
NAME_MAX = 100
VALUE_MAX_BYTES = 64 * 1024
_NAME = re.compile(
    r"[A-Za-z][A-Za-z0-9_]*"
)  # a name scripts read as a variable (as start variables are)  # one corrected variable, serialized as UTF-8 JSON


def may(actor: Principal, operation: str, instance: ProcessInstance) -> bool:
    """The permission rule alone (not the instance's state): 系统管理员 every operation; 督查室 withdraw and
    reassign on its items — the supervised items of the 台账 (flows that keep a ledger row)."""
    if actor.is_admin:
        return True
    return OFFICE in actor.roles and operation in OFFICE_OPERATIONS and instance.definition.in_ledger


def _authorize(actor: Principal, operation: str, instance: ProcessInstance) -> None:
    if not may(actor, operation, instance):
        label = OPERATIONS[operation][0]
        raise Forbidden(f"您无权{label}此流程实例", {"operation": operation})


def _reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > REASON_MAX:
        message = f"请填写操作原因（{REASON_MAX} 字以内）"
        raise InvalidInput(message, {"errors": {"reason": [message]}})
    return text


def _applies(operation: str, instance: ProcessInstance) -> None:
    label, statuses = OPERATIONS[operation]
    if instance.status not in statuses:
        raise Conflict(
            f"流程实例当前状态为“{STATUS_FILTERS.get(instance.status, instance.status)}”，不能{label}",
            {"status": instance.status, "operation": operation},
        )


def _instance(uow: UnitOfWork, instance_id: int) -> ProcessInstance:
    instance = uow.instances.get(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    return instance


def _ready_steps(tasks: Sequence[HumanTask]) -> list[ReadyStep]:
    return [ReadyStep(t.name, t.unit_code if t.lane in UNIT_LANES else None) for t in tasks]


def _ledger(uow: UnitOfWork, instance: ProcessInstance, status: str, actor: str, now: datetime) -> None:
    """The 台账 row follows the instance's new status (已挂起 / 已撤回, or back to its own on resume)."""
    if instance.definition.in_ledger:
        ready = _ready_steps(uow.tasks.ready_for_instance(instance.id)) if status != "withdrawn" else []
        project(uow, instance, data=instance.data or {}, status=status, ready=ready, actor=actor, now=now)


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
    _authorize(actor, operation, _instance(uow, instance_id))
    text = _reason(reason)
    uow.end_read()
    uow.begin_write()
    instance = uow.instances.lock(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    _applies(operation, instance)
    now = ctx.now()
    _set_status(uow, actor, instance, operation, kind, action, text, now)
    if operation == WITHDRAW:
        _withdraw_related(uow, ctx, actor, instance, text, now)
    uow.commit()
    return instance


def _checkpoint(
    uow: UnitOfWork,
    actor: Principal,
    instance: ProcessInstance,
    outcome: Any,
    status: str,
    now: datetime,
    after: dict[str, Any] | None = None,
) -> None:
    """The engine state changed (转办 to a unit, a corrected variable): the step's checkpoint event; `after`
    is the process data saved with it (by default the engine's)."""
    data = outcome.data if after is None else after
    checkpoints.record(
        uow, instance.id, before=instance.data, after=data, ready=outcome.ready,
        ready_data=outcome.ready_data, waiting=outcome.waiting,
        status=status, state=outcome.state, actor=actor.username, now=now,
    )  # fmt: skip


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
    _ledger(uow, instance, after, actor.username, now)
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
    _authorize(actor, RETRY, _instance(uow, instance_id))
    text = _reason(reason)
    uow.end_read()
    return instances.retry(uow, ctx, actor, instance_id, text)


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
            _checkpoint(uow, actor, instance, outcome, instance.status, now, after=instance.data or {})
        if not uow.instances.save_state(instance, expected, values):
            raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
        if instance.definition.in_ledger:  # the 台账's 当前环节 names the unit the task is with now
            ready = _ready_steps(uow.tasks.ready_for_instance(instance.id))
            status = instance.status
            project(uow, instance, data=instance.data or {}, status=status, ready=ready, actor=actor.username, now=now)
        notification_hooks.tasks_created(uow, ctx, [task], now)  # 新待办 to whoever acts on it now
        audit_log.record(uow, audit_log.TASK_REASSIGNED, actor.username, now, str(instance.id), payload)
        uow.commit()
        return task
    raise Conflict("该流程实例正被频繁修改，请稍后重试")


# The task-data key naming the unit a unit lane's task belongs to (service.process.events.task_unit).
UNIT_KEYS = {UNIT_LANE: "unit", LEAD_LANE: LEAD_UNIT}


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
    instance = uow.instances.lock(task.instance_id) if lock else _instance(uow, task.instance_id)
    assert instance is not None
    _authorize(actor, REASSIGN, instance)
    text = _reason(reason)
    if (unit is None) == (username is None):
        message = "请选择转办的单位或填写转办人（二选一）"
        raise InvalidInput(message, {"errors": {"unit": [message], "username": [message]}})
    _applies(REASSIGN, instance)
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


def _checked_variable(name: Any, value: Any) -> str:
    key = name.strip() if isinstance(name, str) else ""
    if len(key) > NAME_MAX or not _NAME.fullmatch(key):
        message = f"变量名须以英文字母开头，只含英文字母、数字和下划线（{NAME_MAX} 字符以内）"
        raise InvalidInput(message, {"errors": {"name": [message]}})
    try:
        payload_bounds.check({key: value}, "value")
    except InvalidInput as exc:
        problems = (exc.details.get("errors") or {}).get(key) or [exc.message]
        raise InvalidInput(f"变量值不被接受：{'；'.join(problems)}", {"errors": {"value": problems}}) from None
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if size > VALUE_MAX_BYTES:
        message = f"变量值序列化后不能超过 {VALUE_MAX_BYTES} 字节（现为 {size} 字节）"
        raise InvalidInput(message, {"errors": {"value": [message]}})
    return key


def correct_variable(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, reason: Any, name: Any, value: Any
) -> ProcessInstance:
    """更正流程变量 (系统管理员): set one top-level process variable to a JSON value, in the engine state
    (service.engine set_variable: nothing runs) and the data snapshot; the instance keeps its status (an
    instance in 异常 is then retried). History `variable_corrected` with the value before and after."""
    for _ in range(5):  # someone else saved the instance while the engine ran: do it again on their state
        uow.begin_read()
        instance = _instance(uow, instance_id)
        _authorize(actor, VARIABLES, instance)
        text = _reason(reason)
        key = _checked_variable(name, value)
        _applies(VARIABLES, instance)
        expected, now = instance.version, ctx.now()
        files, request = ctx.engine_command(
            uow, instance, op="set_variable", now=now, data={"name": key, "value": value}
        )
        uow.end_read()
        outcome = ctx.run_engine(files, request)
        if outcome.state is None:
            error = outcome.record.error
            raise ProcessError(f"变量未能更正：{error.message if error else '流程执行失败'}")
        uow.begin_write()
        locked = uow.instances.lock(instance_id)
        assert locked is not None
        if locked.version != expected:
            continue
        instance = locked
        _applies(VARIABLES, instance)
        old_data = dict(instance.data or {})
        payload = {
            "reason": text,
            "name": key,
            "before": {"present": key in old_data, "value": old_data.get(key)},
            "after": {"value": outcome.data.get(key, value)},
        }
        history.append(uow, instance.id, "variable_corrected", actor.username, now, payload)
        for task in uow.tasks.ready_for_instance(instance.id):  # what the task's form shows next
            if key in (task.data or {}):
                task.data = {**task.data, key: value}
        values: dict[str, Any] = {"state": outcome.state, "data": outcome.data, "updated_at": now}
        if instance.status in ("running", "suspended"):
            values["next_wake_at"] = outcome.next_wake
        title = outcome.data.get("title")
        if key == "title" and isinstance(title, str) and title.strip():
            values["title"] = title.strip()[:500]
        status = instance.status
        _checkpoint(uow, actor, instance, outcome, status, now)
        if not uow.instances.save_state(instance, expected, values):
            raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
        if instance.definition.in_ledger:
            ready = _ready_steps(uow.tasks.ready_for_instance(instance.id))
            project(uow, instance, data=outcome.data, status=status, ready=ready, actor=actor.username, now=now)
        audit_log.record(uow, audit_log.VARIABLE_CORRECTED, actor.username, now, str(instance.id), payload)
        uow.commit()
        return instance
    raise Conflict("该流程实例正被频繁修改，请稍后重试")


@dataclass(frozen=True)
class Available:
    """What the caller may do to the instance now (its state and their permission), for the pages and UI."""

    instance_id: int
    status: str
    operations: list[str]
    labels: dict[str, str]
    tasks: list[HumanTask] = field(default_factory=list)  # ready tasks the caller may reassign


def available(uow: UnitOfWork, actor: Principal, instance_id: int) -> Available:
    instance = instances.readable(uow, actor, instance_id)
    allowed = [
        op for op, (_, statuses) in OPERATIONS.items() if instance.status in statuses and may(actor, op, instance)
    ]
    ready = list(uow.tasks.ready_for_instance(instance.id)) if REASSIGN in allowed else []
    if REASSIGN in allowed and not ready:
        allowed.remove(REASSIGN)
    return Available(instance.id, instance.status, allowed, {op: OPERATIONS[op][0] for op in allowed}, ready)


def list_instances(
    uow: UnitOfWork,
    actor: Principal,
    *,
    process_key: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[ProcessInstance], int]:
    """The administrator's list of instances (/admin/instances), by process and status; 系统管理员 only."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以管理流程实例")
    if status and status not in STATUS_FILTERS:
        raise InvalidInput("状态无效", {"errors": {"status": ["状态无效"]}})
    return uow.instances.search(
        process_key=process_key or None, status=status or None, offset=offset, limit=min(limit, 200)
    )


# The statuses an administrator filters instances by, in words.
STATUS_FILTERS = {
    "running": "运行中",
    "error": "异常",
    "suspended": "已挂起",
    "withdrawn": "已撤回",
    "completed": "已完成",
}
