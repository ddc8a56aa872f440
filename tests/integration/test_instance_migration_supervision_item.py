"""Feature: a real supervision item (督办事项, per-unit subprocesses with reminder timers) moves to a new
version of its process and goes on there, its units' tasks and deadlines kept (issue 12 point 7)."""

from __future__ import annotations

import io

from service.config import ROOT
from service.instance_migration import worker as migration_worker
from tests.api_helpers import Actor, confirm
from tests.conftest import own_database
from tests.integration.test_supervised_item_flow import ITEM, REPORT

services, app, tokens = own_database()  # a new version of supervision_item must not reach other modules


def handle_tasks(admin: Actor, iid: int) -> dict[str, dict]:  # type: ignore[type-arg]
    query = {"instance_id": iid, "mine": "false", "per_page": 500}
    items = admin.get("/tasks", query_string=query).get_json()["items"]
    return {t["id"]: t for t in items if t["element_id"] == "handle"}


def test_an_item_being_handled_moves_to_a_new_version_and_goes_on(client, tokens, services, clock):
    """Given an item approved and being handled by two units (their reminder timers waiting), when
    v2 renames 办理并报告 and the admin migrates, then the item is on v2 with the same tasks, deadlines and
    next wake time, the tasks carry the new name, and the lead unit's report goes on to 审核."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    admin, lead = Actor(client, tokens["admin"]), Actor(client, tokens["zjj_ll"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    before = admin.instance(iid)
    tasks_before = handle_tasks(admin, iid)
    assert len(tasks_before) == 2 and before["next_wake_at"]
    version = before["definition_version"]

    xml = (ROOT / "processes" / "supervision_item.bpmn").read_text(encoding="utf-8")
    assert 'name="办理并报告"' in xml
    changed = xml.replace('name="办理并报告"', 'name="办理并报告（新版）"').encode()
    upload = {"files": [(io.BytesIO(changed), "supervision_item.bpmn")], "note": "改名"}
    deployed = admin.post("/process-definitions", data=upload, content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    body = {"from_version": version, "to_version": version + 1, "instance_ids": [iid]}

    dry = admin.post("/process-definitions/supervision_item/migrations/dry-run", json=body).get_json()
    (verdict,) = dry["instances"]
    assert verdict["can_move"], verdict["reasons"]
    assert {e["element_id"] for e in verdict["active"]} >= {"handle"}
    assert "handle" in {e["element_id"] for e in verdict["changed"]}

    clock.advance(hours=2)  # a timer restarted by the move would now wake two hours later
    started = admin.post("/process-definitions/supervision_item/migrations", json={**body, "reason": "环节改名"})
    assert started.status_code == 202
    assert migration_worker.run_pending(services.uow, services.ctx) == 1
    job = admin.get(f"/migrations/{started.get_json()['id']}").get_json()
    assert (job["moved"], job["refused"]) == (1, 0), job["results"]

    after = admin.instance(iid)
    assert after["definition_version"] == version + 1 and after["status"] == "running"
    assert after["next_wake_at"] == before["next_wake_at"]  # the reminder timers were not restarted
    tasks_after = handle_tasks(admin, iid)
    assert tasks_after.keys() == tasks_before.keys()
    for task_id, task in tasks_after.items():
        assert task["name"] == "办理并报告（新版）" and task["due_at"] == tasks_before[task_id]["due_at"]
        assert task["unit_code"] == tasks_before[task_id]["unit_code"]

    lead.do(iid, "handle", REPORT)
    confirm(client, tokens, "zjj", iid)
    assert office.task(iid, "review")
    assert admin.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]
