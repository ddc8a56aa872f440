"""What running the engine in engine processes costs (issue 9, decision 0009).

One item loops 办理 → 退回: each command loads the state, completes the ready task, runs the script
and the gateway, evaluates `due`, and dumps the state. Measured the same way in this process
(`commands.execute`, no isolation: the baseline) and through an `EnginePool` (pipe, pickling, a child
with OS limits), alternating, in one run. Prints medians and p99 in ms and the ratio.

    .venv/bin/python -m bench.engine_isolation [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from service.engine.commands import EngineRequest, execute
from service.engine.isolation import EnginePool
from service.engine.parser import compile_definition
from service.engine.protocol import EngineLimits, EngineSetup
from service.engine.runtime import ProcessEngine
from service.process.script_helpers import script_helpers

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://duban.bench">
  <bpmn:process id="loop" name="退回循环" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="办理"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="due" value="add_workdays(today(), 15)" /></spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="count" />
    <bpmn:scriptTask id="count" name="计轮次"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>rounds = get('rounds', 0) + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="out"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>back</bpmn:outgoing>
      <bpmn:outgoing>out</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="back" sourceRef="gw" targetRef="handle"><bpmn:conditionExpression>decision == '退回'</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>out</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
FILES = {"loop.bpmn": BPMN.encode()}
NOW = datetime(2026, 11, 23, 1, tzinfo=UTC)


def _summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{name:<28} median {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    compiled = compile_definition(FILES)
    engine = ProcessEngine(script_helpers())
    pool = EnginePool(EngineSetup("service.process.script_helpers:script_helpers", None, EngineLimits()), size=1)
    pool.warm()
    states = {"inline": None, "pool": None}
    tasks: dict[str, str] = {}
    timings: dict[str, list[float]] = {"inline": [], "pool": []}

    def command(mode: str) -> None:
        state, task = states[mode], tasks.get(mode)
        if state is None:
            request = EngineRequest(op="start", cache_key="bench", now=NOW)
        else:
            request = EngineRequest(
                op="complete", cache_key="bench", now=NOW, state=state, task_id=task, data={"decision": "退回"}
            )
        began = time.perf_counter()
        outcome = execute(engine, compiled, request) if mode == "inline" else pool.run(request, lambda: FILES)
        timings[mode].append(time.perf_counter() - began)
        assert outcome.state is not None and outcome.record.error is None, outcome.record.error
        states[mode], tasks[mode] = outcome.state, outcome.ready[0].id

    for _ in range(20):  # warm both: specs compiled, caches filled
        command("inline")
        command("pool")
    timings = {"inline": [], "pool": []}
    for _ in range(args.rounds):
        command("inline")
        command("pool")
    pool.close()
    inline, isolated = statistics.median(timings["inline"]), statistics.median(timings["pool"])
    print(f"engine command (complete + script + gateway + due + dump), {args.rounds} rounds each, alternating")
    print(_summary("in this process (baseline)", timings["inline"]))
    print(_summary("in an engine process", timings["pool"]))
    print(
        f"ratio engine process / baseline: {isolated / inline:.2f}x; added per command: {(isolated - inline) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
