"""SQL of a campaign's rectification items (campaign_items) and the 督办事项 instances made for them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update

from service.db.models import (
    CampaignApplication,
    CampaignItem,
    InspectionFeedback,
    LedgerItem,
    PlanItem,
    ProcessInstance,
)
from service.db.queries.base import Repository

_C, _I = CampaignItem, ProcessInstance


class CampaignRepository(Repository):
    def add_all(self, rows: Sequence[CampaignItem | PlanItem | InspectionFeedback]) -> None:
        self.session.add_all(rows)

    # --- the groups' 反馈意见 to the inspected units

    def feedback(self, campaign_id: int, unit_code: str | None = None) -> Sequence[InspectionFeedback]:
        """What the campaign's groups told the units (only `unit_code`'s, when given), in order given."""
        stmt = select(InspectionFeedback).where(InspectionFeedback.campaign_id == campaign_id)
        if unit_code is not None:
            stmt = stmt.where(InspectionFeedback.unit_code == unit_code)
        return self.session.scalars(stmt.order_by(InspectionFeedback.id)).all()

    def was_told(self, campaign_id: int, unit_code: str) -> bool:
        stmt = select(InspectionFeedback.id).where(
            InspectionFeedback.campaign_id == campaign_id, InspectionFeedback.unit_code == unit_code
        )
        return self.session.scalar(stmt.limit(1)) is not None

    # --- the annual plan's items and the approved applications a campaign may start from

    def plan_items_of(self, plan_id: int) -> Sequence[PlanItem]:
        return self.session.scalars(
            select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.position)
        ).all()

    def open_plan_items(self) -> Sequence[PlanItem]:
        """Items of adopted plans no campaign was started from yet, newest plan year first."""
        stmt = select(PlanItem).where(PlanItem.campaign_id.is_(None))
        return self.session.scalars(stmt.order_by(PlanItem.year.desc(), PlanItem.plan_id, PlanItem.position)).all()

    def plan_item(self, item_id: int) -> PlanItem | None:
        return self.session.get(PlanItem, item_id)

    def claim_plan_item(self, item_id: int, campaign_id: int) -> bool:
        """Bind the item to the campaign unless another campaign holds it: one conditional UPDATE, so two
        campaigns choosing the same item at once cannot both succeed."""
        stmt = (
            update(PlanItem)
            .where(PlanItem.id == item_id, or_(PlanItem.campaign_id.is_(None), PlanItem.campaign_id == campaign_id))
            .values(campaign_id=campaign_id)
            .execution_options(synchronize_session="fetch")
        )
        result: Any = self.session.execute(stmt)
        return int(result.rowcount or 0) == 1

    def plan_item_of_campaign(self, campaign_id: int) -> PlanItem | None:
        return self.session.scalar(select(PlanItem).where(PlanItem.campaign_id == campaign_id))

    def unused_applications(self, process_key: str) -> Sequence[ProcessInstance]:
        """Completed (approved) applications no campaign was started from yet, oldest first."""
        used = select(CampaignApplication.application_id)
        stmt = select(_I).where(_I.process_key == process_key, _I.status == "completed", _I.id.not_in(used))
        return self.session.scalars(stmt.order_by(_I.id)).all()

    def use_application(self, application_id: int, campaign_id: int) -> None:
        self.session.add(CampaignApplication(application_id=application_id, campaign_id=campaign_id))

    def application_of(self, campaign_id: int) -> int | None:
        stmt = select(CampaignApplication.application_id).where(CampaignApplication.campaign_id == campaign_id)
        return self.session.scalar(stmt)

    # --- rectification items

    def has_items(self, campaign_id: int) -> bool:
        return self.session.scalar(select(func.count()).where(_C.campaign_id == campaign_id)) != 0

    def pending(self, campaign_id: int, limit: int) -> Sequence[CampaignItem]:
        """Problems whose 督办事项 is not created yet, in the campaign's order."""
        stmt = select(_C).where(_C.campaign_id == campaign_id, _C.item_id.is_(None)).order_by(_C.position)
        return self.session.scalars(stmt.limit(limit)).all()

    def campaigns_with_pending(self, limit: int = 100) -> list[int]:
        """Campaigns with problems whose item is not created yet; a withdrawn campaign's never will be."""
        stmt = (
            select(_C.campaign_id)
            .join(_I, _I.id == _C.campaign_id)
            .where(_C.item_id.is_(None), _I.status != "withdrawn")
            .group_by(_C.campaign_id)
            .order_by(_C.campaign_id)
        )
        return list(self.session.scalars(stmt.limit(limit)))

    def item_ids(self, campaign_id: int) -> list[int]:
        """The rectification items created for a campaign, in its order."""
        stmt = select(_C.item_id).where(_C.campaign_id == campaign_id, _C.item_id.is_not(None)).order_by(_C.position)
        return [i for i in self.session.scalars(stmt) if i is not None]

    def of_item(self, item_id: int) -> CampaignItem | None:
        return self.session.scalar(select(_C).where(_C.item_id == item_id))

    def open_count(self, campaign_id: int) -> int:
        """Problems not yet concluded: no instance yet, or one neither completed nor withdrawn (撤回)."""
        stmt = (
            select(func.count())
            .select_from(_C)
            .outerjoin(_I, _I.id == _C.item_id)
            .where(
                _C.campaign_id == campaign_id, (_C.item_id.is_(None)) | (_I.status.not_in(("completed", "withdrawn")))
            )
        )
        return self.session.scalar(stmt) or 0

    def listing(self, campaign_id: int, offset: int = 0, limit: int = 200) -> tuple[Sequence[Any], int]:
        """(position, problem, item id, business number, title, instance status, ledger status, lead unit,
        deadline) of each problem, in the campaign's order, and how many there are."""
        stmt = (
            select(
                _C.position,
                _C.problem,
                _C.item_id,
                _I.business_number,
                _I.title,
                _I.status,
                LedgerItem.status.label("ledger_status"),
                LedgerItem.lead_unit,
                LedgerItem.deadline,
            )
            .outerjoin(_I, _I.id == _C.item_id)
            .outerjoin(LedgerItem, LedgerItem.instance_id == _C.item_id)
            .where(_C.campaign_id == campaign_id)
        )
        return self._page(stmt, [_C.position], offset, limit, rows=True)

    def results(self, campaign_id: int) -> Sequence[Any]:
        """(item id, business number, title, lead unit, ledger status) of every problem, for the campaign's
        data when all are concluded."""
        stmt = (
            select(_C.item_id, _I.business_number, _I.title, LedgerItem.lead_unit, LedgerItem.status)
            .join(_I, _I.id == _C.item_id)
            .outerjoin(LedgerItem, LedgerItem.instance_id == _C.item_id)
            .where(_C.campaign_id == campaign_id)
            .order_by(_C.position)
        )
        return self.session.execute(stmt).all()
