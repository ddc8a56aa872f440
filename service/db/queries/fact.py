"""SQL for facts derived from history (returns for redo), read by bulletins and scoring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.db.models import HistoryEvent, HumanTask, LedgerItem
from service.db.queries.base import Repository


class FactRepository(Repository):
    def completions_between(self, start: datetime, end: datetime) -> Sequence[tuple[HistoryEvent, str, str]]:
        """task_completed events in [start, end), with the item's number and title, oldest first."""
        query = (
            select(HistoryEvent, LedgerItem.business_number, LedgerItem.title)
            .join(LedgerItem, LedgerItem.instance_id == HistoryEvent.instance_id)
            .where(HistoryEvent.kind == "task_completed", HistoryEvent.at >= start, HistoryEvent.at < end)
            .order_by(HistoryEvent.at, HistoryEvent.id)
        )
        return [(row[0], row[1], row[2]) for row in self.session.execute(query)]

    def task_data(self, task_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The data each task had when it became ready (holds `unit` and `round` inside 单位办理)."""
        ids = list(set(task_ids))
        if not ids:
            return {}
        rows = self.session.execute(select(HumanTask.id, HumanTask.data).where(HumanTask.id.in_(ids)))
        return {task_id: dict(data or {}) for task_id, data in rows}
