"""Moving an instance's state between versions: the verdict and the move (service/engine/migration.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from service.engine.commands import EngineRequest, execute
from service.engine.parser import compile_definition
from service.engine.runtime import ProcessEngine
from service.process.script_helpers import script_helpers

NOW = datetime(2026, 11, 23, 1, tzinfo=UTC)


def diagram(body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="p" isExecutable="true">{body}</bpmn:process></bpmn:definitions>""".encode()


def chain(*tasks: tuple[str, str]) -> bytes:
    ids = ["start", *[t[0] for t in tasks], "end"]
    body = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
    body += "".join(f'<bpmn:userTask id="{i}" name="{n}"/>' for i, n in tasks)
    body += "".join(
        f'<bpmn:sequenceFlow id="f{k}" sourceRef="{a}" targetRef="{b}"/>'
        for k, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    return diagram(body)


V1 = chain(("a", "登记"), ("b", "审核"))
V2 = chain(("a", "登记（新）"), ("c", "复核"))  # a renamed, b removed, c added
V3 = chain(
    ("b", "审核"),
)  # a removed


def engine_and_state(at: str) -> tuple[ProcessEngine, str]:
    engine = ProcessEngine(script_helpers())
    compiled = compile_definition({"p.bpmn": V1})
    workflow = engine.new_workflow(compiled, {"title": "t"})
    engine.advance(workflow, lambda: NOW)
    while (ready := engine.ready_user_tasks(workflow))[0].element_id != at:
        engine.complete(workflow, ready[0].id, {}, lambda: NOW)
    return engine, engine.dump(workflow, "v1")


def run(engine: ProcessEngine, state: str, target: bytes, op: str = "plan"):  # type: ignore[no-untyped-def]
    request = EngineRequest(op=op, cache_key="v1", now=NOW, state=state, target_key=f"t{hash(target)}")  # type: ignore[arg-type]
    return execute(engine, compile_definition({"p.bpmn": V1}), request, compile_definition({"p.bpmn": target}))


def test_an_instance_on_a_kept_task_can_move_and_keeps_its_task():
    engine, state = engine_and_state("a")
    before = engine.ready_user_tasks(engine.load(compile_definition({"p.bpmn": V1}), state, "v1"))[0].id
    verdict = run(engine, state, V2).plan
    assert verdict["can_move"] and [e["element_id"] for e in verdict["active"]] == ["a"]
    assert [e["element_id"] for e in verdict["changed"]] == ["a"]
    assert {e["element_id"] for e in verdict["removed"]} == {"b"} and {e["element_id"] for e in verdict["added"]} == {
        "c"
    }
    moved = run(engine, state, V2, "migrate")
    assert moved.state is not None
    (task,) = moved.ready
    assert (task.id, task.element_id, task.name) == (before, "a", "登记（新）")
    # the moved state runs on the new version: after a comes c
    target = compile_definition({"p.bpmn": V2})
    workflow = engine.load(target, moved.state, f"t{hash(V2)}")
    engine.complete(workflow, task.id, {}, lambda: NOW)
    assert [t.element_id for t in engine.ready_user_tasks(workflow)] == ["c"]


def test_an_instance_whose_active_task_is_gone_cannot_move():
    engine, state = engine_and_state("b")
    verdict = run(engine, state, V2).plan
    assert not verdict["can_move"] and [e["element_id"] for e in verdict["missing"]] == ["b"]
    assert "审核" in verdict["reasons"][0]
    assert run(engine, state, V2, "migrate").state is None


def test_a_finished_task_removed_in_the_target_refuses_the_move():
    engine, state = engine_and_state("b")
    verdict = run(engine, state, V3).plan
    assert not verdict["can_move"] and "已删除" in verdict["reasons"][0]
