"""SQL for access control: the audit log (insert and read only), browser sessions, API tokens.

Not registered on the unit of work: `AccessRepository(uow.session)` / `AuditRepository(uow.session)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from service.db.models import ApiToken
from service.db.models.access import AuditEntry, WebSession
from service.db.queries.base import Repository


@dataclass(frozen=True)
class AuditCriteria:
    action: str | None = None
    actor: str | None = None
    target: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None  # exclusive
    actions: tuple[str, ...] | None = None  # only these actions (None: every one)


class AuditRepository(Repository):
    """Append and read. There is deliberately no update or delete here (and triggers refuse both)."""

    def append(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    def search(self, criteria: AuditCriteria, offset: int, limit: int) -> tuple[Sequence[AuditEntry], int]:
        stmt = select(AuditEntry)
        if criteria.action:
            stmt = stmt.where(AuditEntry.action == criteria.action)
        if criteria.actions is not None:
            stmt = stmt.where(AuditEntry.action.in_(criteria.actions))
        if criteria.actor:
            stmt = stmt.where(AuditEntry.actor == criteria.actor)
        if criteria.target:
            stmt = stmt.where(AuditEntry.target == criteria.target)
        if criteria.at_from is not None:
            stmt = stmt.where(AuditEntry.at >= criteria.at_from)
        if criteria.at_to is not None:
            stmt = stmt.where(AuditEntry.at < criteria.at_to)
        return self._page(stmt, (AuditEntry.id.desc(),), offset, limit)


class AccessRepository(Repository):
    """Browser sessions and API tokens: open, look up, end."""

    def open_session(self, row: WebSession) -> None:
        self.session.add(row)

    def live_session(self, session_hash: str, user_id: int) -> WebSession | None:
        stmt = select(WebSession).where(
            WebSession.id == session_hash, WebSession.user_id == user_id, WebSession.ended_at.is_(None)
        )
        return self.session.scalars(stmt).first()

    def end_session(self, session_hash: str, at: datetime, why: str) -> None:
        stmt = update(WebSession).where(WebSession.id == session_hash, WebSession.ended_at.is_(None))
        self.session.execute(stmt.values(ended_at=at, ended_why=why).execution_options(synchronize_session=False))

    def end_sessions_of(self, user_id: int, at: datetime, why: str, keep: str | None = None) -> int:
        """End every live session of a user (except `keep`); how many were ended."""
        stmt = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        if keep:
            stmt = stmt.where(WebSession.id != keep)
        result: Any = self.session.execute(
            stmt.values(ended_at=at, ended_why=why).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def forget_sessions_before(self, user_id: int, before: datetime) -> None:
        """Rows older than the longest a session can live are of no use: keep the table small."""
        stmt = delete(WebSession).where(WebSession.user_id == user_id, WebSession.created_at < before)
        self.session.execute(stmt.execution_options(synchronize_session=False))

    def revoke_tokens_of(self, user_id: int) -> int:
        """Delete every API token of a user; how many there were."""
        stmt = delete(ApiToken).where(ApiToken.user_id == user_id)
        result: Any = self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)
