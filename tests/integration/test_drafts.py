"""Feature: a unit saves its handling report as a draft ("保存草稿") and submits it later."""

from __future__ import annotations

import pytest

from tests.api_helpers import Actor, approved_item
from tests.integration.test_supervised_item_flow import ITEM, REPORT


@pytest.fixture()
def item(client, tokens):  # type: ignore[no-untyped-def]
    """A supervised item waiting for 住建局's handling report: (instance id, handle task id)."""
    iid = approved_item(client, tokens, {**ITEM, "co_units": []})
    return iid, Actor(client, tokens["zjj_ll"]).task(iid, "handle")["id"]


def put(actor: Actor, task_id: str, data: object):  # type: ignore[no-untyped-def]
    return actor.client.put(f"/api/v1/tasks/{task_id}/draft", headers=actor.headers, json={"data": data})


def delete(actor: Actor, task_id: str):  # type: ignore[no-untyped-def]
    return actor.client.delete(f"/api/v1/tasks/{task_id}/draft", headers=actor.headers)


def test_save_load_overwrite_discard(client, tokens, clock, item):
    _, task_id = item
    unit = Actor(client, tokens["zjj_ll"])
    assert unit.get(f"/tasks/{task_id}/draft").status_code == 404

    # half-filled and not valid yet: drafts are not validated
    first = put(unit, task_id, {"progress": "已完成3个"})
    assert first.status_code == 200 and first.get_json()["data"] == {"progress": "已完成3个"}
    loaded = unit.get(f"/tasks/{task_id}/draft").get_json()
    assert loaded == first.get_json() and loaded["saved_at"].startswith("2026-11-23T01:00")

    clock.advance(minutes=5)
    second = put(unit, task_id, {"progress": "已完成5个", "completion": "partial"}).get_json()
    assert second["data"] == {"progress": "已完成5个", "completion": "partial"}
    assert second["saved_at"].startswith("2026-11-23T01:05")
    assert unit.get(f"/tasks/{task_id}/draft").get_json() == second

    # each user of the unit has their own draft
    colleague = Actor(client, tokens["zjj_fzr"])
    assert colleague.get(f"/tasks/{task_id}/draft").status_code == 404
    assert put(colleague, task_id, {"progress": "负责人的草稿"}).status_code == 200
    assert unit.get(f"/tasks/{task_id}/draft").get_json()["data"]["progress"] == "已完成5个"

    assert delete(unit, task_id).status_code == 204
    assert unit.get(f"/tasks/{task_id}/draft").status_code == 404
    assert delete(unit, task_id).status_code == 204  # nothing left: still fine
    assert colleague.get(f"/tasks/{task_id}/draft").status_code == 200


def test_drafts_are_removed_when_the_task_is_completed(client, tokens, services, item):
    _, task_id = item
    unit, colleague = Actor(client, tokens["zjj_ll"]), Actor(client, tokens["zjj_fzr"])
    put(unit, task_id, {"progress": "草稿"})
    put(colleague, task_id, {"progress": "另一份草稿"})
    unit.complete(task_id, REPORT)
    with services.uow() as uow:
        assert uow.drafts.get(task_id, "zjj_ll") is None and uow.drafts.get(task_id, "zjj_fzr") is None
    assert unit.get(f"/tasks/{task_id}/draft").status_code == 404
    response = put(unit, task_id, {"progress": "太迟了"})
    assert response.status_code == 409 and response.get_json()["error"] == "conflict"


def test_only_who_may_act_on_the_task_keeps_a_draft(client, tokens, item):
    _, task_id = item
    other_unit, office = Actor(client, tokens["xiayang_ll"]), Actor(client, tokens["dcs_li"])
    for response in (put(other_unit, task_id, {"x": 1}), other_unit.get(f"/tasks/{task_id}/draft")):
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert delete(other_unit, task_id).status_code == 404
    assert put(office, task_id, {"x": 1}).status_code == 403  # sees it, may not act in the unit's place
    assert put(Actor(client, tokens["zjj_ll"]), "no-such-task", {"x": 1}).status_code == 404
    anonymous = client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {}})
    assert anonymous.status_code == 401


def test_draft_must_be_a_small_json_object(client, tokens, item):
    _, task_id = item
    unit = Actor(client, tokens["zjj_ll"])
    for bad in ([1, 2], "text", None):
        response = put(unit, task_id, bad)
        assert response.status_code == 422, response.get_json()
        assert set(response.get_json()) >= {"error", "message", "details"}
    response = put(unit, task_id, {"progress": "很" * 100_000})  # 300 KB in UTF-8
    assert response.status_code == 422 and "256 KB" in response.get_json()["message"]
    assert unit.get(f"/tasks/{task_id}/draft").status_code == 404
