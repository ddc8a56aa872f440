"""Flow A: the adopted annual plan's items, approved applications used, and the rectification items of an
inspection campaign. Rectification items (Flow A, 炎陵 §三(一)6): each problem found becomes its own
督办事项 instance; this row links the two and holds the problem until that instance is created."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class CampaignItem(Base):
    __tablename__ = "campaign_items"
    __table_args__ = (UniqueConstraint("campaign_id", "position", name="uq_campaign_item_position"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the problem's place in the campaign's list, from 0
    problem: Mapped[dict[str, Any]] = mapped_column(JSONType)  # title, content, lead_unit, time_limit_days, …
    # The 督办事项 instance made for it; None until the service has created it (large campaigns in batches).
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id"), nullable=True, unique=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanItem(Base):
    """An item of an adopted 年度督查计划 (炎陵 §三(一)1): what a campaign may be started from (§三(一)2)."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "position", name="uq_plan_item_position"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer)  # 第N项 of the plan, from 1
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(16), default="专项督查")
    lead_unit: Mapped[str] = mapped_column(String(64))
    # The campaign started from it; None while it is still to be carried out.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignApplication(Base):
    """An approved 专项督查工作申报表 (附件1) and the campaign started from it: each is used once."""

    __tablename__ = "campaign_applications"
    application_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)


class InspectionFeedback(Base):
    """A 督查组's 反馈意见 to an inspected unit (炎陵 §三(一)3): one row per unit named, so the unit reads it
    on the campaign's page (and may open that page) and the office sees what each unit was told."""

    __tablename__ = "inspection_feedback"
    __table_args__ = (Index("ix_inspection_feedback_campaign_unit", "campaign_id", "unit_code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    unit_code: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    feedback: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
