"""The working-day calendar: exception days and published years."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, UTCDateTime


class CalendarDay(Base):
    """An exception to Monday–Friday: a statutory holiday on a weekday, or a make-up working day (调休上班)."""

    __tablename__ = "calendar_days"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday / workday
    name: Mapped[str] = mapped_column(String(100), default="")  # 国庆节 ...
    source: Mapped[str] = mapped_column(String(200), default="")  # 国办发明电〔2025〕7号 ...


class CalendarYear(Base):
    """A year whose arrangement is published; deadlines in other years are provisional (Mon–Fri)."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
