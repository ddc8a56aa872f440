"""Issue 13 point 7: where processes stall — per element of a flow, instances passed, working days taken
(median, p90), returns and overdue, per unit, and the instances behind each number; on a database of its
own, so the figures are exactly those of the two items below, moved through on a known clock."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor, confirm
from tests.conftest import own_database
from tests.integration.test_supervised_item_flow import ITEM, REPORT

services, app, tokens = own_database()

STALLS = "/process-definitions/supervision_item/stalls"


def _two_items(client: Any, tokens: Any, clock: Any) -> tuple[int, int]:
    """Item A (住建局) returned once at review; item B (财政局, 2 working days) left late in 办理.

    Monday 2026-11-23: both registered and sent; A approved on Tuesday, reported on Thursday (办理 2 working
    days), returned on Friday (审核 1), reported again on Monday 11-30 (办理 1: Saturday and Sunday do not
    count) and accepted the same day (审核 0). B was approved on Monday and its 办理 is still open, due
    Wednesday 11-25: overdue."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    lead = Actor(client, tokens["zjj_ll"])
    a_data = {**ITEM, "co_units": []}
    b_data = {**ITEM, "title": "财政资金拨付", "lead_unit": "czj", "co_units": [], "time_limit_days": 2}
    a = office.start("supervision_item", a_data)["id"]
    office.do(a, "register", a_data)
    b = office.start("supervision_item", b_data)["id"]
    office.do(b, "register", b_data)
    leader.do(b, "approve", {"decision": "approve"})
    clock.advance(days=1)  # Tuesday
    leader.do(a, "approve", {"decision": "approve"})
    clock.advance(days=2)  # Thursday
    lead.do(a, "handle", REPORT)
    confirm(client, tokens, "zjj", a)
    clock.advance(days=1)  # Friday
    office.do(a, "review", {"review_decision": "return", "return_reason": "材料不全"})
    clock.advance(days=3)  # Monday 11-30
    lead.do(a, "handle", REPORT)
    confirm(client, tokens, "zjj", a)
    office.do(a, "review", {"review_decision": "accept"})
    return a, b


def _by_element(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["element_id"]: e for e in body["elements"]}


def test_figures_per_element_and_unit_on_a_known_clock(client: Any, tokens: Any, clock: Any) -> None:
    a, b = _two_items(client, tokens, clock)
    auditor = Actor(client, tokens["shenji"])

    response = auditor.get(STALLS, query_string={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period_by"] == "instance_start" and body["process_name"] and body["diagram_version"] >= 1
    elements = _by_element(body)
    handle, review, approve = elements["handle"], elements["review"], elements["approve"]
    assert (handle["instances"], handle["tasks"], handle["completed"], handle["active"]) == (2, 3, 2, 1)
    assert (handle["median_workdays"], handle["p90_workdays"], handle["max_workdays"]) == (1.5, 2.0, 2)
    assert handle["overdue"] == 1 and handle["returns"] == 0
    assert (review["instances"], review["completed"], review["returns"]) == (1, 2, 1)
    assert (review["median_workdays"], review["p90_workdays"]) == (0.5, 1.0)
    assert (approve["instances"], approve["median_workdays"], approve["p90_workdays"]) == (2, 0.5, 1.0)
    assert elements["register"]["median_workdays"] == 0.0
    # the slowest step first
    assert body["elements"][0]["element_id"] == "handle"
    units = {u["unit"]: u for u in body["units"]}
    assert (units["zjj"]["returns"], units["zjj"]["overdue"]) == (1, 0)
    assert (units["czj"]["returns"], units["czj"]["overdue"], units["czj"]["unit_name"]) == (0, 1, "县财政局")

    # one unit: only the items it leads or co-handles
    czj = _by_element(auditor.get(STALLS, query_string={"unit": "czj"}).get_json())
    assert (czj["handle"]["instances"], czj["handle"]["active"], czj["handle"]["median_workdays"]) == (1, 1, None)
    assert "review" not in czj
    # a period before or after the items started: nothing
    assert auditor.get(STALLS, query_string={"from": "2026-12-01"}).get_json()["elements"] == []
    assert auditor.get(STALLS, query_string={"to": "2026-11-22"}).get_json()["elements"] == []
    # the version they run on, and one that does not exist
    assert _by_element(auditor.get(STALLS, query_string={"version": 1}).get_json())["handle"]["instances"] == 2
    assert auditor.get(STALLS, query_string={"version": 99}).status_code == 422

    # the instances behind the numbers
    def listed(element: str, **query: Any) -> dict[str, Any]:
        found = auditor.get(f"{STALLS}/{element}/instances", query_string=query)
        assert found.status_code == 200, found.get_json()
        return dict(found.get_json())

    returned = listed("review", kind="returned")
    assert [(i["instance_id"], i["returns"], i["workdays"]) for i in returned["items"]] == [(a, 1, 1)]
    assert [i["instance_id"] for i in listed("handle", kind="overdue")["items"]] == [b]
    assert [i["instance_id"] for i in listed("handle", kind="active")["items"]] == [b]
    passed = listed("handle", per_page=1)
    assert passed["total"] == 2 and [i["instance_id"] for i in passed["items"]] == [b]  # newest started first
    assert [i["instance_id"] for i in listed("handle", per_page=1, page=2)["items"]] == [a]
    assert listed("handle", kind="passed")["items"][1]["workdays"] == 3  # A's two 办理 passes, 2 + 1
    assert listed("handle", kind="returned")["total"] == 0
    assert auditor.get(f"{STALLS}/handle/instances", query_string={"kind": "lost"}).status_code == 422


def test_who_reads_the_figures(client: Any, tokens: Any) -> None:
    for reader in ("shenji", "admin", "dcs_li", "changwu"):
        assert Actor(client, tokens[reader]).get(STALLS).status_code == 200, reader
    for reader in ("zjj_ll", "shenjiguan", "anquan"):
        assert Actor(client, tokens[reader]).get(STALLS).status_code == 403, reader
        assert Actor(client, tokens[reader]).get(f"{STALLS}/handle/instances").status_code == 403, reader
    auditor = Actor(client, tokens["shenji"])
    assert auditor.get("/process-definitions/no_such_flow/stalls").status_code == 404
    assert auditor.get(STALLS, query_string={"unit": "nowhere"}).status_code == 422
    assert auditor.get(STALLS, query_string={"from": "2026-12-02", "to": "2026-12-01"}).status_code == 422
    # the auditor's look at the figures is itself in the audit log
    log = Actor(client, tokens["shenjiguan"]).get(
        "/audit-log", query_string={"actor": "shenji", "action": "auditor_viewed_stalls"}
    )
    assert log.get_json()["total"] >= 1 and log.get_json()["items"][0]["target"] == "supervision_item"
