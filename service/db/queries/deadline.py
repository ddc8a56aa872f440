"""SQL for 延期申请 and 催办: the extension instances filed for an item, the reminders in its history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from service.db.models import HistoryEvent, ProcessInstance
from service.db.queries.base import Repository


class DeadlineRepository(Repository):
    def extensions_for(self, process_key: str, item_id: int) -> Sequence[ProcessInstance]:
        """The item's 延期申请 instances (of `process_key`), oldest first (their data holds `item_instance_id`)."""
        query = (
            select(ProcessInstance)
            .where(
                ProcessInstance.process_key == process_key,
                ProcessInstance.data["item_instance_id"].as_integer() == item_id,
            )
            .order_by(ProcessInstance.id)
        )
        return self.session.scalars(query).all()

    def events(self, instance_id: int, kinds: Sequence[str]) -> Sequence[HistoryEvent]:
        query = (
            select(HistoryEvent)
            .where(HistoryEvent.instance_id == instance_id, HistoryEvent.kind.in_(list(kinds)))
            .order_by(HistoryEvent.seq)
        )
        return self.session.scalars(query).all()
