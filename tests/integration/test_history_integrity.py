"""Feature: an auditor can prove an instance's history was not altered."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.api_helpers import Actor

ITEM = {
    "title": "审计测试",
    "content": "测试",
    "source_type": "领导批示",
    "source_ref": "张县长批示（11月20日）",
    "lead_unit": "luyuan",
    "co_units": [],
    "time_limit_days": 10,
}


def test_a_tampered_history_row_is_found_by_verify(client, tokens, services):
    office, auditor = Actor(client, tokens["dcs_li"]), Actor(client, tokens["shenji"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    Actor(client, tokens["changwu"]).do(iid, "approve", {"decision": "approve", "opinion": "同意"})
    assert auditor.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True
    history = auditor.get(f"/process-instances/{iid}/history").get_json()
    approval = next(e for e in history if e["kind"] == "task_completed" and e["payload"]["element_id"] == "approve")
    # Someone with database access rewrites the leader's opinion
    with services.db.begin() as conn:
        row = conn.execute(
            text("SELECT payload FROM history_events WHERE instance_id = :i AND seq = :s"),
            {"i": iid, "s": approval["seq"]},
        ).scalar()
        payload = json.loads(row) if isinstance(row, str) else row
        payload["data"]["opinion"] = "不同意"
        forged = json.dumps(payload, ensure_ascii=False)
        conn.execute(
            text("UPDATE history_events SET payload = :p WHERE instance_id = :i AND seq = :s"),
            {"p": forged, "i": iid, "s": approval["seq"]},
        )
    result = auditor.get(f"/process-instances/{iid}/history/verify").get_json()
    assert {k: result[k] for k in ("ok", "events", "first_bad_seq", "problem")} == {
        "ok": False,
        "events": len(history),
        "first_bad_seq": approval["seq"],
        "problem": "changed_payload",
    }


def test_auditors_read_but_cannot_act(client, tokens):
    office, auditor = Actor(client, tokens["dcs_li"]), Actor(client, tokens["shenji"])
    iid = office.start("supervision_item", ITEM)["id"]
    task = office.task(iid, "register")
    assert auditor.get(f"/tasks/{task['id']}").status_code == 200
    assert auditor.post(f"/tasks/{task['id']}/complete", json={"data": ITEM}).status_code == 403
