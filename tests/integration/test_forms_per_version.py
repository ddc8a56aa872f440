"""Issue 14 point 1: a completion validates against its instance's own version of the form. The forms of a
deployed version are decoded once per process and kept (ServiceContext.forms_of, a version never changes),
so a newer version's form must never answer for an older instance, nor the other way round."""

from __future__ import annotations

import io
import json
from typing import Any

from tests.api_helpers import Actor

NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)
DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_fpv" targetNamespace="http://duban.test">
  <bpmn:process id="forms_per_version" name="表单版本" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_office" name="督查室"><bpmn:flowNodeRef>fill</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:userTask id="fill" name="填报"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="fpv_form" /></spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()  # noqa: E501


def form(required_key: str) -> dict[str, Any]:
    field = {"type": "textfield", "key": required_key, "label": f"字段{required_key}", "validate": {"required": True}}
    return {"type": "default", "components": [field]}


def deploy(admin: Actor, required_key: str, note: str) -> int:
    files = [(io.BytesIO(DIAGRAM), "forms_per_version.bpmn"),
             (io.BytesIO(json.dumps(form(required_key)).encode()), "fpv_form.form.json")]  # fmt: skip
    response = admin.post(
        "/process-definitions", data={"files": files, "note": note}, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["version"])


def test_each_instance_is_checked_against_the_form_of_its_own_version(client: Any, tokens: Any) -> None:
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    # Given version 1, whose form requires a, and an instance of it — its form already read once
    assert deploy(admin, "a", "要求填写 a") == 1
    first = admin.start("forms_per_version", {})["id"]
    refused = office.complete(office.task(first, "fill")["id"], {"b": "x"}, status=422)
    assert refused["details"]["errors"]["a"] == ["此项为必填项"]
    # When version 2, whose form requires b instead, is deployed and an instance of it started
    assert deploy(admin, "b", "改为要求填写 b") == 2
    second = admin.start("forms_per_version", {})["id"]
    # Then each instance is held to its own version's form
    refused = office.complete(office.task(second, "fill")["id"], {"a": "x"}, status=422)
    assert refused["details"]["errors"]["b"] == ["此项为必填项"]
    office.complete(office.task(first, "fill")["id"], {"a": "x"})
    office.complete(office.task(second, "fill")["id"], {"b": "x"})
    assert admin.instance(first)["status"] == admin.instance(second)["status"] == "completed"
