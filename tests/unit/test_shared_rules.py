"""Rules that used to be written in several places and now live in one: each says what its callers rely on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask

from service import workdays
from service.access.principal import LEAD_LANE, UNIT_LANE, Principal, acts_by_role
from service.db.models.ledger import CO_UNITS_SIZE, co_unit_codes, encode_co_units
from service.http.files import content_disposition, file_response
from service.http.paging import Pager
from service.process.time_limits import time_limit_text


def test_co_units_are_stored_comma_wrapped_and_read_back_in_order() -> None:
    assert encode_co_units(["czj", "zjj"]) == ",czj,zjj,"
    assert co_unit_codes(",czj,zjj,") == ["czj", "zjj"]
    assert encode_co_units([]) == "" and co_unit_codes("") == [] and co_unit_codes(None) == []
    many = encode_co_units(f"u{n:05d}" for n in range(500))
    assert len(many) <= CO_UNITS_SIZE and many.startswith(",u00000,") and many.endswith(",")


def test_time_limit_words_differ_between_pages_and_documents_only_by_the_space() -> None:
    months = {"time_limit_days": 3, "time_limit_unit": "months"}
    assert time_limit_text(months) == "3 个月" and time_limit_text(months, spaced=False) == "3个月"
    assert time_limit_text({"time_limit_days": "15"}) == "15 个工作日"
    assert time_limit_text({"time_limit_days": "abc"}) == "" and time_limit_text({"time_limit_days": True}) == ""
    monday, friday = date(2031, 3, 3), date(2031, 3, 14)  # 2031 is unpublished: Monday to Friday
    assert time_limit_text({}, days=9, assigned=monday, deadline=friday) == "9 个工作日"
    assert time_limit_text({}, days=15, assigned=monday, deadline=friday) == "9 个工作日"  # agrees with the deadline


def _task(
    lane: str | None, unit: str | None = None, completed_by: str | None = None, position: str | None = None
) -> Any:
    return SimpleNamespace(lane=lane, unit_code=unit, completed_by=completed_by, position=position)


def test_who_may_see_and_act_on_a_task() -> None:
    staff = Principal("xiayang_ll", "联络员", frozenset({UNIT_LANE}), "xiayang")
    leader = Principal("changwu", "常务副县长", frozenset({"常务副县长"}), None)
    office = Principal("dcs_li", "督查室", frozenset({"督查室"}), None)
    own, other = _task(UNIT_LANE, "xiayang"), _task(UNIT_LANE, "miandu")
    assert staff.may_act_on(own) and not staff.may_act_on(other) and staff.staff_unit == "xiayang"
    assert leader.may_act_on(_task("常务副县长")) and not leader.may_act_on(own) and leader.staff_unit is None
    assert not leader.may_see(own) and leader.may_see(_task(UNIT_LANE, "xiayang", completed_by="changwu"))
    assert office.may_see(other) and not office.may_act_on(other)
    assert not acts_by_role(None) and not acts_by_role(UNIT_LANE) and not acts_by_role("系统管理员")


def test_a_campaigns_lead_unit_and_a_position_restricted_task() -> None:
    liaison = Principal("zrzyj_ll", "联络员", frozenset({UNIT_LANE}), "zrzyj", "联络员")
    head = Principal("zrzyj_fzr", "负责人", frozenset({UNIT_LANE}), "zrzyj", "负责人")
    office = Principal("dcs_li", "督查室", frozenset({"督查室"}), "dcs")
    led = _task(LEAD_LANE, "zrzyj")
    # the lead unit's staff and the office act on the lead unit's tasks; another unit's staff do not
    assert liaison.may_act_on(led) and office.may_act_on(led)
    assert not Principal("czj_ll", "联络员", frozenset({UNIT_LANE}), "czj").may_act_on(led)
    # a task naming a position: only the unit's staff holding it
    confirm = _task(UNIT_LANE, "zrzyj", position="负责人")
    assert head.may_act_on(confirm) and not liaison.may_act_on(confirm) and not office.may_act_on(confirm)
    assert LEAD_LANE in office.acting().lanes and office.acting().unit_lanes == frozenset()
    assert liaison.acting().unit_lanes == {UNIT_LANE, LEAD_LANE} and liaison.acting().position == "联络员"


def test_file_names_in_content_disposition() -> None:
    assert content_disposition("report-1.pdf", "unused.pdf") == 'attachment; filename="report-1.pdf"'
    named = content_disposition("督查台账.xlsx", "ledger.xlsx")
    assert named == "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E7%9D%A3%E6%9F%A5%E5%8F%B0%E8%B4%A6.xlsx"
    with Flask(__name__).test_request_context():
        response = file_response(b"x", mimetype="text/plain", filename="a.txt", fallback="a.txt")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.cache_control.no_store
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_the_api_page_envelope() -> None:
    pager = Pager.from_query({"page": 2, "per_page": 2, "other": "filter"})
    assert pager.offset == 2
    assert pager.slice(list("abcde")) == {"items": ["c", "d"], "total": 5, "page": 2, "per_page": 2}


def test_days_as_moments_in_shanghai() -> None:
    span = workdays.DaySpan(date(2026, 11, 1), date(2026, 11, 30))
    assert span.starts_at == workdays.day_start(date(2026, 11, 1)) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert span.ends_before == workdays.day_end(date(2026, 11, 30)) == workdays.deadline_end("2026-11-30")
    assert workdays.system_clock().tzinfo is UTC
