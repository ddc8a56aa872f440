"""Feature: every engine failure is an instance state (异常), never a 500, and can be retried.

Regression tests for issue 9's findings: a recursive call activity or a huge loopCardinality froze the
service; a timer behind a crashing script crash-looped it; an unstorable script result after a user
task made every submit a 500; an event-based gateway's timer never fired."""

from __future__ import annotations

import io
from typing import Any

import pytest

from service.process import scheduler
from tests.api_helpers import Actor
from tests.integration.test_hostile_scripts import C_STACK, NS, _xml, tight_engine  # noqa: F401 - fixture

# No Python loop for the tracer to stop: set() of 120,000 colliding hashes is one C call that runs until
# RLIMIT_CPU (or the wall clock) ends the engine process.
CRASH_NOW = "xs = list(range(0, 2305843009213693951 * 120000, 2305843009213693951))\ns = set(xs)"

FORM = {"type": "default", "components": [{"type": "textfield", "key": "note", "label": "备注"}]}


LANE = '<bpmn:laneSet id="ls"><bpmn:lane id="lane_office" name="督查室"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'


def _deploy(admin: Actor, pid: str, body: str, forms: dict[str, Any] | None = None, outside: str = "") -> None:
    lanes = LANE if 'id="work"' in body else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="{pid}" isExecutable="true">
    {lanes}
    {body}
  </bpmn:process>
  {outside}
</bpmn:definitions>"""
    files = [(io.BytesIO(xml.encode()), f"{pid}.bpmn")]
    files += [(io.BytesIO(__import__("json").dumps(f).encode()), f"{k}.form.json") for k, f in (forms or {}).items()]
    response = admin.post("/process-definitions", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def _user_task(after: str, then: str) -> str:
    return f"""<bpmn:userTask id="work" name="办理"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="note_form" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>{after}</bpmn:incoming><bpmn:outgoing>{then}</bpmn:outgoing></bpmn:userTask>"""


def test_a_process_calling_itself_stops_at_the_call_activity(client, tokens):
    admin = Actor(client, tokens["admin"])
    body = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again" />
    <bpmn:callActivity id="again" name="再调用自己" calledElement="recursive_self"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "recursive_self", body)
    started = admin.start("recursive_self", {})  # answered (it froze the service before), in 异常
    assert started["status"] == "error"
    assert "嵌套超过" in started["error_message"] and "再调用自己" in started["error_message"]


def test_a_loop_cardinality_of_200000_is_refused_at_the_element(client, tokens):
    admin = Actor(client, tokens["admin"])
    body = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="many" />
    <bpmn:scriptTask id="many" name="多实例"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>200000</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="many" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "loop_cardinality_200000", body)
    started = admin.start("loop_cardinality_200000", {})
    assert started["status"] == "error"
    assert "多实例数量 200000" in started["error_message"]


def test_a_timer_behind_a_crashing_script_goes_to_error_once_and_does_not_crash_loop(client, tokens, services, clock):
    admin = Actor(client, tokens["admin"])
    body = f"""<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等一天"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="evil" />
    <bpmn:scriptTask id="evil" name="崩溃脚本"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{_xml(C_STACK)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="evil" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "timer_then_crash", body)
    started = admin.start("timer_then_crash", {})
    assert started["status"] == "running" and started["next_wake_at"]
    clock.advance(days=1, seconds=5)
    scheduler.wake(services.uow, services.ctx, started["id"])
    after = admin.instance(started["id"])
    assert after["status"] == "error" and after["next_wake_at"] is None
    assert "崩溃脚本" in after["error_message"] or "evil" in after["error_message"]
    clock.advance(seconds=30)
    before = len(admin.get(f"/process-instances/{started['id']}/history").get_json())
    scheduler.wake(services.uow, services.ctx, started["id"])  # nothing is due any more: no second run, no loop
    assert len(admin.get(f"/process-instances/{started['id']}/history").get_json()) == before


def test_an_unstorable_result_after_a_user_task_is_an_error_state_and_retry_answers(client, tokens):
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    body = f"""<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    {_user_task("f1", "f2")}
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="bad" />
    <bpmn:scriptTask id="bad" name="存集合"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>x = {{1, 2}}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="bad" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "unstorable_after_task", body, {"note_form": FORM})
    started = admin.start("unstorable_after_task", {})
    office.do(started["id"], "work", {"note": "已办"})  # 200 (the task is done), not a 500
    after = admin.instance(started["id"])
    assert after["status"] == "error" and "集合" in after["error_message"]
    retried = admin.post(f"/process-instances/{started['id']}/retry", json={"reason": "再试一次"})
    assert retried.status_code == 200, retried.get_json()  # fails again, cleanly: still 异常, nothing half-done
    assert admin.instance(started["id"])["status"] == "error"


def test_a_missing_data_object_is_an_error_state_not_a_500(client, tokens):
    admin = Actor(client, tokens["admin"])
    body = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="many" />
    <bpmn:scriptTask id="many" name="缺少输入"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:loopDataInputRef>nowhere</bpmn:loopDataInputRef>
      <bpmn:inputDataItem id="one" /></bpmn:multiInstanceLoopCharacteristics><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="many" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "missing_mi_input", body)
    response = admin.post("/process-instances", json={"process_key": "missing_mi_input", "data": {}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "error"
    assert " at 0x" not in response.get_json()["error_message"]


def test_an_event_based_gateway_timer_wakes_and_fires(client, tokens, services, clock):
    admin = Actor(client, tokens["admin"])
    body = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:eventBasedGateway id="gw"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:eventBasedGateway>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="t1" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="m1" />
    <bpmn:intermediateCatchEvent id="t1" name="等三天"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P3D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="m1" name="消息"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="msg" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="t1" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="m1" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "event_gateway_timer", body, outside='<bpmn:message id="msg" name="msg" />')
    started = admin.start("event_gateway_timer", {})
    assert started["status"] == "running" and started["next_wake_at"], started  # was empty: never woke
    clock.advance(days=3, seconds=5)
    scheduler.wake(services.uow, services.ctx, started["id"])
    assert admin.instance(started["id"])["status"] == "completed"


def test_a_service_task_is_an_error_state_not_a_500(client, tokens):
    """SpiffWorkflow's service task calls a service the script engine does not have (NameError)."""
    admin = Actor(client, tokens["admin"])
    body = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:serviceTask id="call" name="调用外部服务"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="http/GetRequest" resultVariable="r"><spiffworkflow:parameters>
        <spiffworkflow:parameter id="url" type="str" value="'http://127.0.0.1:9/'" /></spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "service_task_call", body)
    response = admin.post("/process-instances", json={"process_key": "service_task_call", "data": {}})
    assert response.status_code == 201, response.get_json()
    started = response.get_json()
    assert started["status"] == "error" and "调用外部服务" in started["error_message"]
    assert " at 0x" not in started["error_message"]


@pytest.mark.usefixtures("tight_engine")
def test_a_submission_whose_next_script_kills_the_engine_process_is_kept_as_a_draft(client, tokens):
    """The engine process dies after the user's task: nothing of the step can be saved, so the instance
    goes to 异常 on its last saved state and what the user typed waits as their draft."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    body = f"""<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    {_user_task("f1", "f2")}
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="evil" />
    <bpmn:scriptTask id="evil" name="崩溃脚本"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{_xml(CRASH_NOW)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="evil" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""
    _deploy(admin, "crash_after_task", body, {"note_form": FORM})
    started = admin.start("crash_after_task", {})
    task = office.task(started["id"], "work")
    answer = office.complete(task["id"], {"note": "已办结"}, status=422)
    assert answer["error"] == "process_error" and "草稿" in answer["message"]
    after = admin.instance(started["id"])
    assert after["status"] == "error" and after["error_message"]
    assert office.get(f"/tasks/{task['id']}/draft").get_json()["data"] == {"note": "已办结"}
    assert office.task(started["id"], "work")["id"] == task["id"]  # still to do, nothing half-written
