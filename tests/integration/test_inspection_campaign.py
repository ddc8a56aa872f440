"""Feature: an inspection campaign (Flow A) with groups in the field and rectification items."""

from __future__ import annotations

from io import BytesIO

import docx

from tests.access_helpers import HTML, sign_in
from tests.api_helpers import Actor, confirm
from tests.campaign_helpers import campaign_on_plan
from tests.integration.test_annual_plan import PLAN


def test_two_groups_three_rectification_items_to_archive(client, tokens):
    office, reviewer = Actor(client, tokens["dcs_li"]), Actor(client, tokens["dcld"])
    start = {"title": "耕地保护综合督查", "lead_unit": "zrzyj"}
    iid = campaign_on_plan(client, tokens, "耕地保护综合督查", start)
    office.do(iid, "inspection_plan", PLAN)
    inspections = office.tasks(iid, "field_inspection")
    assert len(inspections) == 2
    problems = [
        [
            {"description": "霞阳镇存在违法占地", "unit": "xiayang", "deadline_days": 10},
            {"description": "沔渡镇台账不全", "unit": "miandu"},
        ],
        [{"description": "十都镇整改不到位", "unit": "shidu", "deadline_days": 20}],
    ]
    for task, found in zip(inspections, problems, strict=True):
        visits = [{"unit": p["unit"], "site": "现场", "method": "暗访"} for p in found]
        office.complete(task["id"], {"sites_visited": "实地查看", "visits": visits, "problems_found": found})
    feedback = {"feedback": "已当面反馈问题清单", "feedback_units": ["xiayang", "miandu", "shidu"]}
    for element, data in (("inspection_feedback", feedback), ("group_report", {"report": "分组报告"})):
        for task in office.tasks(iid, element):
            office.complete(task["id"], data)
    office.do(iid, "comprehensive_report", {"report": "综合报告"})
    reviewer.do(iid, "leader_review", {"review_decision": "approve", "instruction": "同意印发"})
    office.do(
        iid,
        "publish_bulletin",
        {"bulletin_title": "耕地保护督查通报", "requirements": "限期整改到位"},
    )

    # The bulletin was numbered in the year's one series and built from the campaign (issue 11, point 6)
    listed = office.get("/bulletins", query_string={"per_page": 100}).get_json()["items"]
    mine = [b for b in listed if b["instance_id"] == iid]
    assert len(mine) == 1 and mine[0]["kind"] == "campaign" and mine[0]["title"] == "耕地保护督查通报"
    others = [b["issue_no"] for b in listed if b["year"] == mine[0]["year"] and b["id"] != mine[0]["id"]]
    assert mine[0]["issue_no"] == max(others, default=0) + 1 and mine[0]["totals"]["problems"] == 3
    paper = office.get(mine[0]["download_url"].removeprefix("/api/v1"))
    text = "\n".join(p.text for p in docx.Document(BytesIO(paper.data)).paragraphs)
    assert f"{mine[0]['year']}年第{mine[0]['issue_no']}期" in text
    assert "霞阳镇人民政府：霞阳镇存在违法占地（整改时限：10个工作日）" in text and "限期整改到位" in text
    assert "同意印发" in text  # the leader's instruction

    # Each problem became its own supervised item for its unit, skipping registration (issue 11, point 5)
    listed = office.get(f"/process-instances/{iid}/rectification-items").get_json()
    # (the groups' findings come in the order the groups finished, which the task list does not fix)
    assert listed["total"] == 3 and sorted(r["lead_unit"] for r in listed["items"]) == ["miandu", "shidu", "xiayang"]
    items = {r["lead_unit"]: r for r in listed["items"]}
    assert all(r["item_id"] and r["business_number"].startswith("督办〔") for r in items.values())
    assert len({r["business_number"] for r in items.values()}) == 3 and office.tasks(iid, "handle") == []
    waiting = office.get("/tasks", query_string={"instance_id": iid, "mine": "false"}).get_json()["items"]
    assert [(t["element_id"], t["lane"]) for t in waiting] == [("rectify", "系统管理员")]  # nobody's to-do
    assert office.tasks(iid) == []
    for unit, row in items.items():
        item_id = row["item_id"]
        unit_actor = Actor(client, tokens[f"{unit}_ll"])
        item = unit_actor.instance(item_id)
        assert item["data"]["campaign_instance_id"] == iid and item["data"]["source_type"] == "督查整改"
        ledger = office.get("/ledger", query_string={"q": item["business_number"]}).get_json()["items"]
        assert [r["lead_unit"] for r in ledger] == [unit]  # its own 台账 row
        unit_actor.do(item_id, "handle", {"progress": "已整改", "completion": "done"})
        confirm(client, tokens, unit, item_id)
        office.do(item_id, "review", {"review_decision": "accept"})
        office.do(item_id, "report_upward", {"summary": "整改完成"})
        Actor(client, tokens["changwu"]).do(item_id, "leader_read", {"conclusion": "concluded"})
        assert office.tasks(iid, "rectification_summary") == []  # the campaign waits for the last one
        office.do(item_id, "archive", {"retention": "30年", "close_note": "整改销号"})
    assert [r["status"] for r in office.get(f"/process-instances/{iid}/rectification-items").get_json()["items"]] == [
        "closed"
    ] * 3
    office.do(iid, "rectification_summary", {"summary": "三项问题均已整改"})
    Actor(client, tokens["changwu"]).do(iid, "summary_read", {"summary_instruction": "整改到位，予以肯定"})
    office.do(iid, "campaign_archive", {"retention": "永久", "archive_ref": "DC-2026-01"})
    final = office.instance(iid)
    assert final["status"] == "completed"
    archive = office.get(f"/process-instances/{iid}/archive").get_json()  # 资料归档 (issue 11, point 9)
    names = [f["name"] for f in archive["manifest"]["files"]]
    assert archive["verified"] and archive["retention"] == "永久" and "整改事项清单.csv" in names
    assert any(n.startswith("文书/督查通报") and n.endswith(".docx") for n in names)
    results = final["data"]["rectification_results"]
    assert [r["item_id"] for r in results] == [r["item_id"] for r in listed["items"]]  # in the campaign's order

    # The campaign page reads in words: no Python dicts or keys, engine steps hidden until asked
    sign_in(client, "dcs_li")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert "{'" not in page and "': " not in page
    assert "（1）问题描述：霞阳镇存在违法占地；责任单位：霞阳镇人民政府；整改时限（工作日）：10" in page
    assert "显示系统步骤" in page and 'data-kind="engine_steps"' not in page
    page = client.get(f"/items/{iid}", query_string={"system": "1"}, headers=HTML).get_data(as_text=True)
    assert 'data-kind="engine_steps"' in page
    assert "整改事项：（1）编号：督办〔" in page and "· 系统</div>" in page


def test_the_notice_is_issued_visits_are_recorded_and_feedback_reaches_the_units(client, tokens):
    """炎陵 §三(一)2–3 (issue 11, point 4): members come from the 督查人员信息库 and the office's users, the
    督查通知 (.docx) is issued once the groups are set, each visit is 明察 or 暗访, and the inspected units get
    the group's 反馈意见."""
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_on_plan(client, tokens, "禁烧督查")
    task = office.task(iid, "inspection_plan")
    people = office.get(f"/tasks/{task['id']}").get_json()["options"]["cadre_options"]
    assert {"user:dcs_li", "user:dcs_wang"} <= {o["value"] for o in people}
    bad = {**PLAN, "groups": [{"name": "一组", "leader": "nobody"}]}
    assert office.complete(task["id"], bad, status=422)["details"]["errors"] == {
        "groups.0.leader": ["不是督查人员信息库中的人员或督查室人员"]
    }
    office.complete(task["id"], {**PLAN, "groups": [{"name": "一组", "leader": "user:dcs_wang"}]})
    files = office.get(f"/process-instances/{iid}/attachments").get_json()
    [notice] = [f for f in files if f["filename"].startswith("督查通知")]
    paper = office.get(f"/attachments/{notice['id']}/download")
    body = paper.data
    paper.close()
    text = "\n".join(p.text for p in docx.Document(BytesIO(body)).paragraphs)
    assert "关于开展禁烧督查的通知" in text and "组长：王督查（督查室）" in text
    inspection = office.task(iid, "field_inspection")
    visit = {"unit": "xiayang", "site": "霞阳镇东村", "method": "夜访"}
    refused = office.complete(inspection["id"], {"sites_visited": "霞阳镇", "visits": [visit]}, status=422)
    assert list(refused["details"]["errors"]) == ["visits.0.method"]
    office.complete(inspection["id"], {"sites_visited": "霞阳镇", "visits": [{**visit, "method": "暗访"}]})
    office.do(iid, "inspection_feedback", {"feedback": "秸秆堆放点3处未清理", "feedback_units": ["xiayang"]})
    told = Actor(client, tokens["xiayang_ll"]).get("/notifications", query_string={"per_page": 200}).get_json()
    [note] = [n for n in told["items"] if n["kind"] == "inspection_feedback" and n["instance_id"] == iid]
    assert "秸秆堆放点3处未清理" in note["body"] and note["link"] == f"/items/{iid}#feedback"
    # ... and read it on the campaign's page, which they may now open; a unit not inspected may not
    sign_in(client, "xiayang_ll")
    page = client.get(f"/items/{iid}", headers=HTML)
    assert page.status_code == 200
    section = page.get_data(as_text=True).split('id="feedback"', 1)[1].split("</section>", 1)[0]
    assert "霞阳镇人民政府" in section and "秸秆堆放点3处未清理" in section and "一组" in section
    sign_in(client, "miandu_ll")
    assert client.get(f"/items/{iid}", headers=HTML).status_code == 404


def test_invited_deputies_read_the_campaign_that_names_them(client, tokens):
    """004 §三.3 (issue 11, point 10): 人大代表 / 政协委员 are invited from a list; the invited read the campaign."""
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_on_plan(client, tokens, "邀请代表督查")
    task = office.task(iid, "inspection_plan")
    invitees = office.get(f"/tasks/{task['id']}").get_json()["options"]["invitee_options"]
    assert {o["value"] for o in invitees} >= {"renda_wang", "zhengxie_liu"}
    assert office.complete(task["id"], {**PLAN, "invited": ["dcs_wang"]}, status=422)["details"]["errors"] == {
        "invited": ["不是可邀请的人大代表或政协委员"]
    }
    deputy, member = Actor(client, tokens["renda_wang"]), Actor(client, tokens["zhengxie_liu"])
    assert deputy.get(f"/process-instances/{iid}").status_code == 404  # not invited yet
    office.complete(task["id"], {**PLAN, "invited": ["renda_wang"]})
    assert deputy.get(f"/process-instances/{iid}").status_code == 200
    assert member.get(f"/process-instances/{iid}").status_code == 404
    told = deputy.get("/notifications", query_string={"per_page": 100}).get_json()["items"]
    assert any(n["kind"] == "campaign_invitation" and n["link"] == f"/items/{iid}" for n in told)
    sign_in(client, "renda_wang")
    assert client.get(f"/items/{iid}", headers=HTML).status_code == 200
