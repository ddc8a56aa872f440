"""Feature: 延期申请 — the lead unit's head asks before the deadline; 督查室 and the leader approve; the
item's deadline and its live reminder timers move, and the item's history tells the whole story."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.process import scheduler
from tests.api_helpers import Actor, approved_item

ITEM = {
    "title": "延期测试：集镇污水管网建设",
    "content": "完成集镇污水管网二期建设",
    "source_type": "专题会议",
    "source_ref": "县政府专题会议纪要〔2026〕12号",
    "lead_unit": "shidu",
}


def _assigned_item(client: Any, tokens: dict[str, str], title: str) -> int:
    return approved_item(client, tokens, {**ITEM, "title": title})


def _timer_events(office: Actor, iid: int) -> list[str]:
    history = office.get(f"/process-instances/{iid}/history").get_json()
    return [e["payload"]["element_id"] for e in history if e["kind"] == "timer_fired"]


def test_an_approved_extension_moves_the_deadline_and_the_live_timers(client, tokens, services, clock):  # type: ignore[no-untyped-def]
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    head, liaison = Actor(client, tokens["shidu_fzr"]), Actor(client, tokens["shidu_ll"])
    # Given an item assigned on Monday 2026-11-23 with 15 working days: deadline 12-14, reminder 12-09 09:00
    iid = _assigned_item(client, tokens, "延期测试：集镇污水管网建设")
    item = office.instance(iid)
    assert item["data"]["deadline"] == "2026-12-14"
    assert item["next_wake_at"].startswith("2026-12-09T01:00:00")

    # When the liaison asks, it is refused: only the unit's head files an extension
    body = {"requested_deadline": "2026-12-28", "reason": "管材供货延迟，需顺延两周"}
    assert liaison.post(f"/process-instances/{iid}/extensions", json=body).status_code == 403
    # A date that is not after the deadline, or not a working day, or no reason: 422 with the field named
    for bad, field in (
        ({**body, "requested_deadline": "2026-12-10"}, "requested_deadline"),
        ({**body, "requested_deadline": "2026-12-27"}, "requested_deadline"),  # a Sunday
        ({**body, "reason": "  "}, "reason"),
    ):
        response = head.post(f"/process-instances/{iid}/extensions", json=bad)
        assert response.status_code == 422 and field in response.get_json()["details"]["errors"], bad
    # The head files it (an extension cannot be started from 发起)
    assert office.post("/process-instances", json={"process_key": "deadline_extension", "data": {}}).status_code == 422
    response = head.post(f"/process-instances/{iid}/extensions", json=body)
    assert response.status_code == 201, response.get_json()
    ext = response.get_json()["id"]
    assert head.post(f"/process-instances/{iid}/extensions", json=body).status_code == 409  # one at a time

    # Then 督查室 reviews and the leader approves
    office.do(ext, "office_review", {"office_decision": "approve", "office_opinion": "情况属实"})
    leader.do(ext, "leader_approval", {"leader_decision": "approve", "leader_opinion": "同意延期"})

    # The item's deadline, the handling task's due time, the ledger and the waiting timers moved
    item = office.instance(iid)
    assert item["data"]["deadline"] == "2026-12-28"
    assert item["next_wake_at"].startswith("2026-12-23T01:00:00")  # 3 working days before 12-28, 09:00
    handle = liaison.task(iid, "handle")
    assert handle["due_at"].startswith("2026-12-28T16:00:00")
    rows = office.get("/ledger", query_string={"q": "延期测试：集镇污水管网建设", "per_page": 50}).get_json()["items"]
    assert [r["deadline"] for r in rows] == ["2026-12-28"]  # the extension itself is no ledger row
    listed = office.get(f"/process-instances/{iid}/extensions").get_json()
    assert [(e["result"], e["approved_deadline"]) for e in listed] == [("approved", "2026-12-28")]

    history = office.get(f"/process-instances/{iid}/history").get_json()
    kinds = [e["kind"] for e in history]
    assert "extension_requested" in kinds and "deadline_extended" in kinds
    moved = next(e["payload"] for e in history if e["kind"] == "deadline_extended")
    assert (moved["old"], moved["new"]) == ("2026-12-14", "2026-12-28")
    assert {t["element_id"] for t in moved["timers"]} == {"remind_before_deadline", "remind_overdue"}

    # The timers fire at their new times only, once each
    clock.now = datetime(2026, 12, 9, 1, 0, 1, tzinfo=UTC)  # the old reminder moment
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == []
    clock.now = datetime(2026, 12, 23, 1, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == ["remind_before_deadline"]
    clock.now = datetime(2026, 12, 28, 16, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    scheduler.wake(services.uow, services.ctx, iid)
    assert _timer_events(office, iid) == ["remind_before_deadline", "remind_overdue"]
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]
    # The unit was told
    notes = head.get("/notifications", query_string={"per_page": 100}).get_json()["items"]
    assert any("延期申请已批准" in n["title"] for n in notes)


def test_a_rejected_extension_leaves_the_deadline(client, tokens):  # type: ignore[no-untyped-def]
    office, leader, head = (Actor(client, tokens[u]) for u in ("dcs_li", "changwu", "shidu_fzr"))
    iid = _assigned_item(client, tokens, "延期测试：不予延期")
    body = {"requested_deadline": "2026-12-21", "reason": "人手不足"}
    ext = head.post(f"/process-instances/{iid}/extensions", json=body).get_json()["id"]
    # 督查室 must give a reason to refuse
    task = office.task(ext, "office_review")
    office.complete(task["id"], {"office_decision": "reject"}, status=422)
    office.complete(task["id"], {"office_decision": "reject", "office_opinion": "理由不充分"})
    assert office.instance(iid)["data"]["deadline"] == "2026-12-14"
    assert [e["result"] for e in office.get(f"/process-instances/{iid}/extensions").get_json()] == ["rejected"]
    history = office.get(f"/process-instances/{iid}/history").get_json()
    assert [e["kind"] for e in history].count("extension_rejected") == 1


def test_the_leader_may_grant_a_different_date_but_not_an_invalid_one(client, tokens):  # type: ignore[no-untyped-def]
    office, leader, head = (Actor(client, tokens[u]) for u in ("dcs_li", "changwu", "shidu_fzr"))
    iid = _assigned_item(client, tokens, "延期测试：领导改期")
    ext = head.post(
        f"/process-instances/{iid}/extensions", json={"requested_deadline": "2027-01-08", "reason": "汛期影响"}
    )
    ext_id = ext.get_json()["id"]
    office.do(ext_id, "office_review", {"office_decision": "approve"})
    task = leader.task(ext_id, "leader_approval")
    # A granted date before the current deadline is refused next to its field; nothing moves
    response = leader.complete(task["id"], {"leader_decision": "approve", "approved_deadline": "2026-12-01"}, 422)
    assert "approved_deadline" in response["details"]["errors"]
    assert leader.task(ext_id, "leader_approval")["id"] == task["id"]
    leader.complete(task["id"], {"leader_decision": "approve", "approved_deadline": "2026-12-21"})
    assert office.instance(iid)["data"]["deadline"] == "2026-12-21"


def test_no_extension_after_the_deadline(client, tokens, clock):  # type: ignore[no-untyped-def]
    head = Actor(client, tokens["shidu_fzr"])
    iid = _assigned_item(client, tokens, "延期测试：逾期后申请")
    clock.now = datetime(2026, 12, 14, 16, 0, 0, tzinfo=UTC)  # the end of 12-14 in Shanghai
    response = head.post(
        f"/process-instances/{iid}/extensions", json={"requested_deadline": "2026-12-28", "reason": "晚了"}
    )
    assert response.status_code == 422
    assert "requested_deadline" in response.get_json()["details"]["errors"]
