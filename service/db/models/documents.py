"""督查通报 (bulletins): one row per issue 第N期, and the units it praises or criticises.

The scoring rules read `bulletin_mentions` (±points per praise / criticism), so its columns are a contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class Bulletin(Base):
    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("year", "issue_no", name="uq_bulletin_year_issue"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    issue_no: Mapped[int] = mapped_column(Integer)  # 第N期 within the year
    # period: the office's bulletin on a period's items; campaign: an inspection campaign's 督查通报
    kind: Mapped[str] = mapped_column(String(16), default="period", server_default="period")
    instance_id: Mapped[int | None] = mapped_column(  # the campaign it reports on (kind campaign)
        ForeignKey("process_instances.id", name="fk_bulletins_instance"), nullable=True, unique=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, Asia/Shanghai, inclusive
    period_end: Mapped[str] = mapped_column(String(10))  # inclusive
    totals: Mapped[dict[str, Any]] = mapped_column(JSONType)  # on_time / overdue / closed / returned / ...
    requirements: Mapped[str] = mapped_column(Text, default="")  # 整改要求
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)  # the .docx under the data dir
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mentions: Mapped[list[BulletinMention]] = relationship(
        back_populates="bulletin", lazy="selectin", order_by="BulletinMention.id", cascade="all, delete-orphan"
    )


class BulletinMention(Base):
    """A unit praised (通报表扬) or criticised (通报批评) in a bulletin, with the reason printed in it."""

    __tablename__ = "bulletin_mentions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # praise / criticism
    reason: Mapped[str] = mapped_column(String(1000))
    bulletin: Mapped[Bulletin] = relationship(back_populates="mentions")
