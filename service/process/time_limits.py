"""The 办理时限 of an item: `time_limit_days` with `time_limit_unit` (docs/process-conventions.md) — the
count as the ledger stores it and the words pages and documents print. The one rule for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from service import workdays

MONTHS, WORKDAYS = "months", "workdays"
MAX_COUNT = 100_000  # anything longer is a typing mistake (and does not fit a deadline)


def limit_count(value: Any) -> int | None:
    """A time limit count from process data: a whole number 0 ≤ N < 100000, else None (bad data in an
    item must not break a command or a page)."""
    if isinstance(value, bool):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if 0 <= count < MAX_COUNT else None


def unit_of(data: Mapping[str, Any]) -> str:
    """`months` when the item counts months (人大代表建议, 政协委员提案), else `workdays`."""
    return MONTHS if data.get("time_limit_unit") == MONTHS else WORKDAYS


def time_limit_text(
    data: Mapping[str, Any],
    *,
    days: int | None = None,
    assigned: date | None = None,
    deadline: date | None = None,
    spaced: bool = True,
) -> str:
    """办理时限 in words, "" when there is none: "N 个月" when the item counts months, else "N 个工作日".

    N is `time_limit_days` of the data; for working days `days` first when given (the ledger row's count,
    a default by item type included). With `assigned` and `deadline` the words agree with the deadline
    printed beside them: when the deadline is not N from 交办 (entered by hand, or moved by an extension),
    they are the working days from 交办 to the deadline.

    `spaced` is the one difference between the two places that print it: pages put a space between the
    number and the word, like every page text ("15 个工作日"); documents do not, as 公文 write it ("15个工作日").
    """
    months = unit_of(data) == MONTHS
    count = limit_count(data.get("time_limit_days"))
    if not months and days:
        count = days
    if assigned is not None and deadline is not None and deadline > assigned:
        expected = None
        if count:
            expected = workdays.add_months(assigned, count) if months else workdays.add_workdays(assigned, count)
        if expected != deadline:
            return _words(workdays.workdays_between(assigned, deadline), "个工作日", spaced)
    if not count:
        return ""
    return _words(count, "个月" if months else "个工作日", spaced)


def _words(count: int, word: str, spaced: bool) -> str:
    return f"{count} {word}" if spaced else f"{count}{word}"
