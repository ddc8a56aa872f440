"""Reading and changing the rules in force: every change appends a version, old versions stay."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import SUPERVISORS, Principal
from service.db.models.scoring import ScoreRuleSet
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden
from service.scoring.rules import DEFAULTS, RuleSet, from_stored, to_json, validate

SEEDED_BY = "系统"


def may_edit(actor: Principal) -> bool:
    return bool(actor.roles & SUPERVISORS)


def _rule_set(row: ScoreRuleSet) -> RuleSet:
    return RuleSet(row.version, from_stored(row.rules), row.created_by, row.created_at)


# Until the first change, the defaults are in force as version 1 without being stored: reading the
# rules never writes. The first change stores them as version 1, then itself as version 2.
DEFAULT_RULE_SET = RuleSet(1, DEFAULTS, SEEDED_BY, None)


def in_force(uow: UnitOfWork, now: datetime) -> RuleSet:
    """The newest stored version, else the defaults as version 1."""
    row = uow.scoring.latest_rules()
    return _rule_set(row) if row is not None else DEFAULT_RULE_SET


def history(uow: UnitOfWork, limit: int = 20) -> list[RuleSet]:
    return [_rule_set(row) for row in uow.scoring.rule_versions(limit)] or [DEFAULT_RULE_SET]


def save(
    uow: UnitOfWork, actor: Principal, raw: Mapping[str, Any] | Any, now: datetime, *, based_on: int | None = None
) -> tuple[RuleSet, bool]:
    """Validate and store a new version (admin / 督查室); (rules in force, whether a version was added).

    Keys left out keep their value in force. `based_on` (the version the editor saw) turns a concurrent
    change into a 409 instead of silently overwriting it. Bad input raises InvalidInput and stores nothing.
    """
    if not may_edit(actor):
        raise Forbidden("只有系统管理员和督查室可以修改考核规则")
    current = in_force(uow, now)
    if based_on is not None and based_on != current.version:
        raise Conflict(f"考核规则已被修改为第 {current.version} 版，请刷新后再改", {"version": current.version})
    values = validate(raw, current.values)
    if values == dict(current.values):
        return current, False
    if current is DEFAULT_RULE_SET and uow.scoring.insert_rules(1, to_json(DEFAULTS), SEEDED_BY, now) is None:
        raise Conflict("考核规则刚被他人修改，请刷新后再改")  # someone stored version 1 meanwhile
    row = uow.scoring.insert_rules(current.version + 1, to_json(values), actor.username, now)
    if row is None:
        raise Conflict("考核规则刚被他人修改，请刷新后再改")
    details = {"version": row.version, "before": to_json(current.values), "after": to_json(values)}
    audit_log.record(uow, audit_log.SCORING_RULES_CHANGED, actor.username, now, f"第 {row.version} 版", details)
    uow.commit()
    return _rule_set(row), True
