"""Feature: the unit's 负责人 (第一责任人) confirms its 办结报告 before the 督查室 reviews it (004 S6a, issue 11
point 10). A position-restricted task: only the unit's staff holding 负责人 see it, act on it and are told."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import CONFIRM, Actor

ITEM = {
    "title": "霞阳镇集镇污水管网改造",
    "content": "完成集镇污水管网改造",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕12号",
    "lead_unit": "xiayang",
    "time_limit_days": 15,
}
DONE = {"progress": "管网改造完成", "completion": "done", "need_coordination": False}


def _assigned(client: Any, tokens: dict[str, str]) -> int:
    office = Actor(client, tokens["dcs_li"])
    iid = int(office.start("supervision_item", ITEM)["id"])
    office.do(iid, "register", ITEM)
    Actor(client, tokens["changwu"]).do(iid, "approve", {"decision": "approve"})
    return iid


def test_the_head_confirms_the_final_report_or_sends_it_back(client: Any, tokens: dict[str, str]) -> None:
    iid = _assigned(client, tokens)
    liaison, head = Actor(client, tokens["xiayang_ll"]), Actor(client, tokens["xiayang_fzr"])
    office = Actor(client, tokens["dcs_li"])
    # Given the liaison reports the item 已办结
    liaison.do(iid, "handle", DONE)
    # Then the report waits for the unit's head, not the office; the liaison neither sees nor may do it
    task = head.task(iid, "head_confirm")
    assert task["position"] == "负责人" and task["unit_code"] == "xiayang" and task["lane"] == "承办单位"
    assert liaison.tasks(iid) == [] and office.tasks(iid, "review") == []
    assert liaison.get(f"/tasks/{task['id']}").status_code == 404
    assert liaison.post(f"/tasks/{task['id']}/complete", json={"data": CONFIRM}).status_code == 404
    # and only the head was told of it
    told = head.get("/notifications", query_string={"per_page": 200}).get_json()["items"]
    assert any(n["title"] == "新待办：单位负责人确认" and n["instance_id"] == iid for n in told)
    liaison_told = liaison.get("/notifications", query_string={"per_page": 200}).get_json()["items"]
    assert not any(n["title"] == "新待办：单位负责人确认" for n in liaison_told)

    # When the head sends it back, a reason is required, and the liaison gets the report back with it
    refused = head.complete(task["id"], {"head_decision": "return"}, status=422)
    assert list(refused["details"]["errors"]) == ["head_opinion"]
    head.complete(task["id"], {"head_decision": "return", "head_opinion": "请补充验收照片"})
    again = liaison.task(iid, "handle")
    detail = liaison.get(f"/tasks/{again['id']}").get_json()
    assert detail["data"]["head_decision"] == "return" and detail["data"]["head_opinion"] == "请补充验收照片"
    # And once the head confirms the corrected report, the office reviews it
    liaison.complete(again["id"], {**DONE, "attachment_note": "验收照片12张"})
    head.do(iid, "head_confirm", {"head_decision": "confirm", "head_opinion": "情况属实"})
    assert office.task(iid, "review")["lane"] == "督查室"
    history = office.get(f"/process-instances/{iid}/history").get_json()
    confirmed = [e for e in history if e["kind"] == "task_completed" and e["payload"]["element_id"] == "head_confirm"]
    assert [e["actor"] for e in confirmed] == ["xiayang_fzr", "xiayang_fzr"]


def test_a_progress_report_goes_to_review_without_the_head(client: Any, tokens: dict[str, str]) -> None:
    iid = _assigned(client, tokens)
    Actor(client, tokens["xiayang_ll"]).do(iid, "handle", {**DONE, "completion": "in_progress"})
    assert Actor(client, tokens["xiayang_fzr"]).tasks(iid, "head_confirm") == []
    assert Actor(client, tokens["dcs_li"]).task(iid, "review")
