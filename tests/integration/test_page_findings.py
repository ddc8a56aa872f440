"""Regression (issue 11, point 11): what a new user found wrong on the pages.

- 总览 counted 附件1 applications and campaigns as items; it now counts 督办事项, as 通报 and 考核 do;
- a 完成日期 in the past was accepted at 分解立项;
- the lead unit could also be chosen as a co-handling unit (it then got two 办理 tasks);
- a co-handling unit's 审核 row in 待办 named the lead unit.
"""

from __future__ import annotations

from typing import Any

from tests.access_helpers import HTML, sign_in
from tests.api_helpers import Actor, report
from tests.integration.test_special_inspection_application import APPLICATION
from tests.integration.test_supervised_item_flow import ITEM


def test_the_overview_counts_supervision_items_only(client: Any, tokens: dict[str, str]) -> None:
    office = Actor(client, tokens["dcs_li"])
    before = office.get("/ledger/overview").get_json()["total"]
    applicant = Actor(client, tokens["zrzyj_ll"])
    application = applicant.start("special_inspection_application", {})["id"]
    applicant.do(application, "apply", APPLICATION)
    office.start("inspection_campaign", {"title": "立项中的督查"})
    after = office.get("/ledger/overview").get_json()
    assert after["total"] == before  # neither is a 督办事项
    items = office.get("/ledger", query_string={"process_key": "supervision_item", "per_page": 1}).get_json()
    assert after["total"] == items["total"]
    applications = office.get("/ledger", query_string={"process_key": "special_inspection_application"})
    assert applications.get_json()["total"] == 0  # 附件1 is no 台账 row at all


def test_a_past_deadline_and_the_lead_unit_as_co_unit_are_refused_at_registration(
    client: Any, tokens: dict[str, str], clock: Any
) -> None:
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", {})["id"]
    task = office.task(iid, "register")
    body = office.complete(task["id"], {**ITEM, "deadline": "2020-01-31"}, status=422)
    assert body["details"]["errors"] == {"deadline": ["不能早于今天"]}
    body = office.complete(task["id"], {**ITEM, "lead_unit": "zjj", "co_units": ["czj", "zjj"]}, status=422)
    assert body["details"]["errors"] == {"co_units": ["不能包含牵头单位"]}
    office.complete(task["id"], {**ITEM, "deadline": clock().date().replace(year=clock().year + 1).isoformat()})


def test_a_co_units_review_row_names_that_unit(client: Any, tokens: dict[str, str]) -> None:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    title = "协办单位审核行的单位名称"
    iid = office.start("supervision_item", {})["id"]
    office.do(iid, "register", {**ITEM, "title": title, "lead_unit": "zjj", "co_units": ["czj"]})
    leader.do(iid, "approve", {"decision": "approve"})
    report(client, tokens, "czj", iid, {"progress": "配合完成", "completion": "done"})
    sign_in(client, "dcs_li")
    page = client.get("/inbox", query_string={"tab": "todo", "q": title}, headers=HTML).get_data(as_text=True)
    rows = [r for r in page.split("<tr") if title in r and r.startswith(" data-instance")]
    assert (
        len(rows) == 1 and "审核办理结果" in rows[0] and "县财政局" in rows[0] and "县住房和城乡建设局" not in rows[0]
    )


def test_key_items_are_marked_and_filtered_and_every_source_type_is_offered(
    client: Any, tokens: dict[str, str]
) -> None:
    """004 §二 (督查内容) and §三.2 (重点督查与一般督查相结合)."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", {})["id"]
    register = office.get(f"/tasks/{office.task(iid, 'register')['id']}").get_json()["form"]
    [source] = [c for c in register["components"] if c.get("key") == "source_type"]
    offered = {v["value"] for v in source["values"]}
    assert {"政府工作报告", "全体会议", "县长办公会议", "其他经领导批准的事项"} <= offered
    title = "重点督查：财税收入任务完成情况"
    office.do(iid, "register", {**ITEM, "title": title, "source_type": "政府工作报告", "priority": "重点"})
    leader.do(iid, "approve", {"decision": "approve"})
    key = office.get("/ledger", query_string={"priority": "重点", "q": title}).get_json()["items"]
    assert [(e["title"], e["priority"]) for e in key] == [(title, "重点")]
    assert office.get("/ledger", query_string={"priority": "一般", "q": title}).get_json()["total"] == 0
    assert office.get("/ledger", query_string={"priority": "特急"}).status_code == 422
    sign_in(client, "dcs_li")
    page = client.get("/ledger", query_string={"priority": "重点"}, headers=HTML).get_data(as_text=True)
    assert title in page and 'class="badge priority-key"' in page
