"""Feature: 年度督查计划 (炎陵 §三(一)1) and the plan check that binds (§三(一)2), issue 11 points 2–3.

Units declare items, 督查室 compiles them, the 县政府主要领导 approves (after sending it back once), the
县委审定 is recorded; the plan's items are then what a campaign is started from — chosen from a list, each
used once. A campaign may instead be started from an approved 附件1, also chosen from a list."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor
from tests.integration.test_special_inspection_application import APPLICATION, SIGNERS

DECLARED = {
    "xiayang": [{"name": "秸秆禁烧专项督查", "period": "第二季度", "content": "检查秸秆禁烧落实"}],
    "fgj": [
        {"name": "重点项目建设综合督查", "period": "6月", "kind": "综合督查"},
        {"name": "优化营商环境专项督查", "period": "9月", "lead_unit": "czj"},
    ],
}

# 督查分组与方案 of a campaign: two groups of office staff
PLAN = {
    "purpose": "检查耕地保护落实",
    "basis": "年度督查计划",
    "period": "2026年12月",
    "targets": "各乡镇",
    "content": "违法占地整治",
    "groups": [
        {"name": "第一组", "leader": "user:dcs_li"},
        {"name": "第二组", "leader": "user:dcs_wang", "members": ["user:dcs_li"]},
    ],
}


def adopt_plan(client: Any, tokens: dict[str, str], year: int = 2027) -> tuple[int, list[dict[str, Any]]]:
    """A plan adopted through its flow; (plan instance id, its plan_item_options)."""
    office, magistrate = Actor(client, tokens["dcs_li"]), Actor(client, tokens["xianzhang"])
    pid = office.start("annual_plan", {})["id"]
    office.do(pid, "publish_call", {"plan_year": year, "declaring_units": list(DECLARED), "declare_by": "2026-12-31"})
    for unit, items in DECLARED.items():
        Actor(client, tokens[f"{unit}_ll"]).do(pid, "declare_items", {"declared_items": items})
    compile_task = office.task(pid, "compile")
    compiled = office.get(f"/tasks/{compile_task['id']}").get_json()["data"]["plan_items"]
    assert [(i["name"], i["lead_unit"], i["declared_by"]) for i in compiled] == [
        ("秸秆禁烧专项督查", "xiayang", "xiayang"),
        ("重点项目建设综合督查", "fgj", "fgj"),
        ("优化营商环境专项督查", "czj", "fgj"),
    ]
    items = [{k: i[k] for k in ("name", "period", "lead_unit", "kind", "content") if i.get(k)} for i in compiled]
    office.complete(compile_task["id"], {"title": f"{year}年度督查计划", "plan_items": items})
    magistrate.do(pid, "approve", {"plan_decision": "send_back", "plan_opinion": "增加一项安全生产督查"})
    items.append({"name": "安全生产大检查", "period": "全年", "lead_unit": "wjj", "kind": "综合督查"})
    office.do(pid, "compile", {"title": f"{year}年度督查计划", "plan_items": items})
    magistrate.do(pid, "approve", {"plan_decision": "approve"})
    office.do(pid, "party_review", {"party_doc_no": f"县委〔{year}〕1号", "party_date": "2026-12-20"})
    assert office.instance(pid)["status"] == "completed"
    campaign = office.start("inspection_campaign", {})["id"]
    options = office.get(f"/tasks/{office.task(campaign, 'plan_check')['id']}").get_json()["options"]
    leads = {i["name"]: i["lead_unit"] for i in items}
    found = [o for o in options["plan_item_options"] if f"{year}年度计划" in o["label"]]
    # each option with the lead unit its item names (a campaign from it must be led by that unit)
    return pid, [{**o, "lead_unit": leads[o["label"].split("：", 1)[1].rsplit("（", 1)[0]]} for o in found]


def test_an_adopted_plan_is_what_campaigns_start_from_each_item_once(client: Any, tokens: dict[str, str]) -> None:
    office = Actor(client, tokens["dcs_li"])
    _, plan = adopt_plan(client, tokens, year=2030)  # a year of its own: other tests adopt 2027's
    assert [o["label"].split("：")[1].split("（")[0] for o in plan] == [
        "秸秆禁烧专项督查",
        "重点项目建设综合督查",
        "优化营商环境专项督查",
        "安全生产大检查",
    ]
    assert "全年，牵头：县卫生健康局" in plan[3]["label"]
    first = office.start("inspection_campaign", {})["id"]
    check = office.task(first, "plan_check")
    # on the plan, but no item chosen; or an item that is not in the list: refused on the field
    body = office.complete(check["id"], {"title": "秸秆禁烧专项督查", "plan_status": "on_plan"}, status=422)
    assert body["details"]["errors"] == {"plan_item": ["此项为必填项"]}
    body = office.complete(check["id"], {"title": "x", "plan_status": "on_plan", "plan_item": "999999"}, status=422)
    assert list(body["details"]["errors"]) == ["plan_item"]
    office.complete(
        check["id"],
        {
            "title": "秸秆禁烧专项督查",
            "plan_status": "on_plan",
            "plan_item": plan[0]["value"],
            "lead_unit": plan[0]["lead_unit"],
        },
    )
    assert office.task(first, "inspection_plan")
    # the item is used: the next campaign no longer finds it
    second = office.start("inspection_campaign", {})["id"]
    detail = office.get(f"/tasks/{office.task(second, 'plan_check')['id']}").get_json()
    assert plan[0]["value"] not in {o["value"] for o in detail["options"]["plan_item_options"]}
    body = office.complete(
        detail["id"],
        {"title": "重复", "plan_status": "on_plan", "plan_item": plan[0]["value"], "lead_unit": plan[0]["lead_unit"]},
        status=422,
    )
    assert list(body["details"]["errors"]) == ["plan_item"]


def test_a_campaign_started_from_an_approved_application_uses_it_once(client: Any, tokens: dict[str, str]) -> None:
    applicant, office = Actor(client, tokens["zrzyj_ll"]), Actor(client, tokens["dcs_li"])
    application = applicant.start("special_inspection_application", {})["id"]
    applicant.do(application, "apply", {**APPLICATION, "item_name": "耕地保护专项督查（附件1）"})
    for element, user in SIGNERS:
        Actor(client, tokens[user]).do(application, element, {"decision": "agree", "signed_on": "2026-11-24"})
    assert applicant.instance(application)["status"] == "completed"
    campaign = office.start("inspection_campaign", {})["id"]
    detail = office.get(f"/tasks/{office.task(campaign, 'plan_check')['id']}").get_json()
    [offered] = [o for o in detail["options"]["application_options"] if o["value"] == str(application)]
    assert "耕地保护专项督查（附件1）" in offered["label"] and "县自然资源局" in offered["label"]
    body = office.complete(detail["id"], {"title": "耕地保护专项督查", "plan_status": "special_approved"}, status=422)
    assert body["details"]["errors"] == {"application": ["此项为必填项"]}
    chosen = {"title": "耕地保护专项督查", "plan_status": "special_approved", "application": str(application)}
    body = office.complete(detail["id"], {**chosen, "lead_unit": "czj"}, status=422)
    assert body["details"]["errors"] == {"lead_unit": ["申报表的申报单位为县自然资源局，由其牵头"]}
    office.complete(detail["id"], {**chosen, "lead_unit": "zrzyj"})
    # the applying unit leads its own 专项督查: its staff act on the lead-unit tasks, other units' do not
    [planning] = [t for t in applicant.get("/tasks").get_json()["items"] if t["instance_id"] == campaign]
    assert planning["element_id"] == "inspection_plan" and planning["unit_code"] == "zrzyj"
    assert all(t["instance_id"] != campaign for t in Actor(client, tokens["czj_ll"]).get("/tasks").get_json()["items"])
    assert Actor(client, tokens["czj_ll"]).get(f"/process-instances/{campaign}").status_code == 404
    assert applicant.get(f"/process-instances/{campaign}").status_code == 200
    applicant.complete(planning["id"], PLAN)
    groups = applicant.tasks(campaign, "field_inspection")
    assert len(groups) == 2 and {t["unit_code"] for t in groups} == {"zrzyj"}
    assert len(office.tasks(campaign, "field_inspection")) == 2  # the 督查室 may act on them too
    other = office.start("inspection_campaign", {})["id"]
    again = office.get(f"/tasks/{office.task(other, 'plan_check')['id']}").get_json()
    assert str(application) not in {o["value"] for o in again["options"]["application_options"]}


def test_two_campaigns_cannot_both_take_one_plan_item(client: Any, tokens: dict[str, str], services: Any) -> None:
    """The plan item is claimed by one conditional UPDATE: the second campaign is refused, not silently preferred."""
    from service.campaigns import plans

    office = Actor(client, tokens["dcs_li"])
    _, plan = adopt_plan(client, tokens)
    first, second = (office.start("inspection_campaign", {})["id"] for _ in range(2))
    item = int(plan[0]["value"])
    with services.uow() as uow:
        plans._bind(uow, first, {"plan_status": "on_plan", "plan_item": item, "lead_unit": plan[0]["lead_unit"]})
        uow.commit()
    with services.uow() as uow:
        try:
            plans._bind(uow, second, {"plan_status": "on_plan", "plan_item": item, "lead_unit": plan[0]["lead_unit"]})
        except Exception as exc:  # noqa: BLE001 - the refusal is what is tested
            refused = exc
        else:
            raise AssertionError("the second campaign took an item the first holds")
        assert getattr(refused, "status", None) == 409 or type(refused).__name__ == "Conflict"
        assert uow.campaigns.plan_item(item).campaign_id == first
