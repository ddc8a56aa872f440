"""Scoring without a database: periods, rule validation, and the arithmetic of an explained score."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import workdays
from service.errors import InvalidInput
from service.scoring import arithmetic, periods
from service.scoring import rules as scoring_rules
from service.scoring.arithmetic import DueItem, ScoreLine

RULES = scoring_rules.DEFAULTS
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _weekdays_calendar() -> object:
    """Monday–Friday only, whatever calendar another test loaded."""
    before = workdays.current()
    workdays.use(workdays.Calendar())
    yield
    workdays.use(before)


def _errors(problem: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return problem.value.details["errors"]  # type: ignore[no-any-return]


# --- periods -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "start", "end", "label"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026年"),
        ("2026H1", date(2026, 1, 1), date(2026, 6, 30), "2026年上半年"),
        ("2026h2", date(2026, 7, 1), date(2026, 12, 31), "2026年下半年"),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        (" 2026-2 ", date(2026, 2, 1), date(2026, 2, 28), "2026年2月"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
    ],
)
def test_period_codes(code: str, start: date, end: date, label: str) -> None:
    period = periods.parse_period(code)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    "code", ["", "26", "2026Q5", "2026Q0", "2026H3", "2026-13", "2026-00", "1999", "2026-1-1", "x"]
)
def test_bad_period_codes_name_the_period_field(code: str) -> None:
    with pytest.raises(InvalidInput) as problem:
        periods.parse_period(code)
    assert list(_errors(problem)) == ["period"]


def test_period_bounds_are_whole_days_in_shanghai() -> None:
    period = periods.parse_period("2026-11")
    assert period.starts_at == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert period.ends_before == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_resolve_takes_a_code_or_both_dates_or_the_current_year() -> None:
    assert periods.resolve(None, None, None, TODAY).code == "2026"
    assert periods.resolve("2026Q3", None, None, TODAY).label == "2026年第三季度"
    explicit = periods.resolve(None, date(2026, 3, 5), date(2026, 3, 5), TODAY)
    assert (explicit.start, explicit.end, explicit.code) == (date(2026, 3, 5), date(2026, 3, 5), None)
    for args, field in (
        (("2026", date(2026, 1, 1), None), "period"),
        ((None, date(2026, 1, 1), None), "end"),
        ((None, None, date(2026, 1, 1)), "start"),
        ((None, date(2026, 2, 1), date(2026, 1, 31)), "end"),
        ((None, date(2020, 1, 1), date(2026, 1, 1)), "end"),
        ((None, date(1990, 1, 1), date(1990, 2, 1)), "start"),
    ):
        with pytest.raises(InvalidInput) as problem:
            periods.resolve(*args, TODAY)
        assert list(_errors(problem)) == [field], args


def test_choices_offer_this_year_and_last() -> None:
    codes = [code for code, _ in periods.choices(TODAY)]
    assert codes[0] == "2026" and "2026Q4" in codes and "2025-01" in codes and len(codes) == 2 * 19


# --- rules -------------------------------------------------------------------------------------------
def test_defaults_are_the_common_rule() -> None:
    assert scoring_rules.to_json(RULES) == {
        "base": 100,
        "overdue_lead": -5,
        "overdue_co": -2.5,
        "overdue_workday": 0,
        "overdue_workday_cap": 10,
        "return_redo": -1,
        "praise": 1,
        "criticism": -1,
        "accountability": -5,
    }


def test_an_accountability_referral_is_one_explained_deduction() -> None:
    line = arithmetic.accountability_line(
        RULES, number="督办〔2026〕第9号", title="校舍维修", instance_id=9, kind="推诿", facts="以职责不清为由拒不牵头",
        at=datetime(2026, 12, 3, 2, tzinfo=UTC),
    )  # fmt: skip
    assert line is not None and line.points == Decimal("-5") and line.rule == "accountability"
    assert (
        line.explanation == "督办〔2026〕第9号《校舍维修》于2026年12月3日被督查问责（推诿：以职责不清为由拒不牵头）：-5"
    )
    off = {**RULES, "accountability": Decimal(0)}
    at = datetime.now(UTC)
    assert (
        arithmetic.accountability_line(off, number="n", title="t", instance_id=1, kind="推诿", facts="f", at=at) is None
    )


def test_validate_keeps_what_is_left_out_and_accepts_numbers_as_text() -> None:
    values = scoring_rules.validate({"overdue_lead": "-3", "overdue_workday": -0.5}, RULES)
    assert values["overdue_lead"] == Decimal(-3) and values["overdue_workday"] == Decimal("-0.5")
    assert values["praise"] == Decimal(1) and values["base"] == Decimal(100)


def test_validate_lists_every_problem_under_its_key() -> None:
    with pytest.raises(InvalidInput) as problem:
        scoring_rules.validate(
            {
                "overdue_lead": 5,
                "praise": -1,
                "base": "1e9",
                "overdue_co": -2.555,
                "overdue_workday_cap": 1.5,
                "criticism": True,
                "return_redo": "",
                "overdue_workday": "NaN",
                "people": -1,
            },
            RULES,
        )
    errors = _errors(problem)
    assert errors == {
        "overdue_lead": ["应在 -100 到 0 之间"],
        "praise": ["应在 0 到 100 之间"],
        "base": ["应在 0 到 1000 之间"],
        "overdue_co": ["最多两位小数"],
        "overdue_workday_cap": ["应为整数"],
        "criticism": ["应为数字"],
        "return_redo": ["请填写数值"],
        "overdue_workday": ["应为数字"],
        "people": [errors["people"][0]],
    }
    assert errors["people"][0].startswith("未知的规则项")
    with pytest.raises(InvalidInput):
        scoring_rules.validate([1, 2], RULES)


def test_a_stored_set_missing_a_newer_key_reads_its_default() -> None:
    values = scoring_rules.from_stored({"overdue_lead": -3, "unknown": 9, "praise": "bad"})
    assert values["overdue_lead"] == Decimal(-3) and values["praise"] == Decimal(1) and "unknown" not in values


# --- arithmetic --------------------------------------------------------------------------------------
DEADLINE_AT = workdays.deadline_end("2026-12-10")  # Thursday; first overdue moment 2026-12-11 00:00 +08:00


def _item(closed_at: datetime | None = None) -> DueItem:
    return DueItem(7, "督办〔2026〕第3号", "老旧小区改造", "zjj", ("czj",), DEADLINE_AT, closed_at)


def test_an_open_item_past_its_deadline_costs_the_lead_and_the_co_handler() -> None:
    now = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)  # the Monday after
    item = _item()
    assert list(item.roles()) == [("zjj", "lead"), ("czj", "co")]
    lead = arithmetic.overdue_lines(item, "lead", RULES, now)
    co = arithmetic.overdue_lines(item, "co", RULES, now)
    assert [(line.rule, line.points) for line in lead] == [("overdue_lead", Decimal(-5))]
    assert lead[0].explanation == "督办〔2026〕第3号《老旧小区改造》截至2026年12月10日逾期未办结（牵头单位）：-5"
    assert lead[0].day == date(2026, 12, 10) and lead[0].instance_id == 7
    assert co[0].explanation.endswith("（协办单位）：-2.5")
    assert arithmetic.is_decided(item, now) and arithmetic.overdue_workdays(item, now) == 2


def test_on_time_late_and_not_yet_due() -> None:
    before = datetime(2026, 12, 10, 15, 59, tzinfo=UTC)  # 23:59 on the deadline day
    assert arithmetic.overdue_lines(_item(), "lead", RULES, before) == []
    assert not arithmetic.is_decided(_item(), before)
    on_time = _item(closed_at=before)
    assert arithmetic.is_decided(on_time, before) and not arithmetic.is_overdue(on_time, before)
    late = _item(closed_at=datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    lines = arithmetic.overdue_lines(late, "lead", RULES, datetime(2027, 1, 1, tzinfo=UTC))
    assert lines[0].explanation == (
        "督办〔2026〕第3号《老旧小区改造》时限为2026年12月10日，2026年12月15日才办结，逾期（牵头单位）：-5"
    )
    # deadline on a Friday, closed on the Saturday: late, though no working day was lost, counts as 1 day
    friday = DueItem(8, "督办〔2026〕第4号", "t", "zjj", (), workdays.deadline_end("2026-12-11"), None)
    saturday = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)
    weekend = DueItem(**{**friday.__dict__, "closed_at": saturday})
    assert arithmetic.is_overdue(weekend, saturday) and arithmetic.overdue_workdays(weekend, saturday) == 1


def test_the_extra_per_overdue_working_day_is_capped() -> None:
    rules = {**RULES, "overdue_workday": Decimal("-0.5"), "overdue_workday_cap": Decimal(3)}
    now = datetime(2026, 12, 21, 1, 0, tzinfo=UTC)  # 7 working days after 12-10
    lines = arithmetic.overdue_lines(_item(), "co", rules, now)
    assert [(line.rule, line.points) for line in lines] == [
        ("overdue_co", Decimal("-2.5")),
        ("overdue_workday", Decimal("-1.5")),
    ]
    assert "逾期7个工作日（协办单位，每日-0.5，最多计3日）：-1.5" in lines[1].explanation
    off = {**RULES, "overdue_lead": Decimal(0)}
    assert arithmetic.overdue_lines(_item(), "lead", off, now) == []  # a rule set to 0 makes no line


def test_returns_and_bulletin_mentions() -> None:
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    line = arithmetic.return_line(
        RULES, number="督办〔2026〕第3号", title="老旧小区改造", instance_id=7, round_=2, reason="材料不全", at=at
    )
    assert line is not None and line.points == Decimal(-1) and line.rule == "return_redo"
    assert (
        line.explanation
        == "督办〔2026〕第3号《老旧小区改造》第2轮办理情况于2026年11月30日被退回重办（退回理由：材料不全）：-1"
    )
    praise = arithmetic.mention_line(RULES, year=2026, issue_no=5, title="十一月通报", kind="praise", reason="", at=at)
    assert praise is not None and praise.explanation == "2026年第5期督查通报《十一月通报》通报表扬：+1"
    assert praise.number == "2026年第5期"
    criticism = arithmetic.mention_line(
        RULES, year=2026, issue_no=5, title="十一月通报", kind="criticism", reason="进度滞后" * 30, at=at
    )
    assert criticism is not None and criticism.points == Decimal(-1) and "…）：-1" in criticism.explanation
    assert arithmetic.mention_line(RULES, year=2026, issue_no=5, title="t", kind="other", reason="", at=at) is None


def test_rates_ranks_and_signed_points() -> None:
    assert arithmetic.on_time_rate(0, 0) is None and arithmetic.on_time_rate(3, 2) == 0.6667
    assert arithmetic.ranks([Decimal(100), Decimal(99), Decimal(99), Decimal(90)]) == [1, 2, 2, 4]
    assert [arithmetic.show_points(Decimal(v)) for v in ("1", "-2.50", "0", "100")] == ["+1", "-2.5", "0", "+100"]
    assert arithmetic.show_number(Decimal("100.00")) == "100"


points = st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(base=st.decimals(min_value=0, max_value=1000, places=2), values=st.lists(points, max_size=40))
def test_the_score_is_the_base_plus_its_lines(base: Decimal, values: list[Decimal]) -> None:
    lines = [ScoreLine("x", v, "n", "t", TODAY, "e") for v in values]
    score = arithmetic.total(base, lines)
    minus, plus = arithmetic.split(lines)
    assert score == base + sum(values, Decimal(0)) == base + minus + plus
    assert minus <= 0 <= plus
