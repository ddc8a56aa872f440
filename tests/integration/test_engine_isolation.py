"""The engine processes' limits, one by one, with the tracer's own time limit out of the way so the
operating system's limits are what stops each case (service/engine/isolation.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from service.engine.commands import EngineRequest
from service.engine.isolation import EnginePool, _Child
from service.engine.limits import StepLimits
from service.engine.protocol import EngineLimits, EngineSetup
from tests.integration.test_hostile_scripts import C_STACK, _script_process

# The tracer would allow 30 s: only RLIMIT_CPU, RLIMIT_AS, the wall clock or a crash can stop these.
# 3 s of CPU and 500 steps: on a busy, slow machine the C stack script's 300,000 traced rounds and 2,000 steps
# of the endless loop each once took more than 1 s of CPU, so the CPU limit, not the crash or the step limit
# these tests are about, stopped them. The colliding set runs for minutes: 3 s still stops it.
LIMITS = EngineLimits(script_seconds=30, cpu_seconds=3, wall_seconds=90, memory_mb=300, steps=StepLimits(steps=500))


@pytest.fixture(scope="module")
def pool() -> Iterator[EnginePool]:
    engines = EnginePool(EngineSetup("service.process.script_helpers:script_helpers", None, LIMITS), size=1)
    yield engines
    engines.close()


def _run(pool: EnginePool, script: str, key: str):  # type: ignore[no-untyped-def]
    request = EngineRequest(op="start", cache_key=key, now=datetime(2026, 11, 23, 1, tzinfo=UTC))
    return pool.run(request, lambda: {"p.bpmn": _script_process("p", script).encode()})


def test_c_stack_overflow_kills_only_the_engine_process(pool: EnginePool) -> None:
    outcome = _run(pool, C_STACK, "cstack")
    assert outcome.state is None and outcome.record.error is not None
    assert "崩溃" in outcome.record.error.message and outcome.record.error.element_id == "evil"


def test_single_c_call_is_stopped_by_the_cpu_limit(pool: EnginePool) -> None:
    outcome = _run(pool, "xs = [i * 2305843009213693951 for i in range(120000)]\ns = set(xs)", "cpu")
    assert outcome.record.error is not None
    assert "CPU 时间超出限制" in outcome.record.error.message, outcome.record.error.message


def test_memory_doubling_is_stopped_by_the_address_space_limit(pool: EnginePool) -> None:
    outcome = _run(pool, "x = 'ab' * 5000000\ny = x.replace('a', 'abcdefghij' * 20)", "memory")
    assert outcome.record.error is not None
    assert "内存超出限制" in outcome.record.error.message, outcome.record.error.message


def test_a_process_stuck_outside_the_cpu_is_killed_by_the_wall_clock() -> None:
    limits = EngineLimits(script_seconds=30, cpu_seconds=60, wall_seconds=1.5)
    engines = EnginePool(EngineSetup("tests.integration.test_engine_isolation:sleepy_helpers", None, limits), 1)
    try:
        outcome = _run(engines, "x = nap(20)", "wall")
        assert outcome.record.error is not None and "执行时间超出限制" in outcome.record.error.message
        assert _run(engines, "x = 1", "wall").record.error is None  # a fresh process took over
    finally:
        engines.close()


def sleepy_helpers() -> dict[str, object]:
    """A helper that blocks without using CPU (like a stuck C call waiting on something)."""
    import time

    return {"nap": lambda seconds: time.sleep(seconds) or 0}


LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_loop" targetNamespace="http://duban.test">
  <bpmn:process id="p" name="循环" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:scriptTask id="count" name="计数"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>n = get('n', 0) + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again" />
    <bpmn:exclusiveGateway id="again" name="再来一次？" default="out"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>back</bpmn:outgoing><bpmn:outgoing>out</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="count"><bpmn:conditionExpression>n &lt; 10000000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>out</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_endless_loop_without_a_wait_state_stops_at_the_element(pool: EnginePool) -> None:
    request = EngineRequest(op="start", cache_key="loop", now=datetime(2026, 11, 23, 1, tzinfo=UTC))
    outcome = pool.run(request, lambda: {"p.bpmn": LOOP.encode()})
    assert outcome.record.error is not None and "循环" in outcome.record.error.message, outcome.record.error
    assert outcome.record.error.element_id in {"count", "again"}
    assert outcome.state is not None  # the state up to the stop is kept: retry after a fix


def test_an_engine_process_freezes_its_start_up_heap() -> None:
    """Its imports and set-up (~120,000 objects) are out of the full collections, which took 84–90 ms each
    and stalled the command that triggered one (service/serving/heap.py)."""
    child = _Child(EngineSetup("service.process.script_helpers:script_helpers", None, LIMITS))
    try:
        child.wait_ready(60)
        assert child.frozen_objects > 50_000
    finally:
        child.stop()
