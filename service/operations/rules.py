"""Who may do which operation to an instance in which status, and the checks every operation makes first
(a reason, the status, the instance itself)."""

from __future__ import annotations

from typing import Any

from service.access.principal import OFFICE, Principal
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound

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


# The statuses an administrator filters instances by, in words.
STATUS_FILTERS = {
    "running": "运行中",
    "error": "异常",
    "suspended": "已挂起",
    "withdrawn": "已撤回",
    "completed": "已完成",
}


def may(actor: Principal, operation: str, instance: ProcessInstance) -> bool:
    """The permission rule alone (not the instance's state): 系统管理员 every operation; 督查室 withdraw and
    reassign on its items — the supervised items of the 台账 (flows that keep a ledger row)."""
    if actor.is_admin:
        return True
    return OFFICE in actor.roles and operation in OFFICE_OPERATIONS and instance.definition.in_ledger


def authorize(actor: Principal, operation: str, instance: ProcessInstance) -> None:
    if not may(actor, operation, instance):
        label = OPERATIONS[operation][0]
        raise Forbidden(f"您无权{label}此流程实例", {"operation": operation})


def checked_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > REASON_MAX:
        message = f"请填写操作原因（{REASON_MAX} 字以内）"
        raise InvalidInput(message, {"errors": {"reason": [message]}})
    return text


def check_applies(operation: str, instance: ProcessInstance) -> None:
    label, statuses = OPERATIONS[operation]
    if instance.status not in statuses:
        raise Conflict(
            f"流程实例当前状态为“{STATUS_FILTERS.get(instance.status, instance.status)}”，不能{label}",
            {"status": instance.status, "operation": operation},
        )


def get_instance(uow: UnitOfWork, instance_id: int) -> ProcessInstance:
    instance = uow.instances.get(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    return instance
