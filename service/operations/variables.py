"""更正流程变量: one top-level process variable set to a checked JSON value."""

from __future__ import annotations

import json
import re
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput, ProcessError
from service.ledger import project
from service.operations.records import ready_steps, record_checkpoint
from service.operations.rules import VARIABLES, authorize, check_applies, checked_reason, get_instance
from service.process import history, payload_bounds
from service.process.context import ServiceContext

NAME_MAX = 100
VALUE_MAX_BYTES = 64 * 1024  # one corrected variable, serialized as UTF-8 JSON
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # a name scripts read as a variable (as start variables are)


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
        instance = get_instance(uow, instance_id)
        authorize(actor, VARIABLES, instance)
        text = checked_reason(reason)
        key = _checked_variable(name, value)
        check_applies(VARIABLES, instance)
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
        check_applies(VARIABLES, instance)
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
        record_checkpoint(uow, actor, instance, outcome, status, now)
        if not uow.instances.save_state(instance, expected, values):
            raise Conflict("该流程实例已被他人同时修改，请刷新后重试")
        if instance.definition.in_ledger:
            ready = ready_steps(uow.tasks.ready_for_instance(instance.id))
            project(uow, instance, data=outcome.data, status=status, ready=ready, actor=actor.username, now=now)
        audit_log.record(uow, audit_log.VARIABLE_CORRECTED, actor.username, now, str(instance.id), payload)
        uow.commit()
        return instance
    raise Conflict("该流程实例正被频繁修改，请稍后重试")
