"""Scoring periods: `2026`, `2026H1`, `2026Q4`, `2026-11`, or explicit inclusive dates (Asia/Shanghai).

Pure: no database. A bad period raises InvalidInput with the error under the field it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from service import workdays
from service.errors import InvalidInput

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_DAYS = 366 * 3  # a longer explicit range is a typo more often than a need, and costs a full scan
_PATTERN = re.compile(r"^(\d{4})(?:(H[12])|(Q[1-4])|-(\d{1,2}))?$")
_QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
PERIOD_HINT = "如 2026、2026H1、2026H2、2026Q4、2026-11"


@dataclass(frozen=True)
class Period(workdays.DaySpan):
    """Inclusive days (`starts_at`, `ends_before`: its moments, Asia/Shanghai) with a code and a name."""

    code: str | None  # "2026Q4" etc.; None for explicit dates
    label: str  # Chinese, e.g. 2026年第四季度


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"考核期间有误：{message}", {"errors": {field: [message]}})


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def parse_period(text: str) -> Period:
    """`2026` / `2026H1` / `2026H2` / `2026Q1`…`Q4` / `2026-11` (case and spaces ignored)."""
    code = (text or "").strip().upper()
    match = _PATTERN.match(code)
    if not match:
        raise _invalid("period", f"期间格式不正确，{PERIOD_HINT}")
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid("period", f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    half, quarter, month = match.group(2), match.group(3), match.group(4)
    if half:
        first = 1 if half == "H1" else 7
        label = "上半年" if half == "H1" else "下半年"
        return Period(date(year, first, 1), _month_end(year, first + 5), code, f"{year}年{label}")
    if quarter:
        q = int(quarter[1])
        first = 3 * q - 2
        return Period(date(year, first, 1), _month_end(year, first + 2), code, f"{year}年{_QUARTER_NAMES[q]}")
    if month:
        m = int(month)
        if not 1 <= m <= 12:
            raise _invalid("period", "月份应在 1–12 之间")
        return Period(date(year, m, 1), _month_end(year, m), f"{year}-{m:02d}", f"{year}年{m}月")
    return Period(date(year, 1, 1), date(year, 12, 31), code, f"{year}年")


def between(start: date, end: date) -> Period:
    """An explicit period of inclusive dates."""
    for field, day in (("start", start), ("end", end)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise _invalid(field, f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    if end < start:
        raise _invalid("end", "结束日期不能早于开始日期")
    if (end - start).days >= MAX_DAYS:
        raise _invalid("end", f"起止日期最长 {MAX_DAYS} 天")
    return Period(start, end, None, f"{start.isoformat()} 至 {end.isoformat()}")


def resolve(period: str | None, start: date | None, end: date | None, today: date) -> Period:
    """The period asked for: a period code, or both dates; neither means the current year."""
    if period and (start or end):
        raise _invalid("period", "按期间或按起止日期查询，只能选一种")
    if period:
        return parse_period(period)
    if start or end:
        if start is None:
            raise _invalid("start", "请同时填写开始日期")
        if end is None:
            raise _invalid("end", "请同时填写结束日期")
        return between(start, end)
    return parse_period(str(today.year))


def choices(today: date) -> list[tuple[str, str]]:
    """Periods to offer in a chooser: this year and last year, each with halves, quarters and months."""
    found: list[tuple[str, str]] = []
    for year in (today.year, today.year - 1):
        codes = [str(year), f"{year}H1", f"{year}H2", *(f"{year}Q{q}" for q in range(1, 5))]
        codes += [f"{year}-{m:02d}" for m in range(1, 13)]
        found += [(code, parse_period(code).label) for code in codes]
    return found
