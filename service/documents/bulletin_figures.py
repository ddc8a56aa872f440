"""The figures of a 督查通报 for a period: totals from the ledger, the period's ledger lines, and the units the
office might praise or criticise (suggestions only: the office decides, with its own words).

An item is *due* in the period when its deadline day falls in it. Of the due items: on time = closed at or
before deadline_at; overdue = closed after it, or not closed and deadline_at passed at generation time;
open = not closed yet. Closed = closed_at within the period (any item). Returns = returns for redo decided in
the period (service.facts). Overdue items are charged to the lead unit (it reports for all).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from service import ledger, workdays
from service.db.models import LedgerItem
from service.db.models.ledger import co_unit_codes
from service.db.session import UnitOfWork
from service.documents.layout import cn_date
from service.process import facts, names
from service.workdays import lights

PROCESS_KEY = names.SUPERVISION_ITEM
LISTED_ITEMS = 5  # items named in a suggested praise reason before "等N件"
REASON_LIMIT = 1000  # the column's size
ON_TIME, LATE, OVERDUE, OPEN = "on_time", "late", "overdue", "open"


@dataclass(frozen=True)
class Period(workdays.DaySpan):
    """The inclusive days a bulletin covers (`starts_at`, `ends_before`: its moments, Asia/Shanghai)."""

    @property
    def label(self) -> str:
        return f"{cn_date(self.start)}至{cn_date(self.end)}"


@dataclass(frozen=True)
class LedgerLine:
    """One row of the ledger appended to the bulletin."""

    business_number: str
    title: str
    lead_unit_name: str
    co_unit_names: list[str]
    deadline: str
    status_label: str
    light_label: str
    closed_on: date | None
    outcome: str  # on_time / late / overdue / open, or "" when not due in the period


@dataclass(frozen=True)
class Suggestion:
    unit: str
    unit_name: str
    reason: str


@dataclass(frozen=True)
class Figures:
    period: Period
    totals: dict[str, int]
    praise: list[Suggestion]
    criticism: list[Suggestion]
    lines: list[LedgerLine]


def _deadline_at(row: LedgerItem) -> datetime:
    """The first overdue moment of a row due in the period (it has a deadline day)."""
    return row.deadline_at or workdays.deadline_end(row.deadline or "")


def _outcome(row: LedgerItem, now: datetime) -> str:
    deadline_at = _deadline_at(row)
    if row.status == ledger.CLOSED and row.closed_at is not None:
        return ON_TIME if row.closed_at <= deadline_at else LATE
    return OVERDUE if now >= deadline_at else OPEN


def _days_late(row: LedgerItem, at: datetime) -> int:
    """Working days past the deadline at `at` (at least 1: an item late at the weekend is still late)."""
    return max(-(lights.workdays_left(_deadline_at(row), at) or 0), 1)


def _named(row: LedgerItem) -> str:
    return f"{row.business_number}《{row.title}》"


def _units(row: LedgerItem) -> list[str]:
    return [u for u in [row.lead_unit, *co_unit_codes(row.co_units)] if u]


def _clip(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def _praise(due: Sequence[tuple[LedgerItem, str]], blamed: set[str], names: Mapping[str, str]) -> list[Suggestion]:
    """Units whose every due item (as lead or co-handler) was closed on time."""
    by_unit: dict[str, list[tuple[LedgerItem, str]]] = defaultdict(list)
    for row, outcome in due:
        for unit in _units(row):
            by_unit[unit].append((row, outcome))
    found = []
    for unit, rows in by_unit.items():
        if unit in blamed or any(outcome != ON_TIME for _, outcome in rows):
            continue
        listed = "、".join(_named(row) for row, _ in rows[:LISTED_ITEMS])
        if len(rows) == 1:
            reason = f"{listed}按期办结"
        else:
            more = "等" if len(rows) > LISTED_ITEMS else ""
            reason = f"{listed}{more}{len(rows)}件督办事项均按期办结"
        found.append(Suggestion(unit, names.get(unit, unit), _clip(reason)))
    return sorted(found, key=lambda s: s.unit_name)


def _criticism(
    due: Sequence[tuple[LedgerItem, str]], returns: Sequence[facts.ReturnFact], now: datetime, names: Mapping[str, str]
) -> list[Suggestion]:
    """Lead units of overdue items, and units returned for redo at least twice in the period."""
    parts: dict[str, list[str]] = defaultdict(list)
    for row, outcome in due:
        if outcome == OVERDUE and row.lead_unit:
            parts[row.lead_unit].append(f"{_named(row)}逾期{_days_late(row, now)}个工作日未办结")
        elif outcome == LATE and row.lead_unit and row.closed_at is not None:
            parts[row.lead_unit].append(f"{_named(row)}逾期{_days_late(row, row.closed_at)}个工作日办结")
    counted: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for fact in returns:
        if fact.unit:
            counted[fact.unit][(fact.business_number, fact.title)] += 1
    for unit, items in counted.items():
        if sum(items.values()) >= 2:
            parts[unit].extend(f"{number}《{title}》被退回重新办理{n}次" for (number, title), n in items.items())
    found = [Suggestion(unit, names.get(unit, unit), _clip("；".join(texts))) for unit, texts in parts.items()]
    return sorted(found, key=lambda s: s.unit_name)


def _line(row: LedgerItem, outcome: str, now: datetime, yellow_workdays: int, names: Mapping[str, str]) -> LedgerLine:
    closed = row.status == ledger.CLOSED
    light = lights.light(row.deadline_at, now, closed=closed, yellow_workdays=yellow_workdays)
    status = ledger.status_label(row.status) + ("（逾期办结）" if outcome == LATE else "")
    return LedgerLine(
        business_number=row.business_number,
        title=row.title,
        lead_unit_name=names.get(row.lead_unit, row.lead_unit),
        co_unit_names=[names.get(c, c) for c in co_unit_codes(row.co_units)],
        deadline=row.deadline or "",
        status_label=status,
        light_label=ledger.light_label(light),
        closed_on=workdays.as_date(row.closed_at) if closed and row.closed_at else None,
        outcome=outcome,
    )


def figures(uow: UnitOfWork, period: Period, now: datetime, yellow_workdays: int = 3) -> Figures:
    """Totals, suggestions and ledger lines of the period, as of `now`."""
    first, last = period.start.isoformat(), period.end.isoformat()
    rows = uow.bulletins.period_rows(PROCESS_KEY, first, last, period.starts_at, period.ends_before)
    outcomes = [(row, _outcome(row, now) if row.deadline and first <= row.deadline <= last else "") for row in rows]
    due = [(row, outcome) for row, outcome in outcomes if outcome]
    found = facts.returns_between(uow, period.starts_at, period.ends_before)
    keys = uow.bulletins.process_keys(f.instance_id for f in found)
    returns = [f for f in found if keys.get(f.instance_id) == PROCESS_KEY]
    count = Counter(outcome for _, outcome in due)
    totals = {
        "due": len(due),
        "on_time": count[ON_TIME],
        "overdue": count[LATE] + count[OVERDUE],
        "overdue_open": count[OVERDUE],
        "closed": sum(1 for row in rows if row.closed_at and period.starts_at <= row.closed_at < period.ends_before),
        "returned": len(returns),
        "returned_items": len({f.instance_id for f in returns}),
        "open": count[OVERDUE] + count[OPEN],
    }
    names = uow.units.names()
    criticism = _criticism(due, returns, now, names)
    praise = _praise(due, {s.unit for s in criticism}, names)
    lines = [_line(row, outcome, now, yellow_workdays, names) for row, outcome in outcomes]
    return Figures(period, totals, praise, criticism, lines)
