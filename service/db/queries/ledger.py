"""SQL of the ledger (台账): filtered pages, counts, streaming for export, GROUP BY statistics.

Callers hand over a `LedgerCriteria` already in database terms (light → deadline_at range, dates →
datetimes); every statement here applies it the same way, so a page, its total, the export and the
statistics always agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, func, select

from service.db.models import LedgerItem
from service.db.models.ledger import involves_unit
from service.db.queries.base import Repository

OPEN_STATUSES = ("registering", "handling", "error")  # every status but "closed"; IN (...) uses the index
_L = LedgerItem
SORTS: dict[str, tuple[Any, ...]] = {
    "registered_desc": (_L.registered_at.desc(), _L.instance_id.desc()),
    "registered_asc": (_L.registered_at.asc(), _L.instance_id.asc()),
    "deadline_asc": (_L.deadline_at.asc().nulls_last(), _L.instance_id.asc()),
    "deadline_desc": (_L.deadline_at.desc().nulls_last(), _L.instance_id.desc()),
    "number": (_L.instance_id.asc(),),  # numbers are handed out in creation order
}
UNINDEXED_SORTS = {"deadline_asc", "deadline_desc"}  # deadline_at NULLS LAST: no index serves these
# The export reads plain rows, not ORM objects: 100,000 of them stream in batches of this size.
EXPORT_COLUMNS = tuple(LedgerItem.__table__.columns)
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class LedgerCriteria:
    unit_scope: str | None = None  # visibility: only rows this unit leads or co-handles
    status: str | None = None
    open_only: bool = False
    unit: str | None = None  # lead or co-handling unit
    source_type: str | None = None
    priority: str | None = None  # 重点 / 一般
    process_key: str | None = None
    deadline_after: datetime | None = None  # deadline_at > this
    deadline_until: datetime | None = None  # deadline_at <= this
    registered_from: datetime | None = None  # registered_at >= this
    registered_before: datetime | None = None  # registered_at < this
    deadline_from: str | None = None  # deadline (YYYY-MM-DD) >= this
    deadline_to: str | None = None  # deadline <= this
    q: str | None = None  # substring of title, content or business number


def _where(c: LedgerCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if c.unit_scope is not None:
        conditions.append(involves_unit(c.unit_scope))
    if c.unit:
        conditions.append(involves_unit(c.unit))
    if c.status:
        conditions.append(_L.status == c.status)
    if c.open_only:
        conditions.append(_L.status.in_(OPEN_STATUSES))
    for column, value in ((_L.source_type, c.source_type), (_L.process_key, c.process_key), (_L.priority, c.priority)):
        if value:
            conditions.append(column == value)
    if c.deadline_after is not None:
        conditions.append(_L.deadline_at > c.deadline_after)
    if c.deadline_until is not None:
        conditions.append(_L.deadline_at <= c.deadline_until)
    if c.registered_from is not None:
        conditions.append(_L.registered_at >= c.registered_from)
    if c.registered_before is not None:
        conditions.append(_L.registered_at < c.registered_before)
    if c.deadline_from:
        conditions.append(_L.deadline >= c.deadline_from)
    if c.deadline_to:
        conditions.append(_L.deadline <= c.deadline_to)
    if c.q:
        conditions.append(
            _L.title.contains(c.q, autoescape=True)
            | _L.content.contains(c.q, autoescape=True)
            | _L.business_number.contains(c.q, autoescape=True)
        )
    return conditions


class LedgerRepository(Repository):
    def get(self, instance_id: int) -> LedgerItem | None:
        return self.session.get(LedgerItem, instance_id)

    def add(self, item: LedgerItem) -> None:
        self.session.add(item)

    def count(self, criteria: LedgerCriteria) -> int:
        return self.session.scalar(select(func.count()).select_from(_L).where(*_where(criteria))) or 0

    def page(self, criteria: LedgerCriteria, sort: str, offset: int, limit: int) -> Sequence[LedgerItem]:
        """One page in `sort` order."""
        order, where = SORTS[sort], _where(criteria)
        if sort not in UNINDEXED_SORTS:  # an index gives the order: walk it to the page
            stmt = select(LedgerItem).where(*where).order_by(*order).offset(offset).limit(limit)
        else:  # sort only the narrow (key, deadline) pairs, then fetch just the page's rows (a deferred join)
            keys = select(_L.instance_id).where(*where).order_by(*order).offset(offset).limit(limit)
            stmt = select(LedgerItem).where(_L.instance_id.in_(keys.scalar_subquery())).order_by(*order)
        return self.session.scalars(stmt).all()

    def stream(self, criteria: LedgerCriteria, sort: str) -> Iterator[Row[Any]]:
        """Every matching row (plain column tuples) in `sort` order, fetched EXPORT_BATCH at a time."""
        stmt: Select[Any] = select(*EXPORT_COLUMNS).where(*_where(criteria)).order_by(*SORTS[sort])
        # Core, not the ORM: plain tuples; yield_per streams (a server-side cursor on PostgreSQL)
        result = self.session.connection().execute(stmt.execution_options(yield_per=EXPORT_BATCH))
        for batch in result.partitions():
            yield from batch

    def statistics(self, criteria: LedgerCriteria, red_until: datetime, yellow_until: datetime) -> Sequence[Row[Any]]:
        """One pass in index order, grouped by (lead_unit, status): n, closed_on_time (closed by the deadline or
        without one) and, for open items with a deadline, red / yellow / green by the bounds of service.lights.
        Everything the overview shows is a sum over these few groups."""
        has_light = _L.status.in_(OPEN_STATUSES) & _L.deadline_at.is_not(None)
        on_time = (_L.status == "closed") & (_L.deadline_at.is_(None) | (_L.closed_at <= _L.deadline_at))

        def how_many(condition: ColumnElement[bool], name: str) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)

        stmt = (
            select(
                _L.lead_unit,
                _L.status,
                func.count().label("n"),
                how_many(on_time, "closed_on_time"),
                how_many(has_light & (_L.deadline_at <= red_until), "red"),
                how_many(has_light & (_L.deadline_at > red_until) & (_L.deadline_at <= yellow_until), "yellow"),
                how_many(has_light & (_L.deadline_at > yellow_until), "green"),
            )
            .where(*_where(criteria))
            .group_by(_L.lead_unit, _L.status)
        )
        return self.session.execute(stmt).all()
