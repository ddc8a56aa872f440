"""Feature: follow-up rounds (跟踪督办, Y3b4) and 直至办结 (issue 11, point 8).

A follow-up round keeps the item's time-limit unit: a 3-month 人大代表建议 item used to get 3 working days in
round 2. An item whose unit reported 正在办理 is concluded only by a follow-up round or by an explicit
decision with a reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service import workdays
from tests.api_helpers import Actor
from tests.api_helpers import report as unit_reports
from tests.integration.test_time_limits_by_item_type import BASE, _assign

ON_GOING = {"progress": "已答复代表，落实工作正在推进", "completion": "in_progress"}
DONE = {"progress": "已全部落实", "completion": "done"}


def _to_the_leader(client: Any, tokens: dict[str, str], iid: int, report: dict[str, Any]) -> tuple[Actor, Actor]:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    unit_reports(client, tokens, "luyuan", iid, report)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "办理情况综述"})
    return office, leader


def test_a_follow_up_round_keeps_the_months_of_a_deputys_suggestion(
    client: Any, tokens: dict[str, str], clock: Any
) -> None:
    instance, _ = _assign(client, tokens, {**BASE, "source_type": "人大代表建议"})
    iid = instance["id"]
    assert instance["data"]["time_limit_unit"] == "months"
    office, leader = _to_the_leader(client, tokens, iid, ON_GOING)
    clock.advance(days=10)  # the leader reads it later; round 2 counts from that day
    read_on = workdays.as_date(clock())
    leader.do(iid, "leader_read", {"conclusion": "follow_up", "instruction": "继续落实"})
    data = office.instance(iid)["data"]
    assert data["followup_round"] == 2
    assert data["deadline"] == workdays.add_months(read_on, 3).isoformat()  # not 3 working days
    assert workdays.as_date(data["deadline"]) - read_on > timedelta(days=80)
    assert Actor(client, tokens["luyuan_ll"]).task(iid, "handle")["due_at"]


def test_an_item_still_in_progress_is_concluded_only_with_a_reason(client: Any, tokens: dict[str, str]) -> None:
    instance, _ = _assign(client, tokens, dict(BASE))
    iid = instance["id"]
    office, leader = _to_the_leader(client, tokens, iid, ON_GOING)
    task = leader.task(iid, "leader_read")
    detail = leader.get(f"/tasks/{task['id']}").get_json()
    assert detail["data"]["must_explain"] is True and detail["data"]["still_open"] == ["luyuan"]
    body = leader.complete(task["id"], {"conclusion": "concluded"}, status=422)
    assert body["details"]["errors"] == {"conclusion_reason": ["此项为必填项"]}
    leader.complete(task["id"], {"conclusion": "concluded", "conclusion_reason": "剩余工作纳入年度常规工作，不再督办"})
    assert office.task(iid, "archive")


def test_an_item_reported_done_is_concluded_without_a_reason(client: Any, tokens: dict[str, str]) -> None:
    instance, _ = _assign(client, tokens, dict(BASE))
    iid = instance["id"]
    office, leader = _to_the_leader(client, tokens, iid, DONE)
    leader.do(iid, "leader_read", {"conclusion": "concluded"})
    assert office.task(iid, "archive")
