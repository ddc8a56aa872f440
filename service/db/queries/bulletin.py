"""SQL for the bulletin area: the ledger rows of a period, issue numbers, stored bulletins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from service.db.models import LedgerItem
from service.db.models.documents import Bulletin
from service.db.queries.base import Repository

_L = LedgerItem


class BulletinRepository(Repository):
    def period_rows(
        self, process_key: str, first_day: str, last_day: str, start_at: datetime, end_before: datetime
    ) -> Sequence[LedgerItem]:
        """Ledger rows of `process_key` due in [first_day, last_day] (YYYY-MM-DD) or closed in [start_at,
        end_before), by deadline then number."""
        due = and_(_L.deadline >= first_day, _L.deadline <= last_day)
        closed = and_(_L.closed_at >= start_at, _L.closed_at < end_before)
        stmt = (
            select(LedgerItem)
            .where(_L.process_key == process_key, or_(due, closed))
            .order_by(_L.deadline_at.asc().nulls_last(), _L.instance_id.asc())
        )
        return self.session.scalars(stmt).all()

    def process_keys(self, instance_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(instance_ids))
        if not ids:
            return {}
        rows = self.session.execute(select(_L.instance_id, _L.process_key).where(_L.instance_id.in_(ids)))
        return {instance_id: key for instance_id, key in rows}

    def max_issue_no(self, year: int) -> int:
        """The highest 第N期 of the year so far, 0 when none."""
        return self.session.scalar(select(func.max(Bulletin.issue_no)).where(Bulletin.year == year)) or 0

    def for_instance(self, instance_id: int) -> Bulletin | None:
        """The 督查通报 a campaign published, if any."""
        return self.session.scalar(select(Bulletin).where(Bulletin.instance_id == instance_id))

    def add(self, bulletin: Bulletin) -> None:
        self.session.add(bulletin)

    def flush(self) -> None:
        self.session.flush()

    def get(self, bulletin_id: int) -> Bulletin | None:
        return self.session.get(Bulletin, bulletin_id)

    def page(self, offset: int, limit: int) -> tuple[Sequence[Bulletin], int]:
        """Newest first (in the order they were generated), and how many there are."""
        return self._page(select(Bulletin), (Bulletin.id.desc(),), offset, limit)
