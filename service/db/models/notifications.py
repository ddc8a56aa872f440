"""Notifications (in-app list) and the delivery outbox (email, webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class Notification(Base):
    """One message in one user's in-app list (站内通知); written in the transaction of its cause."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id", "username", "id"),
        Index("ix_notifications_user_unread", "username", "read_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # task_ready / reminder / returned / extension / bulletin
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)  # a same-site path, e.g. /tasks/<id>
    instance_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxMessage(Base):
    """A message to deliver outside the database (email, webhook): the transactional outbox.

    Inserted with the command that caused it; the dispatcher claims due rows with a lease, sends them and
    marks each one sent. `dedupe_key` names the message for good: the email's Message-ID is derived from it,
    so a receiver can drop the duplicate of the one window no outbox closes (sent, then crashed before marking).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # email / webhook
    destination: Mapped[str] = mapped_column(String(320))  # an email address, or a webhook gateway's name
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending / sending / sent / dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
