"""Feature: start data is not trusted (issue 9 point 3). Each flow declares who may start it (`startableBy`)
and what its start may carry (`startVariables` / `startForm`); anything else is refused and nothing is
created: no instance, no task, no history row, no business number used."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from service.access.principal import Principal
from service.db.models import Counter, HistoryEvent, HumanTask, ProcessInstance, User
from service.errors import InvalidInput, PayloadTooLarge
from service.process import start_contract
from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in

# The finding: a campaign's rectification item, shaped by hand, skipped 分解立项 and 立项审批 and put 办理
# tasks for other units due the next day, with a 督办通知单 signed by 县人民政府督查室.
FORGED_RECTIFICATION = {
    "process_key": "supervision_item",
    "data": {
        "rectification": {
            "title": "立即整改违规问题",
            "content": "限明日前完成整改并书面报告",
            "lead_unit": "miandu",
            "co_units": ["shidu", "fgj"],
            "deadline": "2026-11-24",
            "source_ref": "县人民政府督查室",
        }
    },
}


def _footprint(services: Any) -> tuple[int, int, int, int]:
    """Rows a start would write: instances, tasks, history events, business-number counter total."""
    with services.uow() as uow:
        count = lambda model: uow.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        counters = uow.session.scalar(select(func.coalesce(func.sum(Counter.value), 0)))
        return count(ProcessInstance), count(HumanTask), count(HistoryEvent), int(counters)


def _post_start(actor: Actor, body: Any) -> Any:
    raw = json.dumps(body, ensure_ascii=False, allow_nan=True)
    return actor.post("/process-instances", data=raw, content_type="application/json")


def _principal(services: Any, username: str) -> Principal:
    with services.uow() as uow:
        return Principal.of(uow.session.scalars(select(User).where(User.username == username)).one())


def test_unit_liaison_cannot_forge_a_rectification_item(client, tokens, services):
    before = _footprint(services)
    liaison = Actor(client, tokens["xiayang_ll"])
    refused = liaison.post("/process-instances", json=FORGED_RECTIFICATION)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["error"] == "forbidden" and "督办事项" in refused.get_json()["message"]
    # the office itself cannot inject it either: rectification is not start data of 督办事项
    office = Actor(client, tokens["dcs_li"])
    for data in (FORGED_RECTIFICATION["data"], {"title": "跳过立项", "skip_registration": True}):
        response = office.post("/process-instances", json={"process_key": "supervision_item", "data": data})
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert body["error"] == "invalid_input"
        bad = [k for k in data if k != "title"]
        assert set(body["details"]["errors"]) == set(bad) and all(k in body["message"] for k in bad)
    assert _footprint(services) == before


def test_a_declared_start_still_goes_through_registration_and_approval(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    started = office.start("supervision_item", {"title": "推进老旧小区改造", "lead_unit": "zjj"})  # the README's
    assert [t["element_id"] for t in started["ready_tasks"]] == ["register"]
    assert started["data"]["title"] == "推进老旧小区改造"


def test_undeclared_start_variable_is_refused(client, tokens, services):
    before = _footprint(services)
    office = Actor(client, tokens["dcs_li"])
    response = office.post(
        "/process-instances",
        json={"process_key": "inspection_campaign", "data": {"title": "耕地保护", "plan_status": "on_plan"}},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert list(body["details"]["errors"]) == ["plan_status"] and "plan_status" in body["message"]
    assert "未在流程" in body["details"]["errors"]["plan_status"][0]
    wrong_type = office.post(
        "/process-instances", json={"process_key": "supervision_item", "data": {"time_limit_days": "十"}}
    )
    assert wrong_type.status_code == 422 and list(wrong_type.get_json()["details"]["errors"]) == ["time_limit_days"]
    assert _footprint(services) == before


def test_a_flow_that_declares_nothing_accepts_no_start_data_and_only_the_admin_starts_it(client, tokens, services):
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    bpmn = _PLAIN.format(pid="plain_start_check", props="")
    assert _upload(admin, "plain_start_check.bpmn", bpmn).status_code == 201
    before = _footprint(services)
    refused = admin.post("/process-instances", json={"process_key": "plain_start_check", "data": {"x": 1}})
    assert refused.status_code == 422 and list(refused.get_json()["details"]["errors"]) == ["x"]
    forbidden = office.post("/process-instances", json={"process_key": "plain_start_check", "data": {}})
    assert forbidden.status_code == 403
    assert _footprint(services) == before
    assert admin.start("plain_start_check", {})["status"] == "completed"


def test_start_properties_are_checked_at_deploy(client, tokens):
    admin = Actor(client, tokens["admin"])
    props = (
        '<spiffworkflow:property name="startVariables" value="title:text,_secret:string" />'
        '<spiffworkflow:property name="startableBy" value="督查室,局长" />'
        '<spiffworkflow:property name="startForm" value="no_such_form" />'
    )
    response = _upload(admin, "bad_start_props.bpmn", _PLAIN.format(pid="bad_start_props", props=props))
    assert response.status_code == 422
    messages = " ".join(e["message"] for e in response.get_json()["errors"])
    for expected in ("'text'", "'_secret'", "局长", "no_such_form"):
        assert expected in messages


def test_oversized_start_payload_is_refused(client, tokens, services):
    before = _footprint(services)
    office = Actor(client, tokens["dcs_li"])
    big = {"process_key": "inspection_campaign", "data": {"title": "大" * (400 * 1024)}}  # 1.2 MB as UTF-8
    response = office.post("/process-instances", json=big)
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"
    assert _footprint(services) == before
    with services.uow() as uow, pytest.raises(PayloadTooLarge):  # the use case's own bound, for any caller
        start_contract.checked_start(uow, _principal(services, "dcs_li"), "inspection_campaign", big["data"])


def test_deeply_nested_start_payload_is_refused(client, tokens, services):
    before = _footprint(services)
    nested: Any = "底"
    for _ in range(40):
        nested = [nested]
    office = Actor(client, tokens["dcs_li"])
    response = office.post("/process-instances", json={"process_key": "inspection_campaign", "data": {"title": nested}})
    assert response.status_code in (400, 422), response.get_json()
    if response.status_code == 422:
        assert "32" in response.get_json()["details"]["errors"]["title"][0]
    assert _footprint(services) == before
    shallow: Any = "底"
    for _ in range(31):  # 32 levels with the data object itself: still within the bound, refused by type
        shallow = [shallow]
    fine = office.post("/process-instances", json={"process_key": "inspection_campaign", "data": {"title": shallow}})
    assert fine.status_code == 422 and "应为文本" in fine.get_json()["details"]["errors"]["title"][0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1, float("-inf")]], ids=["nan", "inf", "nested"])
def test_nan_in_start_data_is_refused(client, tokens, services, value):
    before = _footprint(services)
    office = Actor(client, tokens["dcs_li"])
    response = _post_start(office, {"process_key": "supervision_item", "data": {"time_limit_days": value}})
    assert response.status_code == 422, response.get_json()
    assert "NaN" in response.get_json()["details"]["errors"]["time_limit_days"][0]
    assert _footprint(services) == before


def test_an_int_over_4300_digits_in_start_data_is_refused(services):
    with services.uow() as uow, pytest.raises(InvalidInput) as refused:
        data = {"time_limit_days": 10**5000}
        start_contract.checked_start(uow, _principal(services, "dcs_li"), "supervision_item", data)
    assert "4300" in refused.value.details["errors"]["time_limit_days"][0]


def test_an_int_over_4300_digits_in_a_request_body_is_a_400(client, tokens, services):
    before = _footprint(services)
    raw = '{"process_key": "supervision_item", "data": {"time_limit_days": 1' + "0" * 5000 + "}}"
    response = Actor(client, tokens["dcs_li"]).post("/process-instances", data=raw, content_type="application/json")
    assert _footprint(services) == before
    assert response.status_code == 400


def test_unknown_unit_in_start_data_is_a_422_on_that_field(client, tokens, services):
    before = _footprint(services)
    office = Actor(client, tokens["dcs_li"])
    cases = [
        ("supervision_item", {"title": "某事项", "lead_unit": "nowhere"}, "lead_unit"),
        ("supervision_item", {"title": "某事项", "lead_unit": "zjj", "co_units": ["fgj", "nowhere"]}, "co_units"),
        ("inspection_campaign", {"title": "某督查", "lead_unit": "县政府"}, "lead_unit"),
    ]
    for key, data, field in cases:
        response = office.post("/process-instances", json={"process_key": key, "data": data})
        assert response.status_code == 422, response.get_json()
        errors = response.get_json()["details"]["errors"]
        assert list(errors) == [field] and errors[field] == ["不是有效的单位代码"]
    assert _footprint(services) == before


def test_a_unit_files_a_special_inspection_application_only_in_its_own_name(client, tokens, services):
    liaison = Actor(client, tokens["xiayang_ll"])
    before = _footprint(services)
    other = liaison.post(
        "/process-instances", json={"process_key": "special_inspection_application", "data": {"unit": "zrzyj"}}
    )
    assert other.status_code == 422 and list(other.get_json()["details"]["errors"]) == ["unit"]
    assert _footprint(services) == before
    started = liaison.start("special_inspection_application", {})  # as the 发起 page does
    assert started["data"]["unit"] == "xiayang"
    assert [t["element_id"] for t in liaison.tasks(started["id"])] == ["apply"]


def test_start_page_lists_only_flows_the_user_may_start(client, tokens, app):
    sign_in(client, "dcs_li")
    page = client.get("/start", headers=HTML).get_data(as_text=True)
    assert 'data-start="supervision_item"' in page and 'data-start="inspection_campaign"' in page
    assert 'data-start="special_inspection_application"' not in page and 'data-start="deadline_extension"' not in page
    listed = Actor(client, tokens["dcs_li"]).get("/process-definitions").get_json()
    assert {d["key"]: d["startable"] for d in listed if d["key"] in _FLOWS} == {
        "supervision_item": True,
        "inspection_campaign": True,
        "special_inspection_application": False,
        "deadline_extension": False,
    }
    client = app.test_client()
    sign_in(client, "xiayang_ll")
    page = client.get("/start", headers=HTML).get_data(as_text=True)
    assert 'data-start="special_inspection_application"' in page
    assert 'data-start="supervision_item"' not in page and 'data-start="inspection_campaign"' not in page
    # the page starts with {}: the application lands in the starter's own unit, on their task page
    response = client.post(
        "/start/special_inspection_application", data={"csrf_token": _csrf(client, "/start")}, headers=HTML
    )
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    refused = client.post("/start/supervision_item", data={"csrf_token": _csrf(client, "/start")}, headers=HTML)
    assert refused.status_code == 403


_FLOWS = ("supervision_item", "inspection_campaign", "special_inspection_application", "deadline_extension")
_PLAIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="发起数据测试" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def _upload(admin: Actor, name: str, content: str) -> Any:
    files = {"files": [(io.BytesIO(content.encode()), name)]}
    return admin.post("/process-definitions", data=files, content_type="multipart/form-data")
