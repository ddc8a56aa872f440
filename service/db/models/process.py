"""Process tables: deployed definitions, instances, the projection of ready human tasks, the history
chain, business-number counters and task drafts."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.models.base import Base, BigId, JSONType, UTCDateTime

if TYPE_CHECKING:
    from service.db.models.ledger import LedgerItem


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definition_key_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSONType)  # formKey -> form-js JSON
    called_versions: Mapped[dict[str, int]] = mapped_column(JSONType)  # called process key -> version
    sha256: Mapped[str] = mapped_column(String(64))
    number_format: Mapped[str] = mapped_column(String(100))  # e.g. 督办〔{year}〕第{n}号
    # The process element's own properties, e.g. ledger="false" (no 台账 row: 延期申请) and
    # startedBy="service" (started by a dedicated use case, not from 发起).
    properties: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)

    @property
    def in_ledger(self) -> bool:
        return str((self.properties or {}).get("ledger", "")).lower() not in ("false", "no", "0")

    @property
    def started_by_service(self) -> bool:
        return (self.properties or {}).get("startedBy") == "service"

    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")  # 版本说明


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_instances_wake", "status", "next_wake_at"),
        Index("ix_instances_started_by", "started_by", "started_at"),  # 我发起的
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # running / completed / error / suspended / withdrawn
    business_number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(Text)  # engine JSON without the spec
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # process data snapshot for reads
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock
    next_wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The history chain's head, anchored here by service.process.history.append in the same transaction:
    # the newest event's hash and how many events there are (deleting the newest events shows).
    history_head: Mapped[str | None] = mapped_column(String(64), nullable=True)
    history_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A timer worker's claim on the instance's due timers (service.process.scheduler): which pass holds it
    # and until when (wall-clock time; a crashed worker's claim runs out). NULL: nobody is firing it.
    timer_claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    timer_claim_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")
    # Its 台账 row, read only: loaded with the write phase's lock (service.db.queries.process), so that the
    # step's projection finds it in the session; written through service.ledger, never through this.
    ledger_row: Mapped[LedgerItem | None] = relationship(viewonly=True, lazy="select")


class HumanTask(Base):
    """Projection of the engine's ready user tasks, so lists never deserialize instances."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_tasks_state_lane", "state", "lane"),
        Index("ix_tasks_state_unit", "state", "unit_code"),
        Index("ix_tasks_completed_by", "completed_by", "completed_at"),  # 已办
        Index("ix_tasks_instance_state", "instance_id", "state"),  # an instance's ready tasks, at any depth
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # engine task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Only the unit's staff holding this position act on it (users.position, e.g. 负责人); None = any.
    position: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Reassigned to one named person (转办, service.operations): only they act on it; None = by lane and unit.
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    form_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # ready / completed / cancelled
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # task data when it became ready
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class HistoryEvent(Base):
    """Append-only; each row's hash covers the previous row's hash (a per-instance sha256 chain)."""

    __tablename__ = "history_events"
    __table_args__ = (UniqueConstraint("instance_id", "seq", name="uq_history_instance_seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HistoryDigest(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): one per day, the Merkle root over the heads
    of every history chain as of the end of that day (Asia/Shanghai), the previous digest's hash chained in."""

    __tablename__ = "history_digests"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    root: Mapped[str] = mapped_column(String(64))
    leaves: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class HistoryDigestLeaf(Base):
    """A digest's leaves in tree order: (instance, head hash, event count) as of the digest's day."""

    __tablename__ = "history_digest_leaves"
    __table_args__ = (Index("ix_history_digest_leaves_instance", "instance_id", "day"),)
    day: Mapped[date] = mapped_column(ForeignKey("history_digests.day"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(BigId)
    head: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class Counter(Base):
    """Named counters for business numbers (督办〔2026〕第N号)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class TaskDraft(Base):
    """A form saved but not submitted ("保存草稿"); one per task and user, removed on completion."""

    __tablename__ = "task_drafts"
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
