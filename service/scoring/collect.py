"""Gathering a period's facts from the ledger, the history (returns), bulletins and 督查问责 referrals, as lines
per unit."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from service.db.models.ledger import co_unit_codes
from service.db.session import UnitOfWork
from service.ledger import REGISTERING
from service.process import facts, names
from service.scoring.arithmetic import (
    DueItem,
    ScoreLine,
    accountability_line,
    is_decided,
    is_overdue,
    mention_line,
    overdue_lines,
    return_line,
)
from service.scoring.periods import Period

PROCESS_KEY = names.SUPERVISION_ITEM


@dataclass
class UnitFacts:
    lines: list[ScoreLine] = field(default_factory=list)
    due: int = 0  # items (lead or co) whose deadline in the period has passed or that are closed
    on_time: int = 0  # of those, closed before the deadline ran out


def due_items(uow: UnitOfWork, period: Period, unit: str | None) -> list[DueItem]:
    """Assigned items whose deadline day lies in the period (an item still being registered is nobody's yet)."""
    # deadline_at is the midnight after the deadline day: day in [start, end] ⇔ deadline_at in (start, end + 1]
    after, until = period.starts_at, period.ends_before
    rows = uow.scoring.due_items(PROCESS_KEY, after, until, REGISTERING, unit)
    return [
        DueItem(
            instance_id=r.instance_id,
            business_number=r.business_number,
            title=r.title,
            lead_unit=r.lead_unit,
            co_units=tuple(co_unit_codes(r.co_units)),
            deadline_at=r.deadline_at,
            closed_at=r.closed_at,
        )
        for r in rows
    ]


def collect(
    uow: UnitOfWork, period: Period, rules: Mapping[str, Decimal], now: datetime, units: Collection[str]
) -> dict[str, UnitFacts]:
    """Lines and on-time counts for each of `units` (only those: a fact about any other unit is ignored)."""
    found = {code: UnitFacts() for code in units}
    only = next(iter(units)) if len(units) == 1 else None  # one unit: let the database filter
    for item in due_items(uow, period, only):
        for unit, role in item.roles():
            target = found.get(unit)
            if target is None:
                continue
            if is_decided(item, now):
                target.due += 1
                target.on_time += not is_overdue(item, now)
            target.lines.extend(overdue_lines(item, role, rules, now))
    for fact in facts.returns_between(uow, period.starts_at, period.ends_before):
        target = found.get(fact.unit or "")
        line = return_line(
            rules,
            number=fact.business_number,
            title=fact.title,
            instance_id=fact.instance_id,
            round_=fact.round,
            reason=fact.reason,
            at=fact.at,
        )
        if target is not None and line is not None:
            target.lines.append(line)
    for m in uow.scoring.mentions_between(period.starts_at, period.ends_before, only):
        target = found.get(m.unit_code)
        line = mention_line(
            rules, year=m.year, issue_no=m.issue_no, title=m.title, kind=m.kind, reason=m.reason, at=m.created_at
        )
        if target is not None and line is not None:
            target.lines.append(line)
    for r, number, title in uow.accountability.between(period.starts_at, period.ends_before, only):
        target = found.get(r.unit_code)
        line = accountability_line(
            rules, number=number, title=title, instance_id=r.instance_id, kind=r.kind, facts=r.facts, at=r.recorded_at
        )
        if target is not None and line is not None:
            target.lines.append(line)
    for unit_facts in found.values():
        unit_facts.lines.sort(key=lambda line: (line.day, line.number, line.rule))
    return found
