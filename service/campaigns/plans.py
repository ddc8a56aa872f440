"""年度督查计划 and the plan check that binds (炎陵 §三(一)1–2, issue 11).

When an `annual_plan` instance completes (approved by the 县政府主要领导, 县委审定 recorded), its `plan_items`
become the adopted plan. A campaign's 督查立项核对 then names either one of those items or an approved 附件1
application — chosen from lists, never typed — and each can start one campaign only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import workdays
from service.db.models import PlanItem
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput
from service.process.context import ServiceContext
from service.process.events import StepSaved
from service.process.names import ANNUAL_PLAN, INSPECTION_CAMPAIGN, LEAD_UNIT, PLAN_CHECK, SPECIAL_APPLICATION


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    key = step.instance.process_key
    if key == ANNUAL_PLAN and step.completed_now:
        _adopt(uow, step)
    task = step.completed_task
    if key == INSPECTION_CAMPAIGN and task is not None and task.element_id == PLAN_CHECK:
        _bind(uow, step.instance.id, step.data)


def _text(entry: Mapping[str, Any], key: str, limit: int) -> str:
    value = entry.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _adopt(uow: UnitOfWork, step: StepSaved) -> None:
    if uow.campaigns.plan_items_of(step.instance.id):
        return
    raw = step.data.get("plan_items")
    entries = [e for e in raw if isinstance(e, Mapping) and e.get("lead_unit")] if isinstance(raw, list) else []
    year = step.data.get("plan_year")
    year = int(year) if isinstance(year, int | float) else step.now.astimezone(workdays.SHANGHAI).year
    uow.campaigns.add_all(
        [
            PlanItem(
                plan_id=step.instance.id,
                year=year,
                position=n,
                name=_text(e, "name", 200),
                content=_text(e, "content", 100_000),
                period=_text(e, "period", 50),
                kind=_text(e, "kind", 16) or "专项督查",
                lead_unit=_text(e, "lead_unit", 64),
                created_at=step.now,
            )
            for n, e in enumerate(entries, start=1)
        ]
    )
    uow.campaigns.flush()


def _lead_must_be(uow: UnitOfWork, data: Mapping[str, Any], unit: str, source: str) -> None:
    """The campaign is led by the unit its plan item or 附件1 names (炎陵 §三(一)2: 牵头单位)."""
    if unit and data.get(LEAD_UNIT) != unit:
        message = f"{source}为{uow.units.names().get(unit, unit)}，由其牵头"
        raise InvalidInput(message, {"errors": {LEAD_UNIT: [message]}})


def _bind(uow: UnitOfWork, campaign_id: int, data: Mapping[str, Any]) -> None:
    status = data.get("plan_status")
    if status == "on_plan" and data.get("plan_item"):
        item = uow.campaigns.plan_item(int(data["plan_item"]))
        _lead_must_be(uow, data, item.lead_unit if item else "", "年度计划中该事项的牵头单位")
        if not uow.campaigns.claim_plan_item(int(data["plan_item"]), campaign_id):
            raise Conflict("该计划事项已由其他督查开展，请重新选择", {"errors": {"plan_item": ["已被使用"]}})
    elif status == "special_approved" and data.get("application"):
        application_id = int(data["application"])
        application = uow.instances.get(application_id)
        applicant = str((application.data or {}).get("unit") or "") if application else ""
        _lead_must_be(uow, data, applicant, "申报表的申报单位")
        if uow.campaigns.application_of(campaign_id) != application_id:
            used = {a.id for a in uow.campaigns.unused_applications(SPECIAL_APPLICATION)}
            if application_id not in used:
                raise Conflict("该申报已被其他督查使用，请重新选择", {"errors": {"application": ["已被使用"]}})
            uow.campaigns.use_application(application_id, campaign_id)
    try:
        uow.campaigns.flush()
    except IntegrityError:  # another campaign took the same item or application at the same moment
        raise Conflict("该计划事项或申报已被其他督查同时使用，请重新选择") from None
