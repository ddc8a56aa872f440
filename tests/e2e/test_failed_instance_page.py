"""Feature: a flow that fails in a script says where and why, and the administrator handles it on the page.

Issue 11: a campaign ended in 异常 with `NameError: name 'title' is not defined`, and nobody could
recover it from the pages. The item page now marks the failed element on the diagram and offers the
administrator 重试 with a reason (refused next to the field when empty)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.access_helpers import HTML, csrf, sign_in
from tests.api_helpers import Actor
from tests.integration.test_engine_failures_are_states import FORM, _deploy, _user_task

BODY = (
    """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />"""
    + _user_task("f1", "f2")
    + """<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="sort_out" />
    <bpmn:scriptTask id="sort_out" name="梳理整改事项">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>items = [title + '整改']</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="sort_out" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""
)


def _diagram_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.S)
    assert match, page[:300]
    return dict(json.loads(match.group(1)))


def test_the_failed_element_is_named_marked_and_retried_from_the_page(client: Any, tokens: dict[str, str]) -> None:
    admin = Actor(client, tokens["admin"])
    _deploy(admin, "missing_title", BODY, forms={"note_form": FORM})
    iid = admin.start("missing_title", {})["id"]
    office = Actor(client, tokens["dcs_li"])
    response = office.post(f"/tasks/{office.task(iid, 'work')['id']}/complete", json={"data": {"note": "好"}})
    assert response.status_code == 200  # the submission stands; the step after it failed
    failed = admin.instance(iid)
    assert failed["status"] == "error"
    message = failed["error_message"]
    assert "梳理整改事项" in message and "title" in message  # the element and the missing variable

    # The item page names it and marks it on the diagram
    sign_in(client, "admin")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert _diagram_data(page)["failed"] == ["sort_out"]
    assert 'id="retry-form"' in page and "变量 title 未定义" in page

    # A retry without a reason is refused next to its field, and nothing happens
    token = csrf(client, f"/items/{iid}")
    refused = client.post(f"/items/{iid}/retry", data={"csrf_token": token, "reason": "  "}, headers=HTML)
    assert refused.status_code == 422
    assert 'id="retry-reason-error"' in refused.get_data(as_text=True)
    kinds = [e["kind"] for e in admin.get(f"/process-instances/{iid}/history").get_json()]
    assert "admin_retry" not in kinds

    # With a reason it runs again, is recorded, and (the data still lacking title) stays 异常 saying so
    again = client.post(f"/items/{iid}/retry", data={"csrf_token": token, "reason": "已核实数据"}, headers=HTML)
    assert again.status_code == 302
    shown = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert "重试后仍然出错" in shown and _diagram_data(shown)["failed"] == ["sort_out"]
    kinds = [e["kind"] for e in admin.get(f"/process-instances/{iid}/history").get_json()]
    assert "admin_retry" in kinds


def test_only_an_administrator_sees_and_may_use_the_retry(client: Any, tokens: dict[str, str]) -> None:
    admin = Actor(client, tokens["admin"])
    _deploy(admin, "missing_title_two", BODY.replace("missing_title", "missing_title_two"), forms={"note_form": FORM})
    iid = admin.start("missing_title_two", {})["id"]
    office = Actor(client, tokens["dcs_li"])
    office.post(f"/tasks/{office.task(iid, 'work')['id']}/complete", json={"data": {"note": "好"}})
    sign_in(client, "dcs_li")
    page = client.get(f"/items/{iid}", headers=HTML)
    assert page.status_code == 200 and 'id="retry-form"' not in page.get_data(as_text=True)
    token = csrf(client, f"/items/{iid}")
    refused = client.post(f"/items/{iid}/retry", data={"csrf_token": token, "reason": "试试"}, headers=HTML)
    assert refused.status_code == 403
