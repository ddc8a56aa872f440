"""The scoring rules: which keys exist, their defaults and sane ranges, and validating a submitted set.

Pure: no database. Values are Decimals in memory (so −2.5 + −0.5 adds up exactly) and plain JSON
numbers when stored. A stored set that lacks a key added later reads that key's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from service.errors import InvalidInput

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RuleField:
    key: str
    label: str  # Chinese, shown on the rules form and in the API
    default: Decimal
    low: Decimal
    high: Decimal
    integer: bool = False


def _d(value: str) -> Decimal:
    return Decimal(value)


# Deductions are negative and additions positive, exactly as they appear in a unit's lines.
RULE_FIELDS: tuple[RuleField, ...] = (
    RuleField("base", "基础分", _d("100"), _d("0"), _d("1000")),
    RuleField("overdue_lead", "牵头单位逾期未办结（每件）", _d("-5"), _d("-100"), _d("0")),
    RuleField("overdue_co", "协办单位逾期未办结（每件）", _d("-2.5"), _d("-100"), _d("0")),
    RuleField("overdue_workday", "逾期每个工作日另计（每件每日，0 为不计）", _d("0"), _d("-10"), _d("0")),
    RuleField("overdue_workday_cap", "逾期工作日最多计（日）", _d("10"), _d("0"), _d("250"), integer=True),
    RuleField("return_redo", "办理情况被退回重办（每次）", _d("-1"), _d("-100"), _d("0")),
    RuleField("praise", "通报表扬（每次）", _d("1"), _d("0"), _d("100")),
    RuleField("criticism", "通报批评（每次）", _d("-1"), _d("-100"), _d("0")),
    RuleField("accountability", "督查问责（每次）", _d("-5"), _d("-100"), _d("0")),
)
FIELDS = {f.key: f for f in RULE_FIELDS}
DEFAULTS: dict[str, Decimal] = {f.key: f.default for f in RULE_FIELDS}


@dataclass(frozen=True)
class RuleSet:
    """A stored version of the rules (version 0 = the built-in defaults, never stored)."""

    version: int
    values: Mapping[str, Decimal]
    created_by: str
    created_at: datetime | None

    def __getitem__(self, key: str) -> Decimal:
        return self.values[key]

    def as_json(self) -> dict[str, int | float]:
        return to_json(self.values)


def to_json(values: Mapping[str, Decimal]) -> dict[str, int | float]:
    """Numbers as JSON keeps them: whole numbers as int, others as float (two decimals at most)."""
    return {key: int(v) if v == v.to_integral_value() else float(v) for key, v in values.items()}


def from_stored(stored: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """A stored set as Decimals; a key it lacks (added after it was saved) takes its default."""
    values = dict(DEFAULTS)
    for key, raw in (stored or {}).items():
        if key in FIELDS and isinstance(raw, int | float | str) and not isinstance(raw, bool):
            try:
                values[key] = Decimal(str(raw))
            except InvalidOperation:
                continue  # a hand-edited row must not stop scoring; the default stands
    return values


def _number(raw: Any) -> Decimal | str:
    """The value as a Decimal, or the Chinese reason it is not a number."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return "应为数字"
    text = str(raw).strip()
    if not text:
        return "请填写数值"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "应为数字"
    if not value.is_finite():
        return "应为数字"
    return value


def _check(field: RuleField, raw: Any) -> Decimal | str:
    value = _number(raw)
    if isinstance(value, str):
        return value
    if not field.low <= value <= field.high:
        return f"应在 {field.low} 到 {field.high} 之间"
    if field.integer and value != value.to_integral_value():
        return "应为整数"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return "最多两位小数"
    return value.quantize(Decimal(1) if field.integer else CENT)


def validate(raw: Any, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A complete, checked rule set from submitted values; keys left out keep their `current` value.

    InvalidInput lists every problem under its key (unknown keys too), so a form shows each next to its field.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("考核规则有误", {"errors": {"rules": ["应为“规则项: 数值”的对象"]}})
    errors: dict[str, list[str]] = {}
    values = dict(current)
    for key, given in raw.items():
        field = FIELDS.get(str(key))
        if field is None:
            errors[str(key)[:64]] = [f"未知的规则项，可用：{'、'.join(FIELDS)}"]
            continue
        checked = _check(field, given)
        if isinstance(checked, str):
            errors[field.key] = [checked]
        else:
            values[field.key] = checked
    if errors:
        raise InvalidInput("考核规则有误，未保存", {"errors": errors})
    return values
