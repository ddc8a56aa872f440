"""The ledger table (台账): one row per instance, projected on every command.

`co_units` holds the co-handling units' codes each wrapped in commas, ",code1,code2,", or "" for none, so
"the item involves unit X" is one LIKE '%,X,%'. Only the three functions at the end of this module know
that encoding: the projection writes with `encode_co_units`, every reader decodes with `co_unit_codes`
(an ORM row or a plain row alike), every query filters with `involves_unit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime

CO_UNITS_SIZE = 1000


class LedgerItem(Base):
    """台账: one row per instance, projected on every command, so the ledger never reads engine state.

    Filled from the well-known data keys of docs/process-conventions.md (title, content, source_type, ...).
    """

    __tablename__ = "ledger_items"
    __table_args__ = (
        Index("ix_ledger_status_deadline", "status", "deadline_at"),
        Index("ix_ledger_registered", "registered_at", "instance_id"),
        Index("ix_ledger_lead_unit", "lead_unit", "registered_at"),
        Index("ix_ledger_source_type", "source_type", "registered_at"),
        # Migration 0003: the unit filter (lead OR co-handler) and the overview's per-unit GROUP BY.
        Index("ix_ledger_unit_stats", "lead_unit", "status", "deadline_at", "closed_at", "co_units"),
        Index("ix_ledger_status_units", "status", "lead_unit", "co_units"),
    )
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    source_type: Mapped[str] = mapped_column(String(32), default="")
    source_ref: Mapped[str] = mapped_column(String(300), default="")
    priority: Mapped[str] = mapped_column(String(8), default="一般", server_default="一般")  # 重点 / 一般
    responsible_leader: Mapped[str] = mapped_column(String(50), default="")
    lead_unit: Mapped[str] = mapped_column(String(64), default="")  # unit code
    co_units: Mapped[str] = mapped_column(String(CO_UNITS_SIZE), default="")  # ",code1,code2,": see above
    time_limit_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    time_limit_unit: Mapped[str] = mapped_column(String(16), default="workdays")  # workdays / months
    deadline: Mapped[str | None] = mapped_column(String(10), nullable=True)  # YYYY-MM-DD, Asia/Shanghai
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # end of that working day
    status: Mapped[str] = mapped_column(String(16))  # registering / handling / closed / error
    progress: Mapped[str] = mapped_column(String(1000), default="")  # current steps, in Chinese
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    remarks: Mapped[str] = mapped_column(String(2000), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def encode_co_units(codes: Iterable[str]) -> str:
    """The codes as stored, ",a,b," (those that fit the column, in order), or "" for none."""
    stored = ","
    for code in codes:
        if len(stored) + len(code) + 1 <= CO_UNITS_SIZE:
            stored += f"{code},"
    return stored if stored != "," else ""


def co_unit_codes(stored: str | None) -> list[str]:
    """The co-handling units' codes of a stored `co_units` value, in order."""
    return [code for code in (stored or "").split(",") if code]


def involves_unit(code: str) -> ColumnElement[bool]:
    """SQL: the row's item is led or co-handled by the unit."""
    return (LedgerItem.lead_unit == code) | LedgerItem.co_units.contains(f",{code},", autoescape=True)


class LedgerExportJob(Base):
    """A large 台账 export (issue 14 point 3), run by any worker's background loop: the filters it was asked
    with, its progress (`done` of `total` rows), and when done the workbook itself, so any web process can
    serve it. Held by one worker at a time (`claimed_by`, `heartbeat_at`, as migration jobs are)."""

    __tablename__ = "ledger_export_jobs"
    __table_args__ = (
        Index("ix_ledger_export_jobs_status", "status", "heartbeat_at"),
        Index("ix_ledger_export_jobs_created_by", "created_by", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16))  # queued / running / done / failed / expired (its file dropped)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # as the API took them, dates ISO
    sort: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)  # the .xlsx once done
