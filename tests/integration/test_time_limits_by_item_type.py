"""Feature: an item's default time limit follows its type; a limit or date entered by hand wins."""

from __future__ import annotations

from datetime import date

import pytest

from service import workdays
from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, sign_in

BASE = {
    "title": "时限测试事项",
    "content": "按事项类型确定办理时限",
    "source_type": "文件",
    "source_ref": "县政发〔2026〕9号",
    "lead_unit": "luyuan",
}
ASSIGNED = "2026-11-23"  # the tests' Monday


def _assign(client, tokens, data):  # type: ignore[no-untyped-def]
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", data)["id"]
    office.do(iid, "register", data)
    leader.do(iid, "approve", {"decision": "approve"})
    return office.instance(iid), office


@pytest.mark.parametrize(
    ("extra", "days", "unit"),
    [
        ({}, 15, "workdays"),  # 转交单位办理
        ({"co_units": ["fgj"]}, 25, "workdays"),  # 有协办单位
        ({"supervision_kind": "direct"}, 10, "workdays"),  # 督查室直接督办
        ({"source_type": "人大代表建议"}, 3, "months"),
        ({"source_type": "政协委员提案", "co_units": ["fgj"]}, 3, "months"),
        ({"time_limit_days": 7}, 7, "workdays"),  # entered by hand
    ],
)
def test_default_time_limit_by_item_type(client, tokens, extra, days, unit):  # type: ignore[no-untyped-def]
    # Given an item of a type, registered without a date
    instance, _ = _assign(client, tokens, {**BASE, **extra})
    data = instance["data"]
    # Then both the limit N (with its unit) and the date are stored
    assert (data["time_limit_days"], data["time_limit_unit"]) == (days, unit)
    expected = workdays.add_months(ASSIGNED, 3) if unit == "months" else workdays.add_workdays(ASSIGNED, days)
    assert data["deadline"] == expected.isoformat()


def test_examples_on_the_calendar(client, tokens):  # type: ignore[no-untyped-def]
    # 15 working days from Monday 2026-11-23 is Monday 2026-12-14; 3 months is 2027-02-23
    assert workdays.add_workdays(ASSIGNED, 15) == date(2026, 12, 14)
    assert workdays.add_months(ASSIGNED, 3) == date(2027, 2, 23)
    # A month end is kept in a shorter month, and a holiday moves it to the next working day
    assert workdays.add_months("2026-11-30", 3) == date(2027, 3, 1)  # 02-28 is a Sunday
    assert workdays.add_months("2026-07-01", 3) == date(2026, 10, 8)  # 10-01 to 10-07: 国庆节


def test_a_date_entered_by_hand_wins_and_the_ledger_shows_the_limit(client, tokens):  # type: ignore[no-untyped-def]
    instance, office = _assign(client, tokens, {**BASE, "title": "手填完成日期事项", "deadline": "2026-12-31"})
    assert instance["data"]["deadline"] == "2026-12-31" and instance["data"]["time_limit_days"] == 15
    rows = office.get("/ledger", query_string={"q": "手填完成日期事项", "per_page": 500}).get_json()["items"]
    row = next(r for r in rows if r["instance_id"] == instance["id"])
    assert (row["deadline"], row["time_limit_days"], row["time_limit_unit"]) == ("2026-12-31", 15, "workdays")


def test_the_item_page_shows_the_time_limit_in_words(client, tokens):  # type: ignore[no-untyped-def]
    instance, _ = _assign(client, tokens, {**BASE, "title": "人大建议时限展示", "source_type": "人大代表建议"})
    sign_in(client, "dcs_li")
    page = client.get(f"/items/{instance['id']}", headers=HTML).get_data(as_text=True)
    assert "3 个月" in page and instance["data"]["deadline"] in page


def test_the_leader_sees_the_computed_deadline_before_approving(client, tokens):  # type: ignore[no-untyped-def]
    """Issue 11, point 11: the 立项审批 form shows the time limit and the deadline it gives when assigned today."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    data = {**BASE, "source_type": "人大代表建议"}
    iid = office.start("supervision_item", data)["id"]
    office.do(iid, "register", data)
    task = leader.task(iid, "approve")
    shown = leader.get(f"/tasks/{task['id']}").get_json()["data"]
    assert shown["proposed_limit_text"] == "3个月"
    assert shown["proposed_deadline"] == workdays.add_months(ASSIGNED, 3).isoformat()
    leader.complete(task["id"], {"decision": "approve"})
    assert office.instance(iid)["data"]["deadline"] == shown["proposed_deadline"]  # approved the same day
