"""Feature: a task is completed once; bad form data is refused and changes nothing."""

from __future__ import annotations

import threading

from tests.api_helpers import Actor

ITEM = {
    "title": "并发测试",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "文号",
    "lead_unit": "wjj",
    "co_units": [],
    "time_limit_days": 15,
}


def _item_waiting_for_unit(client, tokens) -> tuple[int, dict]:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    return iid, Actor(client, tokens["wjj_ll"]).task(iid, "handle")


def test_two_clients_completing_one_task_at_once_one_wins(app, tokens):
    iid, task = _item_waiting_for_unit(app.test_client(), tokens)
    headers = [{"Authorization": f"Bearer {tokens[u]}"} for u in ("wjj_ll", "wjj_fzr")]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit(h: dict) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/tasks/{task['id']}/complete",
            headers=h,
            json={"data": {"progress": "并发提交", "completion": "in_progress"}},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409]
    office = Actor(app.test_client(), tokens["dcs_li"])
    history = office.get(f"/process-instances/{iid}/history").get_json()
    assert [e["payload"]["element_id"] for e in history if e["kind"] == "task_completed"].count("handle") == 1
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]
    assert len(office.tasks(iid, "review")) == 1


def test_invalid_form_data_is_422_with_field_errors_and_nothing_saved(client, tokens):
    iid, task = _item_waiting_for_unit(client, tokens)
    unit, office = Actor(client, tokens["wjj_ll"]), Actor(client, tokens["dcs_li"])
    before = office.instance(iid)
    history_before = office.get(f"/process-instances/{iid}/history").get_json()
    response = unit.post(
        f"/tasks/{task['id']}/complete", json={"data": {"progress": "", "completion": "maybe", "smuggled": 1}}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_input" and body["message"]
    assert set(body["errors"]) == {"progress", "completion", "smuggled"}
    assert body["errors"]["progress"] == ["此项为必填项"]
    after = office.instance(iid)
    assert after["version"] == before["version"] and after["data"] == before["data"]
    assert office.get(f"/process-instances/{iid}/history").get_json() == history_before
    assert unit.task(iid, "handle")["id"] == task["id"]


def test_a_completed_task_cannot_be_completed_again(client, tokens):
    iid, task = _item_waiting_for_unit(client, tokens)
    unit = Actor(client, tokens["wjj_ll"])
    unit.complete(task["id"], {"progress": "已办", "completion": "done"})
    again = unit.post(f"/tasks/{task['id']}/complete", json={"data": {"progress": "再次", "completion": "done"}})
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
