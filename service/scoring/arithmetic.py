"""The arithmetic of a unit's score, one explained line per fact. Pure: facts in, lines and totals out.

score = base + sum(lines); every line carries its rule key, signed points and a Chinese sentence saying
which item (or bulletin 第N期) on which day earned it. A rule set to 0 produces no line.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from service import workdays
from service.workdays import lights

LEAD, CO = "lead", "co"
ROLE_LABELS = {LEAD: "牵头单位", CO: "协办单位"}
MENTION_RULES = {"praise": ("praise", "通报表扬"), "criticism": ("criticism", "通报批评")}
REASON_LIMIT = 60


@dataclass(frozen=True)
class ScoreLine:
    rule: str  # rule key (service.scoring.rules)
    points: Decimal  # signed: deductions negative
    number: str  # business number 督办〔2026〕第3号, or the bulletin 2026年第3期
    title: str
    day: date  # Asia/Shanghai: the deadline, the return, the bulletin
    explanation: str
    instance_id: int | None = None


@dataclass(frozen=True)
class DueItem:
    """An item whose deadline falls in the period, as the ledger holds it."""

    instance_id: int
    business_number: str
    title: str
    lead_unit: str
    co_units: tuple[str, ...]
    deadline_at: datetime  # the first overdue moment (end of the deadline day)
    closed_at: datetime | None

    @functools.cached_property
    def deadline(self) -> date:
        return lights.deadline_date(self.deadline_at)

    def roles(self) -> Iterable[tuple[str, str]]:
        """(unit, lead/co) for every unit handling it."""
        if self.lead_unit:
            yield self.lead_unit, LEAD
        for unit in self.co_units:
            if unit != self.lead_unit:
                yield unit, CO


def is_overdue(item: DueItem, now: datetime) -> bool:
    """Not closed by its deadline: closed later, or still open once the deadline has passed."""
    if item.closed_at is not None:
        return item.closed_at >= item.deadline_at
    return now >= item.deadline_at


def is_decided(item: DueItem, now: datetime) -> bool:
    """Counts towards the on-time rate: closed, or its deadline has passed (an open item not yet due does not)."""
    return item.closed_at is not None or now >= item.deadline_at


@functools.lru_cache(maxsize=4096)
def _workdays_between(first: date, last: date, calendar: workdays.Calendar) -> int:
    # Many items share a deadline day and "today": a year's sheet asks the same question thousands of times.
    return workdays.workdays_between(first, last, calendar)


def overdue_workdays(item: DueItem, now: datetime) -> int:
    """Working days late until it was closed (or until now): at least 1 for any overdue item."""
    until = workdays.as_date(item.closed_at or now)
    return max(1, _workdays_between(item.deadline, until, workdays.current()))


def show_number(value: Decimal) -> str:
    """100, -2.5, 0.5: without trailing zeros or exponent."""
    text = f"{value.normalize():f}"
    return "0" if text == "-0" else text


def show_points(points: Decimal) -> str:
    """+1, -2.5, 0: signed, without trailing zeros."""
    text = show_number(points)
    return f"+{text}" if points > 0 else text


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _line(rule: str, points: Decimal, number: str, title: str, day: date, text: str, iid: int | None) -> ScoreLine:
    return ScoreLine(rule, points, number, title, day, f"{text}：{show_points(points)}", iid)


def overdue_lines(item: DueItem, role: str, rules: Mapping[str, Decimal], now: datetime) -> list[ScoreLine]:
    """The lines an overdue item earns a unit in `role` (lead/co); none when it was on time."""
    if not is_overdue(item, now):
        return []
    found = []
    who = ROLE_LABELS[role]
    head = f"{item.business_number}《{item.title}》"
    points = rules["overdue_lead" if role == LEAD else "overdue_co"]
    if item.closed_at is None:
        text = f"{head}截至{cn_date(item.deadline)}逾期未办结（{who}）"
    else:
        text = f"{head}时限为{cn_date(item.deadline)}，{cn_date(workdays.as_date(item.closed_at))}才办结，逾期（{who}）"
    if points:
        rule = "overdue_lead" if role == LEAD else "overdue_co"
        found.append(_line(rule, points, item.business_number, item.title, item.deadline, text, item.instance_id))
    per_day, cap = rules["overdue_workday"], int(rules["overdue_workday_cap"])
    days = overdue_workdays(item, now) if per_day and cap else 0
    counted = min(days, cap)
    if counted:
        capped = f"，最多计{cap}日" if days > cap else ""
        text = f"{head}逾期{days}个工作日（{who}，每日{show_points(per_day)}{capped}）"
        pts = per_day * counted
        found.append(
            _line("overdue_workday", pts, item.business_number, item.title, item.deadline, text, item.instance_id)
        )
    return found


def _reason(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def return_line(
    rules: Mapping[str, Decimal],
    *,
    number: str,
    title: str,
    instance_id: int,
    round_: int | None,
    reason: str,
    at: datetime,
) -> ScoreLine | None:
    """One return for redo (退回重办) of the unit's report; None when the rule is 0."""
    points = rules["return_redo"]
    if not points:
        return None
    which = f"第{round_}轮" if round_ else ""
    because = f"（退回理由：{_reason(reason)}）" if reason.strip() else ""
    day = workdays.as_date(at)
    text = f"{number}《{title}》{which}办理情况于{cn_date(day)}被退回重办{because}"
    return _line("return_redo", points, number, title, day, text, instance_id)


def mention_line(
    rules: Mapping[str, Decimal], *, year: int, issue_no: int, title: str, kind: str, reason: str, at: datetime
) -> ScoreLine | None:
    """One praise or criticism in a bulletin (第N期); None for an unknown kind or a rule set to 0."""
    if kind not in MENTION_RULES:
        return None
    rule, word = MENTION_RULES[kind]
    points = rules[rule]
    if not points:
        return None
    number = f"{year}年第{issue_no}期"
    because = f"（{_reason(reason)}）" if reason.strip() else ""
    text = f"{number}督查通报《{title}》{word}{because}"
    return _line(rule, points, number, title, workdays.as_date(at), text, None)


def accountability_line(
    rules: Mapping[str, Decimal], *, number: str, title: str, instance_id: int, kind: str, facts: str, at: datetime
) -> ScoreLine | None:
    """One 督查问责 referral of the unit on an item; None when the rule is 0."""
    points = rules["accountability"]
    if not points:
        return None
    day = workdays.as_date(at)
    text = f"{number}《{title}》于{cn_date(day)}被督查问责（{kind}：{_reason(facts)}）"
    return _line("accountability", points, number, title, day, text, instance_id)


def total(base: Decimal, lines: Sequence[ScoreLine]) -> Decimal:
    return base + sum((line.points for line in lines), Decimal(0))


def split(lines: Sequence[ScoreLine]) -> tuple[Decimal, Decimal]:
    """(deductions ≤ 0, additions ≥ 0)."""
    minus = sum((line.points for line in lines if line.points < 0), Decimal(0))
    plus = sum((line.points for line in lines if line.points > 0), Decimal(0))
    return minus, plus


def on_time_rate(due: int, on_time: int) -> float | None:
    """Closed on time ÷ due (4 decimals); None when nothing was due yet."""
    return round(on_time / due, 4) if due else None


def ranks(scores: Sequence[Decimal]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of scores already sorted from high to low."""
    found: list[int] = []
    for i, score in enumerate(scores):
        found.append(found[-1] if i and score == scores[i - 1] else i + 1)
    return found
