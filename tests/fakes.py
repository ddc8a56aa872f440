"""A fake unit of work for pure use-case tests (no database, no engine): in-memory repositories for the
areas a use case touches, and a record of commits and rollbacks. Like cosmicpython's FakeUnitOfWork, it
stands in for service.db.session.UnitOfWork only where a test says which repositories it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.db.models import AuditEntry, Notification, ScoreRuleSet


class FakeScoringRepository:
    def __init__(self) -> None:
        self.rows: list[ScoreRuleSet] = []

    def latest_rules(self) -> ScoreRuleSet | None:
        return max(self.rows, key=lambda r: r.version, default=None)

    def rule_versions(self, limit: int = 20) -> list[ScoreRuleSet]:
        return sorted(self.rows, key=lambda r: r.version, reverse=True)[:limit]

    def insert_rules(self, version: int, rules: dict[str, Any], created_by: str, at: datetime) -> ScoreRuleSet | None:
        if any(r.version == version for r in self.rows):
            return None  # the unique (version) constraint
        row = ScoreRuleSet(version=version, rules=rules, created_by=created_by, created_at=at)
        self.rows.append(row)
        return row


class FakeAuditRepository:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


class FakeNotificationRepository:
    def __init__(self, rows: list[Notification] | None = None) -> None:
        self.rows = rows or []

    def get_for(self, username: str, notification_id: int) -> Notification | None:
        return next((n for n in self.rows if n.id == notification_id and n.username == username), None)

    def mark_all_read(self, username: str, now: datetime) -> int:
        unread = [n for n in self.rows if n.username == username and n.read_at is None]
        for n in unread:
            n.read_at = now
        return len(unread)


@dataclass
class FakeUnitOfWork:
    scoring: FakeScoringRepository = field(default_factory=FakeScoringRepository)
    audit: FakeAuditRepository = field(default_factory=FakeAuditRepository)
    notifications: FakeNotificationRepository = field(default_factory=FakeNotificationRepository)
    commits: int = 0
    rollbacks: int = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        self.rollbacks += 1
