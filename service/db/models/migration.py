"""Jobs that move running instances from one definition version to another (issue 12 point 7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class MigrationJob(Base):
    """One bulk migration: its counters are updated in the same transaction as each instance it moves,
    so progress is always exact. A worker holds it by `claimed_by` and keeps `heartbeat_at` fresh; a job
    whose heartbeat is stale was left by a dead worker and is taken over."""

    __tablename__ = "migration_jobs"
    __table_args__ = (Index("ix_migration_jobs_status", "status", "heartbeat_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    from_version: Mapped[int] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # queued / running / done
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MigrationJobItem(Base):
    """One instance of a job and what became of it: pending / moved / refused."""

    __tablename__ = "migration_job_items"
    job_id: Mapped[int] = mapped_column(ForeignKey("migration_jobs.id"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # the verdict, or why it failed
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
