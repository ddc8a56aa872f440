"""SQL of the daily history digests (append-only: the database refuses UPDATE and DELETE on both tables)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from service.db.models import HistoryDigest, HistoryDigestLeaf
from service.db.queries.base import Repository


class DigestRepository(Repository):
    def latest(self) -> HistoryDigest | None:
        stmt = select(HistoryDigest).order_by(HistoryDigest.day.desc()).limit(1)
        return self.session.scalars(stmt).first()

    def get(self, day: date) -> HistoryDigest | None:
        return self.session.get(HistoryDigest, day)

    def all(self, since: date | None = None, until: date | None = None) -> Sequence[HistoryDigest]:
        stmt = select(HistoryDigest)
        if since:
            stmt = stmt.where(HistoryDigest.day >= since)
        if until:
            stmt = stmt.where(HistoryDigest.day <= until)
        return self.session.scalars(stmt.order_by(HistoryDigest.day)).all()

    def add_digest(self, digest: HistoryDigest, leaves: Sequence[HistoryDigestLeaf]) -> None:
        self.session.add(digest)
        self.session.flush()
        self.session.add_all(leaves)
        self.session.flush()

    def leaves(self, day: date) -> Sequence[HistoryDigestLeaf]:
        stmt = select(HistoryDigestLeaf).where(HistoryDigestLeaf.day == day)
        return self.session.scalars(stmt.order_by(HistoryDigestLeaf.position)).all()

    def leaves_of(self, instance_id: int) -> Sequence[HistoryDigestLeaf]:
        """The instance's leaf in every digest that covers it, oldest day first."""
        stmt = select(HistoryDigestLeaf).where(HistoryDigestLeaf.instance_id == instance_id)
        return self.session.scalars(stmt.order_by(HistoryDigestLeaf.day)).all()
