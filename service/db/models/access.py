"""Access tables: the append-only audit log (三员分立) and the server-side browser sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class AuditEntry(Base):
    """One administrative or security action. Append-only: the code has no update or delete path and
    database triggers (migration 0010) refuse UPDATE and DELETE; only 审计管理员 read it."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_action_at", "action", "at"),
        Index("ix_audit_actor_at", "actor", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))  # username (as typed, for failed sign-ins), or 系统
    action: Mapped[str] = mapped_column(String(64))  # see service.access.audit_log.ACTIONS
    target: Mapped[str] = mapped_column(String(200), default="")  # a username, a process key, an instance …
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")  # empty for the command line and the scheduler


class WebSession(Base):
    """A signed-in browser session. The cookie carries a random id whose sha256 is the key here; a
    session whose row is ended (logout, password change, reset, disable) is refused on the next request."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's session id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # wall clock, like the cookie's timeouts
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_why: Mapped[str] = mapped_column(String(32), default="")  # logout / password_changed / ...
    ip: Mapped[str] = mapped_column(String(64), default="")
