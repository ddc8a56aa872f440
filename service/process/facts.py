"""Facts the supervision rules count, derived from the history: which unit was returned for redo, when.

A return is the 督查室's review (element `review`) completed with `review_decision == 'return'`; the
unit is the one the review was about (the `unit` variable of that 单位办理 pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.db.session import UnitOfWork
from service.process import names

REVIEW_ELEMENT, RETURN_DECISION = names.REVIEW, names.RETURN_DECISION


@dataclass(frozen=True)
class ReturnFact:
    instance_id: int
    business_number: str
    title: str
    unit: str | None  # unit code
    round: int | None  # the round that was returned (1 = first report)
    reason: str
    at: datetime
    actor: str


def returns_between(uow: UnitOfWork, start: datetime, end: datetime) -> list[ReturnFact]:
    """Every return for redo decided in [start, end), oldest first."""
    found = []
    for event, number, title in uow.facts.completions_between(start, end):
        payload = event.payload or {}
        data = payload.get("data") or {}
        if payload.get("element_id") != REVIEW_ELEMENT or data.get("review_decision") != RETURN_DECISION:
            continue
        found.append((event, number, title, str(payload.get("task_id", ""))))
    task_data = uow.facts.task_data(task_id for *_, task_id in found)
    facts = []
    for event, number, title, task_id in found:
        context = task_data.get(task_id, {})
        data = (event.payload or {}).get("data") or {}
        round_ = context.get("round")
        facts.append(
            ReturnFact(
                instance_id=event.instance_id,
                business_number=number,
                title=title,
                unit=context.get("unit") or (event.payload or {}).get("unit"),
                round=int(round_) if isinstance(round_, int | float | str) and str(round_).isdigit() else None,
                reason=str(data.get("return_reason") or ""),
                at=event.at,
                actor=event.actor,
            )
        )
    return facts
