"""考核: every unit's score for a period, with its explained lines; who may see which units."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput
from service.ledger import visible_scope
from service.scoring import arithmetic, periods
from service.scoring.collect import collect
from service.scoring.rule_store import in_force
from service.scoring.rules import RuleSet

SCORED_KINDS = ("乡镇", "县直部门")  # the office itself (县政府办) is not scored


@dataclass(frozen=True)
class UnitScore:
    unit: str
    unit_name: str
    unit_kind: str
    rank: int | None  # None when the reader sees only their own unit
    base: Decimal
    score: Decimal
    deductions: Decimal  # ≤ 0
    additions: Decimal  # ≥ 0
    due: int
    on_time: int
    on_time_rate: float | None
    rule_version: int
    lines: list[arithmetic.ScoreLine]


@dataclass(frozen=True)
class ScoreSheet:
    start: date
    end: date
    period: str | None
    label: str
    rule_version: int
    rules: RuleSet
    computed_at: datetime
    units: list[UnitScore]


def may_view(actor: Principal) -> bool:
    return visible_scope(actor)[0]


def _scope(actor: Principal, unit: str | None) -> str | None:
    """The one unit the actor is limited to, if any; refuses what they may not read."""
    sees_any, own = visible_scope(actor)
    if not sees_any:
        raise Forbidden("没有查看考核得分的权限")
    if own and unit and unit != own:
        raise Forbidden("只能查看本单位的考核得分")
    return own


def scores(
    uow: UnitOfWork,
    actor: Principal,
    *,
    start: date,
    end: date,
    unit: str | None = None,
    now: datetime,
    period: periods.Period | None = None,
) -> ScoreSheet:
    """Scores of the period [start, end] (inclusive, Asia/Shanghai) under the rules in force, best first.

    督查室, admins, auditors and county leaders see every unit (or `unit` only, keeping its rank); a
    unit's staff see their own unit only. Units are ranked, never people: no line names a person.
    `period` (optional, with the same dates) gives the sheet its name, e.g. 2026年第四季度.
    """
    own = _scope(actor, unit)
    span = period if period and (period.start, period.end) == (start, end) else periods.between(start, end)
    units = uow.scoring.scored_units(SCORED_KINDS)
    if unit and unit not in {u.code for u in units}:
        raise InvalidInput("没有这个承办单位", {"errors": {"unit": ["没有这个承办单位"]}})
    if own:
        units = [u for u in units if u.code == own]
    rules = in_force(uow, now)
    found = collect(uow, span, rules.values, now, {u.code for u in units})
    base = rules["base"]
    scored = []
    for u in units:
        facts = found[u.code]
        minus, plus = arithmetic.split(facts.lines)
        scored.append(
            UnitScore(
                unit=u.code,
                unit_name=u.name,
                unit_kind=u.kind,
                rank=None,
                base=base,
                score=arithmetic.total(base, facts.lines),
                deductions=minus,
                additions=plus,
                due=facts.due,
                on_time=facts.on_time,
                on_time_rate=arithmetic.on_time_rate(facts.due, facts.on_time),
                rule_version=rules.version,
                lines=facts.lines,
            )
        )
    scored.sort(key=lambda s: (-s.score, -(s.on_time_rate or 0)))  # stable: ties keep the units' own order
    if not own:
        ranked = arithmetic.ranks([s.score for s in scored])
        scored = [replace(s, rank=r) for s, r in zip(scored, ranked, strict=True)]
    if unit:
        scored = [s for s in scored if s.unit == unit]
    return ScoreSheet(span.start, span.end, span.code, span.label, rules.version, rules, now, scored)
