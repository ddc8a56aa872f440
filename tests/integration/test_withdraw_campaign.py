"""Feature: withdrawing (撤回) a 专项督查 takes its rectification items along — none stays in a unit's 待办
and the problems not yet made into items never are — and withdrawing one rectification item started by
mistake no longer holds its campaign back."""

from __future__ import annotations

from typing import Any

from service.campaigns import rectification
from tests.api_helpers import Actor
from tests.conftest import own_database
from tests.integration.test_annual_plan import adopt_plan

services, app, tokens = own_database()  # the campaign's many items stay out of the other modules' 待办
UNITS = ["xiayang", "miandu", "zjj"]


def campaign_in_rectification(client: Any, tokens: dict[str, str], problems: int) -> int:
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("inspection_campaign", {"title": "撤回测试督查"})["id"]
    _, plan = adopt_plan(client, tokens)
    chosen = {"plan_item": plan[0]["value"], "lead_unit": plan[0]["lead_unit"]}
    office.do(iid, "plan_check", {"title": "撤回测试督查", "plan_status": "on_plan", **chosen})
    office.do(iid, "inspection_plan", {
        "purpose": "整改督查", "basis": "年度计划", "period": "十二月", "targets": "全县", "content": "整改落实",
        "groups": [{"name": "一组", "leader": "user:dcs_li"}],
    })  # fmt: skip
    found = [{"description": f"问题{i}", "unit": UNITS[i % len(UNITS)]} for i in range(problems)]
    office.do(iid, "field_inspection", {"sites_visited": "全县", "problems_found": found})
    office.do(iid, "inspection_feedback", {"feedback": "已当场反馈", "feedback_units": UNITS})
    office.do(iid, "group_report", {"report": "报告内容"})
    office.do(iid, "comprehensive_report", {"report": "报告内容"})
    Actor(client, tokens["dcld"]).do(iid, "leader_review", {"review_decision": "approve"})
    office.do(iid, "publish_bulletin", {"bulletin_title": "整改通报"})
    return int(iid)


def items(office: Actor, iid: int) -> list[dict[str, Any]]:
    listing = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500})
    assert listing.status_code == 200, listing.get_json()
    return listing.get_json()["items"]


def todo_ids(actor: Actor) -> set[int]:
    return {t["instance_id"] for t in actor.get("/tasks", query_string={"per_page": 500}).get_json()["items"]}


def test_a_withdrawn_campaign_takes_its_rectification_items_along(client, tokens, services):
    """Given a campaign whose 25 problems have 20 items created and 5 waiting, when the office withdraws the
    campaign with a reason, then every created item is 已撤回 with a history event naming the campaign, no
    unit has a task of them, and the background pass creates none of the 5."""
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_in_rectification(client, tokens, 25)
    created = [r["item_id"] for r in items(office, iid) if r["item_id"]]
    assert len(created) == 20
    liaison = Actor(client, tokens["xiayang_ll"])
    assert todo_ids(liaison) & set(created)

    response = office.post(f"/process-instances/{iid}/withdraw", json={"reason": "立项有误"})
    assert response.status_code == 200, response.get_json()

    for item_id in created:
        assert office.instance(item_id)["status"] == "withdrawn"
    event = next(
        e
        for e in office.get(f"/process-instances/{created[0]}/history").get_json()
        if e["kind"] == "instance_withdrawn"
    )
    assert "撤回测试督查" in event["payload"]["reason"] and "立项有误" in event["payload"]["reason"]
    assert not todo_ids(liaison) & set(created)
    assert rectification.spawn_pending(services.uow, services.ctx, most=100) == 0
    assert rectification.spawn_pending(services.uow, services.ctx, iid, most=100) == 0
    assert sum(1 for r in items(office, iid) if r["item_id"]) == 20


def test_a_withdrawn_rectification_item_no_longer_holds_its_campaign_back(client, tokens):
    """Given a campaign waiting on its two rectification items, when the office withdraws the first (a
    duplicate), then the campaign still waits for the second; when the second is withdrawn too, the campaign
    goes on with both in its results."""
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_in_rectification(client, tokens, 2)
    first, second = (r["item_id"] for r in items(office, iid))

    assert office.post(f"/process-instances/{first}/withdraw", json={"reason": "与另一问题重复"}).status_code == 200
    waiting = office.instance(iid)
    assert waiting["status"] == "running" and "rectification_results" not in waiting["data"]

    assert office.post(f"/process-instances/{second}/withdraw", json={"reason": "已在别处整改"}).status_code == 200
    results = office.instance(iid)["data"]["rectification_results"]
    assert sorted(r["item_id"] for r in results) == sorted([first, second])
