"""Rectification items of an inspection campaign (Flow A, 炎陵 §三(一)6): each problem found becomes its own
督办事项 instance; this row links the two and holds the problem until that instance is created."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
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
