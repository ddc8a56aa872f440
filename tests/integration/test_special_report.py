"""Feature: 督查专报 (004 §四.4, S4d; issue 11 point 7). The item records who assigned it (交办领导, chosen from
the county leaders); once it is 办结 督查室 reports the result to that leader, who is told."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import docx

from tests.api_helpers import Actor, confirm
from tests.integration.test_supervised_item_flow import ITEM


def _closed_item(client: Any, tokens: dict[str, str], leader: str) -> int:
    office, approver = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    unit = Actor(client, tokens["zjj_ll"])
    iid = office.start("supervision_item", {})["id"]
    office.do(iid, "register", {**ITEM, "co_units": [], "assigning_leader": leader})
    approver.do(iid, "approve", {"decision": "approve"})
    unit.do(iid, "handle", {"progress": "12个小区全部完成改造", "completion": "done"})
    confirm(client, tokens, "zjj", iid)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "12个老旧小区改造全部完成并通过验收"})
    assert office.post(f"/process-instances/{iid}/special-report").status_code == 409  # not 办结 yet
    approver.do(iid, "leader_read", {"conclusion": "concluded", "instruction": "同意销号，总结经验"})
    office.do(iid, "archive", {"retention": "30年", "close_note": "销号"})
    return iid


def test_the_special_report_goes_to_the_assigning_leader(client: Any, tokens: dict[str, str]) -> None:
    office, magistrate = Actor(client, tokens["dcs_li"]), Actor(client, tokens["xianzhang"])
    iid = _closed_item(client, tokens, "xianzhang")
    assert Actor(client, tokens["zjj_ll"]).post(f"/process-instances/{iid}/special-report").status_code == 403
    response = office.post(f"/process-instances/{iid}/special-report")
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    assert issued["to_leader"] == "xianzhang" and "年第" in issued["issue"]
    paper = office.get(f"/attachments/{issued['attachment_id']}/download")
    body = paper.data
    paper.close()  # the file stream behind send_file
    text = "\n".join(p.text for p in docx.Document(BytesIO(body)).paragraphs)
    assert "督查专报" in text and issued["issue"] in text
    assert "12个老旧小区改造全部完成并通过验收" in text and "同意销号，总结经验" in text
    told = magistrate.get("/notifications", query_string={"per_page": 100}).get_json()["items"]
    assert any(n["kind"] == "special_report" and str(iid) in (n["link"] or "") for n in told)
    history = office.get(f"/process-instances/{iid}/history").get_json()
    assert [e["payload"]["issue"] for e in history if e["kind"] == "special_report_issued"] == [issued["issue"]]


def test_the_assigning_leader_is_one_of_the_county_leaders(client: Any, tokens: dict[str, str]) -> None:
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", {})["id"]
    task = office.task(iid, "register")
    leaders = office.get(f"/tasks/{task['id']}").get_json()["options"]["leader_options"]
    assert {"xianzhang", "changwu", "fenguan"} <= {o["value"] for o in leaders}
    assert all("（" in o["label"] for o in leaders)  # name and role
    body = office.complete(task["id"], {**ITEM, "assigning_leader": "zjj_ll"}, status=422)
    assert body["details"]["errors"] == {"assigning_leader": ["不是县领导的用户名"]}
