"""延期申请: the lead unit's head files it before the deadline (reason, new date); 督查室 reviews, the
leader approves (flow `deadline_extension`); when approved, the item's deadline and its live reminder
timers move. The item's own history records the request and the outcome; the flow records each step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import workdays
from service.access.principal import UNIT_LANE, Principal
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.deadlines import checks, moving, notices
from service.errors import Conflict, Forbidden, InvalidInput
from service.process import history, instances, names
from service.process.context import ServiceContext
from service.process.events import StepSaved

EXTENSION_PROCESS = names.DEADLINE_EXTENSION
UNIT_HEAD = "负责人"  # users.position of a unit's head


@dataclass(frozen=True)
class Extension:
    """One 延期申请 as the item page and the API show it."""

    instance_id: int
    business_number: str
    unit: str
    requested_deadline: str
    reason: str
    filed_by: str
    filed_at: datetime
    result: str  # pending / approved / rejected
    approved_deadline: str | None


def file(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, item_id: int, *, requested_deadline: Any, reason: Any
) -> ProcessInstance:
    """File a 延期申请 for the item; commits. Only the head of the item's lead unit may."""
    user = uow.users.by_username(actor.username)
    if UNIT_LANE not in actor.roles or user is None or user.position != UNIT_HEAD:
        raise Forbidden("只有承办单位负责人可以提出延期申请")
    item = checks.handling_item(uow, item_id, lock=True)
    data = item.data or {}
    if actor.unit_code != data.get("lead_unit"):
        raise Forbidden("延期申请由牵头单位负责人提出")
    deadline = workdays.as_date(str(data["deadline"]))
    now = ctx.now()
    if now >= workdays.deadline_end(deadline):
        message = f"已超过完成时限（{deadline.isoformat()}），不能再申请延期"
        raise InvalidInput(message, {"errors": {"requested_deadline": [message]}})
    new = checks.parse_date("requested_deadline", requested_deadline, after=deadline, after_text="现完成时限")
    why = checks.text("reason", reason, "延期理由")
    if any(e.status == "running" for e in uow.deadlines.extensions_for(EXTENSION_PROCESS, item.id)):
        raise Conflict("该事项已有延期申请正在审批，请等待结果")
    names = uow.units.names()
    started = instances.begin(
        uow,
        ctx,
        actor,
        EXTENSION_PROCESS,
        {
            "title": f"延期申请：{item.title}",
            "item_instance_id": item.id,
            "item_number": item.business_number,
            "item_title": item.title,
            "unit": actor.unit_code,
            "unit_name": names.get(actor.unit_code or "", actor.unit_code),
            "current_deadline": deadline.isoformat(),
            "requested_deadline": new.isoformat(),
            "reason": why,
            "applicant": actor.username,
            "applicant_name": actor.display_name,
        },
    )
    history.append(
        uow,
        item.id,
        "extension_requested",
        actor.username,
        now,
        {
            "extension_id": started.id,
            "extension_number": started.business_number,
            "current_deadline": deadline.isoformat(),
            "requested_deadline": new.isoformat(),
            "reason": why,
        },
    )
    uow.commit()
    return started


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    """Subscriber: a `deadline_extension` instance that just completed decides its item's deadline."""
    if step.completed_now and step.instance.process_key == EXTENSION_PROCESS:
        on_completed(uow, ctx, step.instance, step.data, step.actor)


def on_completed(
    uow: UnitOfWork, ctx: ServiceContext, extension: ProcessInstance, data: Mapping[str, Any], actor: str
) -> None:
    """When a `deadline_extension` completes: move the item's deadline when approved, record either way."""
    item = checks.handling_item(uow, int(data["item_instance_id"]), lock=True)
    details = {
        "extension_id": extension.id,
        "extension_number": extension.business_number,
        "reason": data.get("reason", ""),
        "requested_deadline": data.get("requested_deadline"),
        "office_opinion": data.get("office_opinion", ""),
        "leader_opinion": data.get("leader_opinion", ""),
    }
    if data.get("extension_result") != "approved":
        history.append(uow, item.id, "extension_rejected", actor, ctx.now(), details)
        notices.tell_unit(uow, ctx, item, str(data.get("unit")), "延期申请未获批准", details["extension_number"])
        return
    current = workdays.as_date(str(item.data["deadline"]))
    new = checks.parse_date("approved_deadline", data.get("approved_deadline"), after=current, after_text="现完成时限")
    moving.move_deadline(uow, ctx, item, new, kind="deadline_extended", actor=actor, details=details)
    notices.tell_unit(uow, ctx, item, str(data.get("unit")), f"延期申请已批准，完成时限延至 {new.isoformat()}", "")


def list_for_item(uow: UnitOfWork, actor: Principal, item_id: int) -> list[Extension]:
    instances.readable(uow, actor, item_id)
    return [_extension(e) for e in uow.deadlines.extensions_for(EXTENSION_PROCESS, item_id)]


def _extension(instance: ProcessInstance) -> Extension:
    data: Mapping[str, Any] = instance.data or {}
    result = str(data.get("extension_result") or "pending") if instance.status == "completed" else "pending"
    approved = data.get("approved_deadline") if result == "approved" else None
    return Extension(
        instance_id=instance.id,
        business_number=instance.business_number,
        unit=str(data.get("unit", "")),
        requested_deadline=str(data.get("requested_deadline", "")),
        reason=str(data.get("reason", "")),
        filed_by=instance.started_by,
        filed_at=instance.started_at,
        result=result,
        approved_deadline=str(approved) if approved else None,
    )
