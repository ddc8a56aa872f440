"""What an operation writes beside its history event: the 台账 row in step with the instance, and the
checkpoint of a changed engine state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service.access.principal import UNIT_LANES, Principal
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.ledger import ReadyStep, project
from service.process import checkpoints


def ready_steps(tasks: Sequence[HumanTask]) -> list[ReadyStep]:
    return [ReadyStep(t.name, t.unit_code if t.lane in UNIT_LANES else None) for t in tasks]


def project_ledger(uow: UnitOfWork, instance: ProcessInstance, status: str, actor: str, now: datetime) -> None:
    """The 台账 row follows the instance's new status (已挂起 / 已撤回, or back to its own on resume)."""
    if instance.definition.in_ledger:
        ready = ready_steps(uow.tasks.ready_for_instance(instance.id)) if status != "withdrawn" else []
        project(uow, instance, data=instance.data or {}, status=status, ready=ready, actor=actor, now=now)


def record_checkpoint(
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
