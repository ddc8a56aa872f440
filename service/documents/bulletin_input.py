"""Checking what the office asks for when it generates a bulletin: every problem is reported at once, keyed by
field ("start", "praise.0.reason", ...), and nothing is stored unless all is well."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.documents.bulletin_figures import REASON_LIMIT, Period
from service.errors import InvalidInput

TITLE_LIMIT = 300
REQUIREMENTS_LIMIT = 20_000
MENTION_LIMIT = 100
KINDS = {"praise": "表扬", "criticism": "批评"}


@dataclass(frozen=True)
class Mention:
    unit: str
    kind: str  # praise / criticism
    reason: str


class _Errors:
    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.found.setdefault(field, []).append(message)

    def raise_if_any(self, message: str) -> None:
        if self.found:
            first = next(iter(self.found.values()))[0]
            raise InvalidInput(f"{message}：{first}", {"errors": self.found})


def _day(value: Any, field: str, errors: _Errors) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        errors.add(field, "请填写日期")
        return None
    try:
        if len(text) != 10:  # 3.11 also reads 20270301 and week dates; people type YYYY-MM-DD
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors.add(field, "日期格式应为 YYYY-MM-DD")
        return None


def _year_after(day: date) -> date:
    """The same day a year later (29 February → 1 March): the first day a one-year period may not reach."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def _period(start: Any, end: Any, errors: _Errors) -> Period | None:
    first, last = _day(start, "start", errors), _day(end, "end", errors)
    if first is None or last is None:
        return None
    if last < first:
        errors.add("end", "结束日期不能早于开始日期")
        return None
    if last >= _year_after(first):
        errors.add("end", "通报期间不能超过一年")
        return None
    return Period(first, last)


def parse_period(start: Any, end: Any) -> Period:
    """The period [start, end] (YYYY-MM-DD, inclusive, at most a year), or 422 with field errors."""
    errors = _Errors()
    period = _period(start, end, errors)
    errors.raise_if_any("通报期间有误")
    assert period is not None
    return period


def _mentions(kind: str, raw: Any, units: Mapping[str, str], errors: _Errors) -> list[Mention]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add(kind, "应为列表")
        return []
    if len(raw) > MENTION_LIMIT:
        errors.add(kind, f"最多{MENTION_LIMIT}个单位")
        return []
    found: list[Mention] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw):
        entry = entry if isinstance(entry, Mapping) else {}
        unit, reason = str(entry.get("unit") or "").strip(), str(entry.get("reason") or "").strip()
        if unit not in units:
            errors.add(f"{kind}.{n}.unit", f"单位 {unit} 不存在" if unit else "请选择单位")
        elif unit in seen:
            errors.add(f"{kind}.{n}.unit", f"{units[unit]}重复{KINDS[kind]}")
        if not reason:
            errors.add(f"{kind}.{n}.reason", f"请填写{KINDS[kind]}理由")
        elif len(reason) > REASON_LIMIT:
            errors.add(f"{kind}.{n}.reason", f"理由不能超过{REASON_LIMIT}个字")
        seen.add(unit)
        found.append(Mention(unit, kind, reason))
    return found


@dataclass(frozen=True)
class BulletinRequest:
    period: Period
    title: str  # "" for the default title
    mentions: list[Mention]
    requirements: str


def parse_request(payload: Mapping[str, Any], units: Mapping[str, str]) -> BulletinRequest:
    """The checked request, or 422 listing every bad field."""
    errors = _Errors()
    period = _period(payload.get("start"), payload.get("end"), errors)
    title = str(payload.get("title") or "").strip()
    if len(title) > TITLE_LIMIT:
        errors.add("title", f"标题不能超过{TITLE_LIMIT}个字")
    requirements = str(payload.get("requirements") or "").strip()
    if len(requirements) > REQUIREMENTS_LIMIT:
        errors.add("requirements", f"整改要求不能超过{REQUIREMENTS_LIMIT}个字")
    mentions = [m for kind in KINDS for m in _mentions(kind, payload.get(kind), units, errors)]
    errors.raise_if_any("通报内容有误")
    assert period is not None
    return BulletinRequest(period, title, mentions, requirements)
