"""Rectification items as their own 督办事项 instances (Flow A §三(一)6, issue 11).

When a campaign reaches 整改事项办理中 the problems are written down as campaign_items and the first
IMMEDIATE of them become instances in the same transaction; a campaign with more (1,200 problems) gets the
rest from the background pass in batches, so no request holds the write lock for minutes. When an item
completes and it was the campaign's last open one, the service completes 整改事项办理中 with the results —
under the campaign's row lock, so two last items finishing at once resume it exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from service.access.principal import SYSTEM
from service.db.models import CampaignItem, ProcessInstance
from service.db.session import UnitOfWork
from service.process import instances, tasks
from service.process.context import ServiceContext
from service.process.events import StepSaved
from service.process.names import INSPECTION_CAMPAIGN, RECTIFICATION_WAIT, SUPERVISION_ITEM

log = logging.getLogger(__name__)
IMMEDIATE = 20  # items created while the office's submit is answered; the rest in the background
BATCH = 50  # items per background transaction
PROBLEM_KEYS = ("title", "content", "lead_unit", "co_units", "time_limit_days", "source_ref", "deadline")


def _problem(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, Mapping) or not entry.get("lead_unit"):
        return None
    return {k: entry[k] for k in PROBLEM_KEYS if entry.get(k) not in (None, "", [])}


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    key = step.instance.process_key
    if key == INSPECTION_CAMPAIGN and any(t.element_id == RECTIFICATION_WAIT for t in step.new_tasks):
        _register(uow, ctx, step.instance, step.data)
    elif key == SUPERVISION_ITEM and step.completed_now:
        link = uow.campaigns.of_item(step.instance.id)
        if link is not None:
            resume_if_done(uow, ctx, link.campaign_id)


def _register(uow: UnitOfWork, ctx: ServiceContext, campaign: ProcessInstance, data: Mapping[str, Any]) -> None:
    if uow.campaigns.has_items(campaign.id):
        return  # reached again after a retry: the items exist already
    raw = data.get("rectifications")
    problems = [p for p in (_problem(e) for e in (raw if isinstance(raw, list) else [])) if p is not None]
    now = ctx.now()
    uow.campaigns.add_all(
        [CampaignItem(campaign_id=campaign.id, position=n, problem=p, created_at=now) for n, p in enumerate(problems)]
    )
    uow.campaigns.flush()
    _spawn(uow, ctx, campaign, IMMEDIATE)
    resume_if_done(uow, ctx, campaign.id)  # a campaign whose list held nothing usable goes on at once


def _spawn(uow: UnitOfWork, ctx: ServiceContext, campaign: ProcessInstance, limit: int) -> int:
    made = 0
    if campaign.status == "withdrawn":
        return made  # 撤回: its remaining problems are never made into items
    for row in uow.campaigns.pending(campaign.id, limit):
        data = {
            "title": row.problem.get("title") or f"{campaign.title}整改",
            "rectification": row.problem,
            "campaign_instance_id": campaign.id,
            "campaign_number": campaign.business_number,
            "campaign_title": campaign.title,
        }
        item = instances.begin(uow, ctx, SYSTEM, SUPERVISION_ITEM, data)
        row.item_id = item.id
        uow.campaigns.flush()
        made += 1
    return made


def resume_if_done(uow: UnitOfWork, ctx: ServiceContext, campaign_id: int) -> bool:
    """Complete the campaign's 整改事项办理中 when none of its items is open; True if it did."""
    campaign = uow.instances.lock(campaign_id, with_state=True)  # completes a task in this transaction
    if campaign is None or uow.campaigns.open_count(campaign_id) > 0:
        return False
    results = [
        {"item_id": i, "business_number": n, "title": t, "lead_unit": u or "", "status": s or ""}
        for i, n, t, u, s in uow.campaigns.results(campaign_id)
    ]
    return tasks.complete_waiting(uow, ctx, campaign, RECTIFICATION_WAIT, {"rectification_results": results}, SYSTEM)


def spawn_pending(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, campaign_id: int | None = None, most: int = 500
) -> int:
    """Create the items campaigns still wait for, BATCH per transaction, at most `most` in this call
    (all campaigns, or one); returns how many were created."""
    made = 0
    while made < most:
        with uow_factory() as uow:
            ids = [campaign_id] if campaign_id is not None else uow.campaigns.campaigns_with_pending(limit=1)
            if not ids:
                return made
            campaign = uow.instances.lock(ids[0])
            if campaign is None:
                return made
            step = _spawn(uow, ctx, campaign, min(BATCH, most - made))
            uow.commit()
        if step == 0:
            return made
        made += step
    return made
