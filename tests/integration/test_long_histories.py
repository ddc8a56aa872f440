"""Regression (issue 2): the engine alone fails both of these — see docs/decisions/0001-engine-limits.md.

Long histories: marked `slow` (CI runs them; `DUBAN_TEST_FAST=1 make test` leaves them out) and on a database of
the module's own, so the 1,200-item campaign and the 300-round item never slow another module's queries or timers.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from service.campaigns import rectification
from tests.api_helpers import Actor, confirm
from tests.conftest import own_database
from tests.integration.test_annual_plan import adopt_plan

services, app, tokens = own_database()

ITEM = {
    "title": "长期反复退回的事项",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "文号",
    "lead_unit": "fgj",
    "co_units": [],
    "time_limit_days": 15,
}


@pytest.mark.slow
def test_an_item_returned_300_times_still_works(client, tokens):
    office, leader, unit = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["changwu"]),
        Actor(client, tokens["fgj_ll"]),
    )
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    for n in range(300):
        unit.do(iid, "handle", {"progress": f"第{n + 1}次", "completion": "in_progress"})
        office.do(iid, "review", {"review_decision": "return", "return_reason": f"退回{n + 1}"})
    handle = unit.task(iid, "handle")
    assert unit.get(f"/tasks/{handle['id']}").get_json()["data"]["round"] == 301
    unit.complete(handle["id"], {"progress": "终于完成", "completion": "done"})
    confirm(client, tokens, "fgj", iid)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "完成"})
    leader.do(iid, "leader_read", {"conclusion": "concluded"})
    office.do(iid, "archive", {"retention": "30年"})
    final = office.instance(iid)
    assert final["status"] == "completed"
    assert final["data"]["unit_results"][0]["returns"] == 300
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]


@pytest.mark.slow
def test_a_campaign_with_1200_rectification_items_finds_every_ready_task(client, tokens, services):
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("inspection_campaign", {"title": "大规模整改督查"})["id"]
    _, plan = adopt_plan(client, tokens)
    office.do(
        iid,
        "plan_check",
        {
            "title": "大规模整改督查",
            "plan_status": "on_plan",
            "plan_item": plan[0]["value"],
            "lead_unit": plan[0]["lead_unit"],
        },
    )
    office.do(
        iid,
        "inspection_plan",
        {
            "purpose": "整改督查",
            "basis": "年度计划",
            "period": "十二月",
            "targets": "全县",
            "content": "整改落实",
            "groups": [{"name": "一组", "leader": "user:dcs_li"}],
        },
    )
    units = ["xiayang", "miandu", "shidu", "shuikou", "luyuan", "fgj", "czj", "zrzyj", "zjj", "jyj", "wjj"]
    problems = [{"description": f"问题{i}", "unit": units[i % len(units)]} for i in range(1200)]
    office.do(iid, "field_inspection", {"sites_visited": "全县", "problems_found": problems})
    office.do(iid, "inspection_feedback", {"feedback": "已当场反馈", "feedback_units": units})
    office.do(iid, "group_report", {"report": "报告内容"})
    office.do(iid, "comprehensive_report", {"report": "报告内容"})
    Actor(client, tokens["dcld"]).do(iid, "leader_review", {"review_decision": "approve"})
    office.do(iid, "publish_bulletin", {"bulletin_title": "整改通报"})

    # The first items exist at once; the background pass makes the rest, in batches (issue 11, point 5)
    first = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500}).get_json()
    assert first["total"] == 1200 and any(r["item_id"] for r in first["items"])
    started = time.perf_counter()
    made = rectification.spawn_pending(services.uow, services.ctx, iid, most=5000)
    print(f"1,180 rectification items created in {time.perf_counter() - started:.1f} s")
    assert made == 1200 - len([r for r in first["items"] if r["item_id"]])
    listing = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500, "page": 3})
    assert all(r["item_id"] and r["status"] == "handling" for r in listing.get_json()["items"])
    per_unit = Actor(client, tokens["shuikou_ll"]).get("/tasks", query_string={"per_page": 1}).get_json()
    assert per_unit["total"] >= len([p for p in problems if p["unit"] == "shuikou"])
    # and the last of them can still be worked on, in its own small instance
    last = listing.get_json()["items"][-1]
    worker = Actor(client, tokens[f"{last['lead_unit']}_ll"])
    worker.do(last["item_id"], "handle", {"progress": "已整改", "completion": "done"})
    confirm(client, tokens, last["lead_unit"], last["item_id"])
    assert len(office.tasks(last["item_id"], "review")) == 1
    with services.db.connect() as conn:
        size = conn.execute(text("SELECT length(state) FROM process_instances WHERE id = :i"), {"i": iid}).scalar()
    print(f"campaign state with 1,200 live items: {size / 1e3:.0f} kB")
