"""The ledger's read use cases: a filtered page, and the statistics overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Unpack

from service.access.principal import Principal
from service.db.queries.ledger import sort_value
from service.db.session import UnitOfWork
from service.ledger.labels import CLOSED, STATUSES
from service.ledger.reading import (
    LedgerEntry,
    LedgerFilters,
    LightsAt,
    check_sort,
    criteria,
    decode_after,
    encode_after,
    on_time_rate,
    unit_label,
    unit_names,
)
from service.process.names import SUPERVISION_ITEM
from service.workdays import lights

# A text search counts its matches up to this many: past it the page says "more than" (total_capped).
SEARCH_COUNT_CAP = 1_000


@dataclass(frozen=True)
class LedgerPage:
    """A page of the ledger: its entries, how many rows match in all (a text search: at most
    SEARCH_COUNT_CAP, with `total_capped` when more match), and the cursor of the next page (`after=`),
    None on the last page."""

    entries: list[LedgerEntry]
    total: int
    next_after: str | None
    total_capped: bool = False


def search_page(
    uow: UnitOfWork,
    actor: Principal,
    *,
    sort: str = "registered_desc",
    offset: int = 0,
    limit: int = 50,
    after: str | None = None,
    now: datetime,
    yellow_workdays: int = 3,
    **filters: Unpack[LedgerFilters],
) -> LedgerPage:
    """One page of the rows the actor may see: after the cursor `after` (keyset: deep pages cost what the
    first does, and rows added meanwhile neither shift nor repeat a page) or else `offset` rows in."""
    check_sort(sort)
    keyset = decode_after(sort, after) if after else None
    where = criteria(actor, now, yellow_workdays, **filters)
    if where is None:
        return LedgerPage([], 0, None)
    cap = SEARCH_COUNT_CAP if where.q else None  # only a text search is costly to count in full
    counted = uow.ledger.count(where, at_most=cap)
    capped = cap is not None and counted > cap
    total = counted if cap is None else min(counted, cap)
    if total == 0 or (keyset is None and offset >= total and not capped):
        return LedgerPage([], total, None, capped)
    names = unit_names(uow)
    limit = max(limit, 1)
    rows = list(uow.ledger.page(where, sort, max(offset, 0), limit + 1, after=keyset))
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = encode_after(sort, sort_value(sort, rows[-1]), rows[-1].instance_id) if more else None
    at = LightsAt(now, yellow_workdays)
    return LedgerPage([LedgerEntry.of(row, at, names) for row in rows], total, next_after, capped)


def search(
    uow: UnitOfWork,
    actor: Principal,
    *,
    sort: str = "registered_desc",
    offset: int = 0,
    limit: int = 50,
    now: datetime,
    yellow_workdays: int = 3,
    **filters: Unpack[LedgerFilters],
) -> tuple[list[LedgerEntry], int]:
    """One page of the rows the actor may see (`offset` rows in), and how many match in all."""
    found = search_page(
        uow, actor, sort=sort, offset=offset, limit=limit, now=now, yellow_workdays=yellow_workdays, **filters
    )
    return found.entries, found.total


def overview(
    uow: UnitOfWork,
    actor: Principal,
    now: datetime,
    yellow_workdays: int = 3,
    *,
    process_key: str | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
) -> dict[str, Any]:
    """Counts by status, by light (open items), and per lead unit with the on-time rate. With a deadline
    range it counts the items due in it, the period of a 督查通报 and of 考核.

    {"total", "by_status": {status: n}, "by_light": {light: n}, "units": [{"unit", "unit_name", "total",
    "closed", "closed_on_time", "overdue_open", "on_time_rate"}]}; a closed item without a deadline
    counts as closed on time; on_time_rate is None for a unit with nothing closed yet.
    """
    by_status = dict.fromkeys(STATUSES, 0)
    by_light = dict.fromkeys(lights.LIGHTS, 0)
    process_key = process_key or SUPERVISION_ITEM  # 督办事项, as 通报 and 考核 count them
    where = criteria(
        actor,
        now,
        yellow_workdays,
        process_key=process_key,
        registered_from=registered_from,
        registered_to=registered_to,
        deadline_from=deadline_from,
        deadline_to=deadline_to,
    )
    if where is None:
        return {"total": 0, "by_status": by_status, "by_light": by_light, "units": []}
    groups = uow.ledger.statistics(where, *lights.light_bounds(now, yellow_workdays))
    per_unit: dict[str, dict[str, int]] = {}
    for g in groups:  # one per (lead unit, status): a few dozen, not rows
        by_status[g.status] = by_status.get(g.status, 0) + g.n
        for light in lights.LIGHTS:
            by_light[light] += int(getattr(g, light))
        unit = per_unit.setdefault(g.lead_unit, {"total": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0})
        unit["total"] += g.n
        unit["closed"] += g.n if g.status == CLOSED else 0
        unit["closed_on_time"] += int(g.closed_on_time)
        unit["overdue_open"] += int(g.red)
    names = unit_names(uow)
    units = [
        {"unit": code, "unit_name": unit_label(code, names), **counts, "on_time_rate": on_time_rate(**counts)}
        for code, counts in sorted(per_unit.items(), key=lambda item: (-item[1]["total"], item[0]))
    ]
    return {"total": sum(by_status.values()), "by_status": by_status, "by_light": by_light, "units": units}
