# ruff: noqa: E501 - BPMN fixtures read best one element per line
"""Feature: deploy checks every diagram the way the modeler shows it — Chinese messages on the element and
line they belong to, files from other modelers accepted, an unrelated diagram needs a confirmation."""

from __future__ import annotations

import io
import re

import pytest

from tests.api_helpers import Actor

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def diagram(pid: str, body: str, process_attrs: str = 'isExecutable="true"', extra_ns: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" {extra_ns} id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="测试 {pid}" {process_attrs}>
{body}
  </bpmn:process>
</bpmn:definitions>""".encode()


STRAIGHT = """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
    <bpmn:scriptTask id="calc" name="计算"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""


def upload(admin: Actor, name: str, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    data = {"files": [(io.BytesIO(content), name)], **fields}
    return admin.post("/process-definitions", data=data, content_type="multipart/form-data")


def problems(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.get_json()
    return response.get_json()["details"]["errors"]


def line_of(content: bytes, element_id: str) -> int:
    for number, text in enumerate(content.decode().splitlines(), start=1):
        if re.search(rf'\bid="{element_id}"', text):
            return number
    raise AssertionError(element_id)


def test_files_without_is_executable_and_bpmn20_xml_deploy(client, tokens):
    """Given a Camunda Modeler file without isExecutable and a Flowable .bpmn20.xml with flowable: attributes,
    when each is deployed, then both become version 1."""
    admin = Actor(client, tokens["admin"])
    camunda = diagram(
        "from_camunda", STRAIGHT, 'camunda:versionTag="1"', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    )
    assert upload(admin, "from_camunda.bpmn", camunda).status_code == 201
    flowable = diagram(
        "from_flowable", STRAIGHT, 'isExecutable="true" flowable:candidateStarterGroups="x"',
        'xmlns:flowable="http://flowable.org/bpmn"',
    )  # fmt: skip
    created = upload(admin, "from_flowable.bpmn20.xml", flowable)
    assert created.status_code == 201 and created.get_json()["version"] == 1


@pytest.mark.parametrize(
    ("case", "body", "element_id", "field", "words"),
    [
        (
            "service task",
            STRAIGHT.replace('<bpmn:scriptTask id="calc" name="计算">', '<bpmn:serviceTask id="calc" name="计算">')
            .replace("<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>", "</bpmn:serviceTask>"),
            "calc", "", "服务任务",
        ),
        (
            "bad condition",
            """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f3"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>amount ==== 3</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>""",
            "f2", "condition", "条件有误",
        ),
        (
            "bad timer",
            """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等待"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_def"><bpmn:timeDuration>reminder_at(deadline, 3</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>""",
            "wait", "timer", "定时表达式有误",
        ),
        (
            "user task outside a role lane without a form",
            STRAIGHT.replace('<bpmn:scriptTask id="calc" name="计算">', '<bpmn:userTask id="calc" name="填报">')
            .replace("<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>", "</bpmn:userTask>"),
            "calc", "formKey", "未指定表单",
        ),
        ("missing target", STRAIGHT.replace('targetRef="end" />', 'targetRef="nowhere" />'), "f2", "targetRef", "不存在"),
        ("script without text", STRAIGHT.replace("<bpmn:script>x = 1</bpmn:script>", ""), "calc", "script", "脚本"),
    ],
)  # fmt: skip
def test_every_refusal_names_the_element_and_line_in_chinese(client, tokens, case, body, element_id, field, words):
    """Given a diagram with a mistake on an element, when it is deployed, then the 422 names that element,
    its line and the properties-panel field, in Chinese, and nothing is stored."""
    admin = Actor(client, tokens["admin"])
    content = diagram("broken", body)
    found = [
        p
        for p in problems(upload(admin, "broken.bpmn", content))
        if p["element_id"] == element_id and (p["field"] == field or not field)
    ]
    assert found, f"{case}: no problem on {element_id}"
    problem = found[0]
    assert problem["line"] == line_of(content, element_id) or problem["line"] is not None
    assert words in problem["message"]
    assert re.search(r"[\u4e00-\u9fff]", problem["message"]), problem
    assert not re.search(r"\b(must|should|found|missing|not)\b", problem["message"]), problem
    assert admin.get("/process-definitions/broken").status_code == 404


def test_an_unrelated_diagram_needs_a_confirmation_and_a_note_is_kept(client, tokens):
    """Given version 1 of p, when a diagram sharing no element with it is deployed as p, then it is a 409
    unrelated_definition; with confirm_unrelated it becomes version 2 with its note; a related change
    deploys at once, and an identical upload makes nothing new."""
    admin = Actor(client, tokens["admin"])
    assert upload(admin, "p.bpmn", diagram("p", STRAIGHT)).status_code == 201
    renamed = {"start": "s0", "f1": "g1", "calc": "c0", "f2": "g2", "end": "e0"}
    other = re.sub(r'(id|sourceRef|targetRef)="(\w+)"', lambda m: f'{m[1]}="{renamed[m[2]]}"', STRAIGHT)
    other = re.sub(r"<bpmn:(incoming|outgoing)>(\w+)<", lambda m: f"<bpmn:{m[1]}>{renamed[m[2]]}<", other)
    refused = upload(admin, "p.bpmn", diagram("p", other))
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "unrelated_definition" and body["details"] == {"latest_version": 1, "shared_elements": 0}
    assert admin.get("/process-definitions/p").get_json()["version"] == 1
    confirmed = upload(admin, "p.bpmn", diagram("p", other), confirm_unrelated="true", note="换成新的流程图")
    assert confirmed.status_code == 201
    assert (confirmed.get_json()["version"], confirmed.get_json()["note"]) == (2, "换成新的流程图")
    related = other.replace("x = 1", "x = 2")
    assert upload(admin, "p.bpmn", diagram("p", related)).get_json()["version"] == 3
    again = upload(admin, "p.bpmn", diagram("p", related))
    assert (again.status_code, again.get_json()["version"]) == (200, 3)


def test_a_warning_does_not_stop_the_deploy(client, tokens):
    """An exclusive gateway without a default flow is worth a warning, not a refusal."""
    admin = Actor(client, tokens["admin"])
    body = """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>get('a') == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>get('a') != 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""
    response = upload(admin, "gateway_warning.bpmn", diagram("gateway_warning", body))
    assert response.status_code == 201, response.get_json()


def test_only_the_system_administrator_deploys(client, tokens):
    response = upload(Actor(client, tokens["dcs_li"]), "q.bpmn", diagram("q", STRAIGHT))
    assert response.status_code == 403
