"""Reading a campaign's rectification items, and an item's campaign, with the readers' permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.process import instances


@dataclass(frozen=True)
class CampaignItemRow:
    position: int
    title: str
    lead_unit: str
    item_id: int | None  # None: not created yet (a large campaign's items come in batches)
    business_number: str | None
    status: str  # 待交办 (not created) / the ledger status (handling, closed, …) / the instance status
    deadline: str | None


@dataclass(frozen=True)
class CampaignLink:
    campaign_id: int
    business_number: str
    title: str


def items_of(
    uow: UnitOfWork, actor: Principal, campaign_id: int, offset: int = 0, limit: int = 200
) -> tuple[list[CampaignItemRow], int]:
    """The campaign's items in its order (whoever may read the campaign may read this list)."""
    instances.readable(uow, actor, campaign_id)
    rows, total = uow.campaigns.listing(campaign_id, offset, limit)
    return [_row(r) for r in rows], total


def _row(r: Any) -> CampaignItemRow:
    problem = r.problem or {}
    return CampaignItemRow(
        position=r.position,
        title=r.title or str(problem.get("title") or problem.get("content") or ""),
        lead_unit=r.lead_unit or str(problem.get("lead_unit") or ""),
        item_id=r.item_id,
        business_number=r.business_number,
        status=r.ledger_status or r.status or "pending",
        deadline=r.deadline,
    )


def campaign_of(uow: UnitOfWork, item_id: int) -> CampaignLink | None:
    """The campaign an item was made for, if any (the caller has checked the item may be read)."""
    link = uow.campaigns.of_item(item_id)
    if link is None:
        return None
    campaign = uow.instances.get(link.campaign_id)
    assert campaign is not None
    return CampaignLink(campaign.id, campaign.business_number, campaign.title)
