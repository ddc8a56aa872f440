"""Feature: a cadre is checked against the 人员标准 and every rule they fail is listed, in Chinese."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.cadres.eligibility import Profile, check, healthy

ON = date(2026, 11, 23)
# Given a cadre who meets every rule on 2026-11-23: 副科级, 40, working since 2010, healthy, no 处分, 称职
FINE = Profile(
    rank="副科级",
    birth_month="1986-05",
    work_start="2010-07",
    health_status="健康",
    disciplines=(),
    evaluations=((2023, "称职"), (2024, "优秀"), (2025, "称职")),
)


def _rules(profile: Profile, on: date = ON) -> list[str]:
    return [f.rule for f in check(profile, on).failed]


def test_a_cadre_meeting_every_rule_is_eligible() -> None:
    result = check(FINE, ON)
    assert result.eligible and result.failed == ()
    assert result.as_dict() == {"on": "2026-11-23", "eligible": True, "failed": []}


@pytest.mark.parametrize(
    ("rank", "birth_month", "fails"),
    [
        ("正科级", "1976-11", True),  # 50 this month
        ("正科级", "1976-12", False),  # 49 until next month
        ("副科级", "1977-01", False),  # 49
        ("副科级", "1975-03", True),  # 51
        ("科级以下", "1981-11", True),  # 45
        ("科级以下", "1981-12", False),  # 44
    ],
)
def test_the_age_limit_depends_on_the_rank(rank: str, birth_month: str, fails: bool) -> None:
    # When the cadre's age is checked for their rank
    failed = check(replace(FINE, rank=rank, birth_month=birth_month), ON).failed
    # Then 科级 must be under 50 and 科级以下 under 45, with the age in the message
    assert (["age"] if fails else []) == [f.rule for f in failed]
    if fails:
        limit = 50 if rank != "科级以下" else 45
        assert f"年龄应在 {limit} 岁以下" in failed[0].message and "现年" in failed[0].message


def test_the_age_message_names_the_rank_and_the_age() -> None:
    (failure,) = check(replace(FINE, rank="正科级", birth_month="1976-11"), ON).failed
    assert failure.message == "科级干部年龄应在 50 岁以下，现年 50 岁"
    (failure,) = check(replace(FINE, rank="科级以下", birth_month="1980-01"), ON).failed
    assert failure.message == "科级以下干部年龄应在 45 岁以下，现年 46 岁"


def test_eleven_months_of_work_is_not_enough_and_twelve_is() -> None:
    young = replace(FINE, evaluations=((2025, "称职"),))
    (failure,) = check(replace(young, work_start="2025-12"), ON).failed
    assert failure.rule == "experience" and "不满一年" in failure.message and "11 个月" in failure.message
    assert _rules(replace(young, work_start="2025-11")) == []


def test_a_discipline_within_three_years_fails_and_an_older_one_does_not() -> None:
    (failure,) = check(replace(FINE, disciplines=(("2024-11-20", "警告"),)), ON).failed
    assert failure.rule == "discipline" and failure.message == "近三年内受过党政纪处分：2024-11-20 警告"
    assert _rules(replace(FINE, disciplines=(("2022-11-20", "记过"),))) == []
    # exactly three years back is outside "近三年"; a 处分 after the check date did not exist yet on it
    assert _rules(replace(FINE, disciplines=(("2023-11-23", "警告"),))) == []
    assert _rules(replace(FINE, disciplines=(("2026-12-01", "警告"),))) == []


def test_the_latest_evaluation_below_competent_fails() -> None:
    (failure,) = check(replace(FINE, evaluations=((2024, "称职"), (2025, "基本称职"))), ON).failed
    assert failure.rule == "evaluation" and failure.message == "近三年年度考核有称职（合格）以下等次：2025 年基本称职"


def test_every_evaluation_of_the_last_three_years_counts_and_older_ones_do_not() -> None:
    assert _rules(replace(FINE, evaluations=((2023, "不合格"), (2024, "合格"), (2025, "优秀")))) == ["evaluation"]
    assert _rules(replace(FINE, evaluations=((2022, "不称职"), (2023, "合格"), (2025, "称职")))) == []
    # once this year's evaluation is recorded, the window moves to 2024–2026
    assert _rules(replace(FINE, evaluations=((2023, "基本合格"), (2025, "称职"), (2026, "称职")))) == []


def test_no_evaluation_in_the_last_three_years_fails() -> None:
    (failure,) = check(replace(FINE, evaluations=((2020, "优秀"),)), ON).failed
    assert failure.rule == "evaluation" and failure.message == "近三年（2023—2025 年）没有年度考核记录"


def test_health_must_be_good() -> None:
    assert healthy("健康") and healthy(" 良好 ") and not healthy("一般") and not healthy("患有慢性病")
    (failure,) = check(replace(FINE, health_status="一般"), ON).failed
    assert failure.rule == "health" and "一般" in failure.message


def test_several_failures_are_all_listed_in_the_order_of_the_rules() -> None:
    # Given a 科级以下 cadre aged 46, working for 5 months, in poor health, with a recent 处分 and a poor grade
    profile = Profile(
        rank="科级以下",
        birth_month="1980-01",
        work_start="2026-06",
        health_status="较差",
        disciplines=(("2025-03-01", "党内警告"),),
        evaluations=((2025, "不称职"),),
    )
    # When checked, Then all five rules are reported, not only the first
    result = check(profile, ON)
    assert not result.eligible
    assert [f.rule for f in result.failed] == ["age", "experience", "health", "discipline", "evaluation"]
    assert all(f["message"] for f in result.as_dict()["failed"])
