"""Table definitions (SQLAlchemy 2 typed models). The only place that defines tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes everywhere; SQLite hands back naive values, which are UTC by construction."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # 乡镇 / 县直部门 / 县政府办


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    position: Mapped[str] = mapped_column(String(32), default="")  # 联络员 / 负责人 / ...
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)  # for notifications; None = in-app only
    # Set by a security administrator's reset or a demo password outside demo mode: sign-in leads only
    # to the change-password page (API: 403 password_change_required) until the user sets their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary="user_roles", lazy="selectin", order_by=Role.id)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token; never the token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_instances_wake", "status", "next_wake_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # running / completed / error
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
    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")


class HumanTask(Base):
    """Projection of the engine's ready user tasks, so lists never deserialize instances."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_tasks_state_lane", "state", "lane"),
        Index("ix_tasks_state_unit", "state", "unit_code"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # engine task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
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


class Counter(Base):
    """Named counters for business numbers (督办〔2026〕第N号)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


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
    responsible_leader: Mapped[str] = mapped_column(String(50), default="")
    lead_unit: Mapped[str] = mapped_column(String(64), default="")  # unit code
    co_units: Mapped[str] = mapped_column(String(1000), default="")  # ",code1,code2," for LIKE filters
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


class TaskDraft(Base):
    """A form saved but not submitted ("保存草稿"); one per task and user, removed on completion."""

    __tablename__ = "task_drafts"
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    """Metadata of an uploaded file; the bytes live under the data directory, outside any web root."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)  # random name on disk
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


# Tables of the feature areas, in their own modules; imported here so Base.metadata knows them all.
from . import (  # noqa: E402, F401
    models_access,
    models_cadres,
    models_deadlines,
    models_documents,
    models_notifications,
    models_scoring,
)
