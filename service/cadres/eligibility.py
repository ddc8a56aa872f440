"""The 人员标准 of 附件3 as pure functions: every rule a cadre fails on a date, in Chinese.

Only the measurable standards are checked (rule 4's age, experience and health; rule 5's discipline and
annual evaluations); political and personal qualities (rules 1–3) are the recommending unit's judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from service.cadres.vocabulary import HEALTHY, PASSING_GRADES, SECTION_RANKS, age_on, months_until, years_before

SECTION_AGE_LIMIT = 50  # 科级干部年龄一般在50岁以下
BELOW_SECTION_AGE_LIMIT = 45  # 科级以下干部年龄一般在45岁以下
MIN_WORK_MONTHS = 12  # 具备一年以上工作经验
DISCIPLINE_YEARS = 3  # 近三年来未受过党政纪处分
EVALUATION_YEARS = 3  # 且年度考核为称职(合格)及以上等次

RULE_NAMES = {
    "age": "年龄",
    "experience": "工作经验",
    "health": "身体健康",
    "discipline": "党政纪处分",
    "evaluation": "年度考核",
}


@dataclass(frozen=True)
class Failure:
    """A rule not met. `template` + `values` let pages translate; `message` is the Chinese text."""

    rule: str
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.values)

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class Eligibility:
    on: date
    failed: tuple[Failure, ...]

    @property
    def eligible(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "eligible": self.eligible, "failed": [f.as_dict() for f in self.failed]}


class _Discipline(Protocol):
    date: str
    kind: str


class _Evaluation(Protocol):
    year: int
    grade: str


@dataclass(frozen=True)
class Profile:
    """What the rules read; built from a stored cadre or written directly in tests."""

    rank: str
    birth_month: str  # YYYY-MM
    work_start: str  # YYYY-MM
    health_status: str
    disciplines: tuple[tuple[str, str], ...] = ()  # (YYYY-MM-DD, kind)
    evaluations: tuple[tuple[int, str], ...] = ()  # (year, grade)

    @classmethod
    def of(cls, cadre: Any) -> Profile:
        disciplines: Iterable[_Discipline] = cadre.disciplines
        evaluations: Iterable[_Evaluation] = cadre.evaluations
        return cls(
            rank=cadre.rank,
            birth_month=cadre.birth_month,
            work_start=cadre.work_start,
            health_status=cadre.health_status,
            disciplines=tuple((d.date, d.kind) for d in disciplines),
            evaluations=tuple((e.year, e.grade) for e in evaluations),
        )


def healthy(health_status: str) -> bool:
    return health_status.strip() in HEALTHY


def age_rule(p: Profile, on: date) -> Failure | None:
    section = p.rank in SECTION_RANKS
    limit = SECTION_AGE_LIMIT if section else BELOW_SECTION_AGE_LIMIT
    age = age_on(p.birth_month, on)
    if age < limit:
        return None
    template = (
        "科级干部年龄应在 {limit} 岁以下，现年 {age} 岁"
        if section
        else "科级以下干部年龄应在 {limit} 岁以下，现年 {age} 岁"
    )
    return Failure("age", template, {"limit": limit, "age": age})


def experience_rule(p: Profile, on: date) -> Failure | None:
    months = months_until(p.work_start, on)
    if months >= MIN_WORK_MONTHS:
        return None
    return Failure(
        "experience",
        "参加工作不满一年（{start} 参加工作，至今 {months} 个月）",
        {"start": p.work_start, "months": max(months, 0)},
    )


def health_rule(p: Profile, on: date) -> Failure | None:
    if healthy(p.health_status):
        return None
    return Failure("health", "健康状况为“{status}”，不符合身体健康的要求", {"status": p.health_status})


def discipline_rule(p: Profile, on: date) -> Failure | None:
    """A 处分 dated within the three years up to `on` (later ones did not exist yet on that date)."""
    since = years_before(on, DISCIPLINE_YEARS).isoformat()
    recent = sorted((d, kind) for d, kind in p.disciplines if since < d <= on.isoformat())
    if not recent:
        return None
    records = "、".join(f"{d} {kind}" for d, kind in recent)
    return Failure("discipline", "近三年内受过党政纪处分：{records}", {"records": records})


def evaluation_rule(p: Profile, on: date) -> Failure | None:
    """The last three evaluation years up to `on` — this year's once recorded, else up to last year —
    must hold at least one evaluation, and every evaluation in them must be 称职/合格 or better."""
    grades = {year: grade for year, grade in p.evaluations if year <= on.year}
    latest = on.year if on.year in grades else on.year - 1
    window = {year: grades[year] for year in range(latest - EVALUATION_YEARS + 1, latest + 1) if year in grades}
    if not window:
        return Failure(
            "evaluation", "近三年（{first}—{last} 年）没有年度考核记录", {"first": latest - 2, "last": latest}
        )
    poor = [f"{year} 年{grade}" for year, grade in sorted(window.items()) if grade not in PASSING_GRADES]
    if not poor:
        return None
    return Failure("evaluation", "近三年年度考核有称职（合格）以下等次：{records}", {"records": "、".join(poor)})


RULES = (age_rule, experience_rule, health_rule, discipline_rule, evaluation_rule)


def check(profile: Profile, on: date) -> Eligibility:
    """Every failed rule, in the order of the 人员标准 (not just the first)."""
    failed = tuple(f for rule in RULES if (f := rule(profile, on)) is not None)
    return Eligibility(on, failed)
