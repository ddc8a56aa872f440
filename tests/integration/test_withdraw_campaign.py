"""Feature: withdrawing (撤回) a 专项督查 takes its rectification items along — none stays in a unit's 待办
and the problems not yet made into items never are — and withdrawing one rectification item started by
mistake no longer holds its campaign back."""

from __future__ import annotations

from typing import Any

from service.campaigns import rectification
from tests.api_helpers import Actor
from tests.campaign_helpers import campaign_in_rectification
from tests.conftest import own_database

services, app, tokens = own_database()  # the campaign's many items stay out of the other modules' 待办
UNITS = ["xiayang", "miandu", "zjj"]


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
    iid = campaign_in_rectification(client, tokens, 25, title="撤回测试督查", units=UNITS)
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
    iid = campaign_in_rectification(client, tokens, 2, title="撤回测试督查", units=UNITS)
    first, second = (r["item_id"] for r in items(office, iid))

    assert office.post(f"/process-instances/{first}/withdraw", json={"reason": "与另一问题重复"}).status_code == 200
    waiting = office.instance(iid)
    assert waiting["status"] == "running" and "rectification_results" not in waiting["data"]

    assert office.post(f"/process-instances/{second}/withdraw", json={"reason": "已在别处整改"}).status_code == 200
    results = office.instance(iid)["data"]["rectification_results"]
    assert sorted(r["item_id"] for r in results) == sorted([first, second])
