"""Feature: units are chosen from lists of real units — names shown, codes stored — in every task form.

Issue 11: a unit typed as a name, or an unknown code, used to be accepted and created a task nobody saw.
"""

from __future__ import annotations

from tests.api_helpers import Actor
from tests.campaign_helpers import campaign_on_plan
from tests.integration.test_annual_plan import PLAN
from tests.integration.test_supervised_item_flow import ITEM


def test_a_task_form_brings_its_unit_list_through_the_api(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", {})["id"]
    task = office.task(iid, "register")
    detail = office.get(f"/tasks/{task['id']}").get_json()
    options = detail["options"]["unit_options"]
    names = {o["value"]: o["label"] for o in options}
    assert names["xiayang"] == "霞阳镇人民政府" and names["zjj"]
    assert all(set(o) == {"label", "value"} for o in options)


def test_an_unknown_lead_unit_is_refused_on_its_field_and_nothing_moves(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", {})["id"]
    task = office.task(iid, "register")
    for wrong in ("nosuch", "霞阳镇人民政府"):
        body = office.complete(task["id"], {**ITEM, "lead_unit": wrong}, status=422)
        assert body["details"]["errors"] == {"lead_unit": ["不是有效的单位代码"]}, body
    body = office.complete(task["id"], {**ITEM, "co_units": ["czj", "nosuch"]}, status=422)
    assert list(body["details"]["errors"]) == ["co_units"]
    assert office.task(iid, "register")["id"] == task["id"]  # still the same ready task
    office.complete(task["id"], ITEM)  # the real codes are accepted


def test_a_problem_found_in_the_field_names_a_real_unit(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_on_plan(client, tokens, "耕地保护督查")
    office.do(iid, "inspection_plan", PLAN)
    task = office.tasks(iid, "field_inspection")[0]  # one per group
    found = [
        {"description": "台账不全", "unit": "miandu"},
        {"description": "违法占地", "unit": "霞阳镇人民政府"},
    ]
    body = office.complete(task["id"], {"sites_visited": "沔渡镇", "problems_found": found}, status=422)
    assert body["details"]["errors"] == {"problems_found.1.unit": ["不是有效的单位代码"]}
    found[1]["unit"] = "xiayang"
    office.complete(task["id"], {"sites_visited": "沔渡镇", "problems_found": found})
