"""Feature: a supervised item (Flow B) goes from registration to 办结 with returns and escalation."""

from __future__ import annotations

from tests.api_helpers import CONFIRM, Actor, confirm

ITEM = {
    "title": "推进城区老旧小区改造",
    "content": "完成城区12个老旧小区改造并通过验收",
    "source_type": "常务会议",
    "source_ref": "县政府第5次常务会议",
    "lead_unit": "zjj",
    "co_units": ["czj"],
    "time_limit_days": 15,
    "requirements": "每周报送进度",
}
REPORT = {"progress": "已完成8个小区改造", "completion": "done", "need_coordination": False}


def test_two_units_one_returned_twice_one_escalated_to_concluded(client, tokens):
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    lead, co = Actor(client, tokens["zjj_ll"]), Actor(client, tokens["czj_fzr"])
    vice, magistrate = Actor(client, tokens["fenguan"]), Actor(client, tokens["xianzhang"])

    # Given the office registers an item for a lead unit and a co-handling unit
    started = office.start("supervision_item", ITEM)
    iid = started["id"]
    assert started["business_number"].startswith("督办〔2026〕")
    office.do(iid, "register", ITEM)
    # When the leader sends it back once and then approves
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请明确验收标准"})
    office.do(iid, "register", {**ITEM, "requirements": "按住建部验收标准"})
    leader.do(iid, "approve", {"decision": "approve"})

    # Then each unit gets its own handling task, visible only to that unit
    lead_task = lead.task(iid, "handle")
    assert lead_task["unit_code"] == "zjj" and lead_task["due_at"]
    assert co.tasks(iid, "handle")[0]["unit_code"] == "czj"
    assert lead.tasks(iid, "handle") == [lead_task]

    # The lead unit is returned twice
    for round_no in (1, 2):
        lead.do(iid, "handle", {**REPORT, "progress": f"第{round_no}次报告"})
        confirm(client, tokens, "zjj", iid)
        office.do(iid, "review", {"review_decision": "return", "return_reason": f"第{round_no}次退回：材料不全"})
    handle = lead.task(iid, "handle")
    detail = lead.get(f"/tasks/{handle['id']}").get_json()
    assert detail["data"]["round"] == 3
    # The data keeps a count and the latest reason (flat at any depth); every reason stays in the history
    assert (detail["data"]["return_count"], detail["data"]["return_reason"]) == (2, "第2次退回：材料不全")
    reviews = [e["payload"] for e in office.get(f"/process-instances/{iid}/history").get_json()]
    reasons = [p["data"].get("return_reason") for p in reviews if p.get("element_id") == "review" and "data" in p]
    assert reasons == ["第1次退回：材料不全", "第2次退回：材料不全"]
    assert detail["form"]["components"]
    lead.do(iid, "handle", REPORT)
    confirm(client, tokens, "zjj", iid)  # the unit's 负责人 confirms its 办结报告 (S6a)
    office.do(iid, "review", {"review_decision": "onsite_check"})
    office.do(iid, "onsite_check", {"check_date": "2026-11-25", "check_findings": "现场属实"})
    office.do(iid, "review", {"review_decision": "accept", "review_opinion": "同意"})

    # The co-handling unit cannot solve it alone: 分管领导 coordination fails, a special meeting decides
    co.do(iid, "handle", {**REPORT, "need_coordination": True, "coordination_reason": "资金缺口"})
    vice.do(iid, "coordinate", {"coordination_opinion": "协调财政预算", "resolved": "no"})
    magistrate.do(iid, "special_meeting", {"meeting_ref": "专题会议纪要〔2026〕3号", "meeting_decision": "追加预算"})
    co.do(iid, "handle", REPORT)
    co.do(iid, "head_confirm", CONFIRM)  # the head filed it and confirms it
    office.do(iid, "review", {"review_decision": "accept"})

    # Report upward, conclude, archive
    office.do(iid, "report_upward", {"summary": "两单位均已完成"})
    leader.do(iid, "leader_read", {"conclusion": "concluded", "instruction": "同意销号"})
    office.do(iid, "archive", {"retention": "30年", "close_note": "资料齐全", "archive_ref": "DB-2026-001"})

    final = office.instance(iid)
    assert final["status"] == "completed" and final["ready_tasks"] == []
    results = {r["unit"]: r for r in final["data"]["unit_results"]}
    assert results["zjj"]["returns"] == 2 and results["czj"]["returns"] == 0
    history = office.get(f"/process-instances/{iid}/history").get_json()
    completed = [e["payload"]["element_id"] for e in history if e["kind"] == "task_completed"]
    assert completed.count("handle") == 5 and "special_meeting" in completed
    verdict = office.get(f"/process-instances/{iid}/history/verify").get_json()
    assert {k: verdict[k] for k in ("ok", "events", "first_bad_seq", "problem")} == {
        "ok": True,
        "events": len(history),
        "first_bad_seq": None,
        "problem": None,
    }
    assert verdict["anchored_count"] == len(history)


def test_a_unit_cannot_see_or_complete_another_units_task(client, tokens):
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", {**ITEM, "co_units": []})["id"]
    office.do(iid, "register", {**ITEM, "co_units": []})
    leader.do(iid, "approve", {"decision": "approve"})
    task = Actor(client, tokens["zjj_ll"]).task(iid, "handle")
    other = Actor(client, tokens["xiayang_ll"])
    assert other.tasks(iid) == []
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.post(f"/tasks/{task['id']}/complete", json={"data": REPORT}).status_code == 404
    # the office sees it but may not act in the unit's place
    assert office.post(f"/tasks/{task['id']}/complete", json={"data": REPORT}).status_code == 403
