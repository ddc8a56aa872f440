"""What the caller may do to an instance now, and the administrator's list of instances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from service.access.principal import Principal
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput
from service.operations.rules import OPERATIONS, REASSIGN, STATUS_FILTERS, may
from service.process import instances


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
