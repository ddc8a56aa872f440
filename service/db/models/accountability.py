"""督查问责 (炎陵 §四(一)(二), 004 §六.4): a referral of a unit for 推诿、拒办、弄虚作假 or 失职 on an item, with
the facts and the outcome. Append-only: a correction is a new referral."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, UTCDateTime


class AccountabilityReferral(Base):
    __tablename__ = "accountability_referrals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # 推诿 / 拒办 / 弄虚作假 / 失职
    facts: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
