"""SQL for the scoring area: rule set versions, and the facts a period's scores are computed from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError

from service.db.models import LedgerItem, Unit
from service.db.models.documents import Bulletin, BulletinMention
from service.db.models.ledger import involves_unit
from service.db.models.scoring import ScoreRuleSet
from service.db.queries.base import Repository


class ScoringRepository(Repository):
    # --- rule sets ----------------------------------------------------------------------------------
    def latest_rules(self) -> ScoreRuleSet | None:
        return self.session.scalars(select(ScoreRuleSet).order_by(ScoreRuleSet.version.desc()).limit(1)).first()

    def rule_versions(self, limit: int = 20) -> Sequence[ScoreRuleSet]:
        return self.session.scalars(select(ScoreRuleSet).order_by(ScoreRuleSet.version.desc()).limit(limit)).all()

    def insert_rules(self, version: int, rules: dict[str, Any], created_by: str, at: datetime) -> ScoreRuleSet | None:
        """Append a version; None if that version number was taken meanwhile (the caller lost the race)."""
        row = ScoreRuleSet(version=version, rules=rules, created_by=created_by, created_at=at)
        try:
            with self.session.begin_nested():  # a savepoint: losing the race leaves the transaction usable
                self.session.add(row)
        except IntegrityError:
            return None
        return row

    # --- facts ---------------------------------------------------------------------------------------
    def scored_units(self, kinds: Collection[str]) -> Sequence[Unit]:
        return self.session.scalars(select(Unit).where(Unit.kind.in_(list(kinds))).order_by(Unit.id)).all()

    def due_items(
        self, process_key: str, after: datetime, until: datetime, exclude_status: str, unit: str | None = None
    ) -> Sequence[Row[Any]]:
        """Ledger rows with after < deadline_at <= until (their deadline day lies in the period)."""
        query = select(
            LedgerItem.instance_id,
            LedgerItem.business_number,
            LedgerItem.title,
            LedgerItem.lead_unit,
            LedgerItem.co_units,
            LedgerItem.deadline_at,
            LedgerItem.closed_at,
        ).where(
            LedgerItem.process_key == process_key,
            LedgerItem.deadline_at > after,
            LedgerItem.deadline_at <= until,
            LedgerItem.status != exclude_status,
        )
        if unit:
            query = query.where(involves_unit(unit))
        return self.session.execute(query.order_by(LedgerItem.deadline_at, LedgerItem.instance_id)).all()

    def mentions_between(self, start: datetime, end: datetime, unit: str | None = None) -> Sequence[Row[Any]]:
        """Praise / criticism of bulletins created in [start, end), oldest first."""
        query = (
            select(
                Bulletin.year,
                Bulletin.issue_no,
                Bulletin.title,
                Bulletin.created_at,
                BulletinMention.unit_code,
                BulletinMention.kind,
                BulletinMention.reason,
            )
            .join(Bulletin, Bulletin.id == BulletinMention.bulletin_id)
            .where(Bulletin.created_at >= start, Bulletin.created_at < end)
        )
        if unit:
            query = query.where(BulletinMention.unit_code == unit)
        return self.session.execute(query.order_by(Bulletin.created_at, BulletinMention.id)).all()
