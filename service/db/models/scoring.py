"""考核 scoring rule sets: each save appends a version; the highest version is in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class ScoreRuleSet(Base):
    """One version of the scoring rules; never updated or deleted, so every score can name its rules."""

    __tablename__ = "score_rule_sets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)  # unique: two saves at once cannot both win
    rules: Mapped[dict[str, Any]] = mapped_column(JSONType)  # rule key -> number, see service.scoring.rules
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
