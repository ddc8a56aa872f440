"""Set-ups several scenarios share: a 督办事项 returned N times, a 专项督查 bound to the adopted plan, and one
taken into rectification with N problems found (each problem a rectification item)."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor, approved_item
from tests.integration.test_annual_plan import adopt_plan

ITEM = {
    "title": "长期反复退回的事项",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "文号",
    "lead_unit": "fgj",
    "co_units": [],
    "time_limit_days": 15,
}
UNITS = ["xiayang", "miandu", "shidu", "shuikou", "luyuan", "fgj", "czj", "zrzyj", "zjj", "jyj", "wjj"]
INSPECTION_PLAN = {
    "purpose": "整改督查",
    "basis": "年度计划",
    "period": "十二月",
    "targets": "全县",
    "content": "整改落实",
    "groups": [{"name": "一组", "leader": "user:dcs_li"}],
}


def item_returned(client: Any, tokens: dict[str, str], rounds: int, item: dict[str, Any] = ITEM) -> int:
    """A 督办事项 registered and approved, then `rounds` times 办理 by fgj and returned (退回) by the office;
    its unit's 办理 is ready again."""
    office, unit = Actor(client, tokens["dcs_li"]), Actor(client, tokens["fgj_ll"])
    iid = approved_item(client, tokens, item)
    for n in range(rounds):
        unit.do(iid, "handle", {"progress": f"第{n + 1}次", "completion": "in_progress"})
        office.do(iid, "review", {"review_decision": "return", "return_reason": f"退回{n + 1}"})
    return iid


def campaign_on_plan(client: Any, tokens: dict[str, str], title: str, start: dict[str, Any] | None = None) -> int:
    """A 专项督查 started (with `start`), a plan adopted, and its 立项核对 bound to the plan's first item."""
    office = Actor(client, tokens["dcs_li"])
    iid = int(office.start("inspection_campaign", {} if start is None else start)["id"])
    _, plan = adopt_plan(client, tokens)
    chosen = {"plan_item": plan[0]["value"], "lead_unit": plan[0]["lead_unit"]}
    office.do(iid, "plan_check", {"title": title, "plan_status": "on_plan", **chosen})
    return iid


def problems(count: int, units: list[str] = UNITS) -> list[dict[str, str]]:
    """`count` problems found in the field, spread over `units` in turn."""
    return [{"description": f"问题{i}", "unit": units[i % len(units)]} for i in range(count)]


def campaign_in_rectification(
    client: Any, tokens: dict[str, str], count: int, *, title: str = "大规模整改督查", units: list[str] = UNITS
) -> int:
    """A campaign on the plan through its field work (`problems(count, units)` found), reports, review and
    通报, so that its rectification items are being made (the first at once, the rest by the background)."""
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_on_plan(client, tokens, title, {"title": title})
    office.do(iid, "inspection_plan", INSPECTION_PLAN)
    office.do(iid, "field_inspection", {"sites_visited": "全县", "problems_found": problems(count, units)})
    office.do(iid, "inspection_feedback", {"feedback": "已当场反馈", "feedback_units": units})
    office.do(iid, "group_report", {"report": "报告内容"})
    office.do(iid, "comprehensive_report", {"report": "报告内容"})
    Actor(client, tokens["dcld"]).do(iid, "leader_review", {"review_decision": "approve"})
    office.do(iid, "publish_bulletin", {"bulletin_title": "整改通报"})
    return iid
