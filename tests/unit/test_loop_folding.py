"""Loop folding keeps the engine tree constant however often an item is returned (regression, issue 2)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from service.engine.parser import compile_definition
from service.engine.runtime import ProcessEngine
from service.process.script_helpers import script_helpers

LOOP = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="loop" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle"/>
    <bpmn:userTask id="handle"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="review"/>
    <bpmn:userTask id="review"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f5"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="handle">
      <bpmn:conditionExpression>decision == 'return'</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def _clock() -> datetime:
    return datetime(2026, 11, 23, 1, tzinfo=UTC)


def test_a_plain_loop_survives_1000_rounds_with_a_constant_tree():
    engine = ProcessEngine(script_helpers())
    compiled = compile_definition({"loop.bpmn": LOOP})
    workflow = engine.new_workflow(compiled, {})
    engine.advance(workflow, _clock)
    sizes = set()
    for n in range(1000):
        for element, data in (("handle", {"n": n}), ("review", {"decision": "return"})):
            state = engine.dump(workflow, "loop")
            workflow = engine.load(compiled, state, "loop")
            (task,) = [t for t in engine.ready_user_tasks(workflow) if t.element_id == element]
            assert engine.complete(workflow, task.id, data, _clock).error is None
        sizes.add(len(workflow.tasks))
    assert len(sizes) == 1  # the tree does not grow
    (task,) = engine.ready_user_tasks(workflow)
    engine.complete(workflow, task.id, {}, _clock)
    (task,) = engine.ready_user_tasks(workflow)
    engine.complete(workflow, task.id, {"decision": "accept"}, _clock)
    assert engine.is_completed(workflow)
    assert engine.data(workflow)["n"] == 999


def test_the_shipped_flows_compile():
    root = Path(__file__).resolve().parents[2] / "processes"
    for path in sorted(root.glob("*.bpmn")):
        files = {path.name: path.read_bytes()}
        if path.stem == "inspection_campaign":
            files["supervision_item.bpmn"] = (root / "supervision_item.bpmn").read_bytes()
        compiled = compile_definition(files)
        assert compiled.key == path.stem and compiled.user_tasks
