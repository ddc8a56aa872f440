"""Feature: an instance stopped in 异常 by a faulty script is moved to the version that fixes the script,
then retried, and goes on under the fixed version (issue 12 point 6: retry 'including after migrating it
to a fixed version')."""

from __future__ import annotations

import io
import json

from service.instance_migration import worker as migration_worker
from tests.api_helpers import Actor

NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)
FORM = {"type": "default", "components": [{"type": "number", "key": "count", "label": "件数"}]}


def diagram(script: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_ratio" targetNamespace="http://duban.test">
  <bpmn:process id="ratio_report" name="比例统计" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_office" name="督查室"><bpmn:flowNodeRef>count</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:userTask id="count" name="填报件数"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="count_form" /></spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="calc" />
    <bpmn:scriptTask id="calc" name="计算比例"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()  # noqa: E501


def deploy(admin: Actor, content: bytes) -> int:
    files = [
        (io.BytesIO(content), "ratio_report.bpmn"),
        (io.BytesIO(json.dumps(FORM).encode()), "count_form.form.json"),
    ]
    response = admin.post("/process-definitions", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["version"])


def test_an_instance_in_error_is_migrated_to_the_fixed_version_and_retried(client, tokens, services):
    """Given v1 whose script divides by a count of zero, an instance stopped there in 异常; when the
    administrator deploys v2 guarding the division, migrates the instance and retries it, then it completes
    under v2 with v2's result, and its history shows the failure, the move and the retry in order."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    assert deploy(admin, diagram("ratio = 100 / count")) == 1
    iid = admin.start("ratio_report", {})["id"]
    office.do(iid, "count", {"count": 0})
    failed = admin.instance(iid)
    assert failed["status"] == "error" and failed["definition_version"] == 1

    assert deploy(admin, diagram("ratio = 100 / count if count else 0")) == 2
    dry = admin.post(
        "/process-definitions/ratio_report/migrations/dry-run", json={"from_version": 1, "to_version": 2}
    ).get_json()
    assert [(r["instance_id"], r["can_move"]) for r in dry["instances"]] == [(iid, True)]
    started = admin.post(
        "/process-definitions/ratio_report/migrations",
        json={"from_version": 1, "to_version": 2, "reason": "修正除以零"},
    )
    assert started.status_code == 202, started.get_json()
    migration_worker.run_pending(services.uow, services.ctx)
    moved = admin.instance(iid)
    assert (moved["definition_version"], moved["status"]) == (2, "error")  # moved, not advanced

    retried = admin.post(f"/process-instances/{iid}/retry", json={"reason": "已迁移到修正版本"})
    assert retried.status_code == 200, retried.get_json()
    done = admin.instance(iid)
    assert done["status"] == "completed" and done["data"]["ratio"] == 0
    kinds = [e["kind"] for e in admin.get(f"/process-instances/{iid}/history").get_json()]
    assert kinds.index("migrated") < kinds.index("admin_retry")
    assert admin.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True
