"""Tests for the script sandbox (service/engine/sandbox.py)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.util.task import TaskState

from service.engine.sandbox import SandboxEnvironment, ScriptRejected, ScriptTimeout

TIME_LIMIT = 0.3
HELPERS: dict[str, Callable[..., Any]] = {
    "double": lambda x: x * 2,
    "today": lambda: "2024-05-06",
    "deadline": lambda: "2000-01-01T09:00:00+08:00",
}


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(HELPERS, time_limit=TIME_LIMIT)


# --- normal scripts -------------------------------------------------------------------------------------


def test_assignment_and_delete_update_task_data(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"a": 1, "gone": 2, "kept": "x"}
    assert env.execute("b = a + 1\ndel gone\na = 10", context) is True
    assert context == {"a": 10, "b": 2, "kept": "x"}


def test_comprehension_and_function_see_task_data(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"items": [1, 2, 3], "factor": 3}
    script = "def scale(x):\n    return x * factor\nout = [scale(i) + factor for i in items if i > 1]"
    env.execute(script, context)
    assert context["out"] == [9, 12]
    assert "scale" not in context  # functions are not task data


def test_dict_access_and_item_writes(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"order": {"qty": 3, "price": 5}, "rows": [0, 0]}
    env.execute("total = order['qty'] * order['price']\norder['status'] = 'ok'\nrows[1] = total", context)
    assert context["total"] == 15
    assert context["order"] == {"qty": 3, "price": 5, "status": "ok"}
    assert context["rows"] == [0, 15]


def test_augmented_assignment(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"n": 1, "items": [1], "s": "ab"}
    env.execute("n += 2\nn *= 5\nn -= 1\nitems += [2]\nitems *= 2\ns *= 2\nn **= 2", context)
    assert context == {"n": 196, "items": [1, 2, 1, 2], "s": "abab"}


def test_unpacking_loops_fstrings_and_builtins(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"d": {"x": 1, "y": 2}}
    script = (
        "pairs = []\nfor k, v in sorted(d.items()):\n    pairs.append(f'{k}={v}')\n"
        "a, (b, c) = 1, (2, 3)\n"
        "stats = [len(pairs), min(a, b), max(b, c), sum(range(4)), round(2.6), abs(-1)]\n"
        "flags = [any([0, 1]), all([1, 1]), isinstance(a, int), bool(0)]\n"
        "pieces = list(zip([1, 2], 'ab')) + list(enumerate('x'))\nu = sorted(set((3, 1, 3)))\nt = tuple(u)\n"
        "conv = [str(1), int('2'), float('1.5'), dict(k=1)]"
    )
    env.execute(script, context)
    assert context["pairs"] == ["x=1", "y=2"]
    assert (context["a"], context["b"], context["c"]) == (1, 2, 3)
    assert context["stats"] == [2, 1, 3, 6, 3, 1]
    assert context["flags"] == [True, True, True, False]
    assert context["pieces"] == [(1, "a"), (2, "b"), (0, "x")]
    assert context["u"] == [1, 3] and context["t"] == (1, 3)
    assert context["conv"] == ["1", 2, 1.5, {"k": 1}]


def test_evaluate_expression_without_changing_data(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"amount": 150, "status": "open", "items": [1, 2, 3]}
    assert env.evaluate("amount > 100 and status == 'open'", context) is True
    assert env.evaluate("items.append(4) or len(items)", context) == 4
    assert context["items"] == [1, 2, 3]  # conditions cannot mutate task data
    assert env.evaluate('"P3D"', context) == "P3D"


def test_get_with_default(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"a": 5}
    env.execute("x = get('missing')\ny = get('missing', 7)\nz = get('a')\nh = get('double', 'none')", context)
    assert (context["x"], context["y"], context["z"], context["h"]) == (None, 7, 5, "none")
    assert env.evaluate("get('a', 0) + get('b', 1)", context) == 6


def test_helpers_callable_and_not_leaked(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {}
    env.execute("d = double(21)\nt = today()\nit = zip([1], [2])\nf = lambda: 1", context)
    assert context == {"d": 42, "t": "2024-05-06"}  # helpers, builtins, lambdas and iterators do not leak


def test_odd_task_data_keys_are_kept(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"": 1, "_internal": 2}
    env.execute("x = 1", context)
    assert context == {"": 1, "_internal": 2, "x": 1}


def test_external_context_is_readable_but_not_written_back(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"a": 1}
    env.execute("b = shared + a", context, external_context={"shared": 10})
    assert context == {"a": 1, "b": 11}


def test_compiled_code_is_cached(env: SandboxEnvironment) -> None:
    from service.engine.sandbox import _compile

    before = _compile.cache_info().hits
    for _ in range(3):
        env.execute("cached_probe = 1", {})
    assert _compile.cache_info().hits >= before + 2


# --- refusals and containment -----------------------------------------------------------------------------

ESCAPES = [
    "__import__('os').system('true')",
    "import os",
    "from os import path",
    "().__class__.__base__.__subclasses__()",
    "x = [].__class__",
    "open('/etc/passwd')",
    "getattr(a, '__class__')",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'f', 'eval')",
    "globals()",
    "vars()",
    "type(a)",
    "a.__dict__",
    "f = lambda: 1\ng = f.__globals__",
    "'{0.__class__}'.format(1)",
    "s = '{0.__class__}'\nx = s.format(a)",
    "'{x}'.format_map({'x': 1})",
    "int.mro()",
    "print(a)",
    "class A:\n    pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "with a:\n    pass",
    "def f():\n    yield 1\nx = f().gi_frame",
    "raise SystemExit(1)",
    "raise KeyboardInterrupt",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_attempts_are_rejected_and_leave_data_alone(env: SandboxEnvironment, source: str) -> None:
    context: dict[str, Any] = {"a": 1}
    with pytest.raises(ScriptRejected, match="Line"):
        env.execute(source, context)
    assert context == {"a": 1}
    assert sys.gettrace() is None


def test_escape_in_expression_is_rejected(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptRejected):
        env.evaluate("__import__('os').getcwd()", {})
    with pytest.raises(ScriptRejected):
        env.evaluate("(1).__class__", {})


LOOPS = ["while True: pass", "while 1:\n    pass", "n = 0\nwhile n >= 0:\n    n += 1"]


@pytest.mark.parametrize("source", LOOPS)
def test_infinite_loop_times_out(env: SandboxEnvironment, source: str) -> None:
    context: dict[str, Any] = {"a": 1}
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        env.execute(source, context)
    assert time.monotonic() - started < 20 * TIME_LIMIT + 5  # loose: stopped, not hanging
    assert context == {"a": 1}
    assert sys.gettrace() is None


def test_expression_times_out(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptTimeout):
        env.evaluate("[i for i in range(10**6) for j in range(10**6)]", {})
    assert sys.gettrace() is None


def test_recursion_is_contained(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"a": 1}
    with pytest.raises(RecursionError):
        env.execute("def f(n):\n    return f(n + 1)\nf(0)", context)
    with pytest.raises(ScriptTimeout):  # exponential, not deep: stopped by the clock
        env.execute("def f(n):\n    return 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)", context)
    assert context == {"a": 1}
    assert sys.gettrace() is None


@pytest.mark.parametrize(
    "source", ["x = 10**10**10", "x = 'a' * 10**10", "x = [0] * 10**9", "x = 1 << 10**9", "x = range(10**9)",
               "x = 2\nx **= 10**7", "x = 'ab'\nx *= 10**8"],
)  # fmt: skip
def test_huge_results_are_refused(env: SandboxEnvironment, source: str) -> None:
    with pytest.raises(ScriptRejected, match="refused"):
        env.execute(source, {})


def test_moderate_arithmetic_still_works(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {}
    env.execute("p = 2 ** 100\nq = 2 ** -1\nr = 1 << 10\ns = 'ab' * 3\nt = 3 * [0]\nu = 2.5 * 2", context)
    assert context == {"p": 2**100, "q": 0.5, "r": 1024, "s": "ababab", "t": [0, 0, 0], "u": 5.0}
    with pytest.raises(NameError):
        env.execute("x = pow(10, 10**10)", {})  # pow() would bypass the size check, so it is absent


def test_failed_script_leaves_context_unchanged(env: SandboxEnvironment) -> None:
    context: dict[str, Any] = {"n": 1, "items": [1], "nested": {"k": [1]}}
    with pytest.raises(ZeroDivisionError):
        env.execute("n = 2\nitems.append(2)\nnested['k'].append(2)\ndel n\nnew = 1\nboom = 1 / 0", context)
    assert context == {"n": 1, "items": [1], "nested": {"k": [1]}}


def test_previous_trace_function_is_restored(env: SandboxEnvironment) -> None:
    original = sys.gettrace()

    def outer(frame: Any, event: str, arg: Any) -> None:
        return None

    sys.settrace(outer)
    try:
        with pytest.raises(ScriptTimeout):
            env.execute("while True: pass", {})
        assert sys.gettrace() is outer
        env.execute("x = 1", {})
        assert sys.gettrace() is outer
    finally:
        sys.settrace(original)


def test_timeout_in_worker_thread_does_not_affect_other_threads(env: SandboxEnvironment) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            env.execute("while True: pass", {})
        except ScriptTimeout as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    context: dict[str, Any] = {}
    env.execute("total = sum(range(1000))", context)  # runs concurrently in this thread
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(errors) == 1 and context == {"total": 499500}


def test_shadowing_a_helper_is_refused(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptRejected, match="double"):
        env.execute("double = 1", {})
    with pytest.raises(ScriptRejected, match="today"):
        env.execute("def today():\n    return 1", {})
    with pytest.raises(ScriptRejected, match="today"):
        env.evaluate("1", {"today": "x"})
    with pytest.raises(ValueError):
        SandboxEnvironment({"_secret": lambda: 1})


def test_syntax_error_keeps_line_number(env: SandboxEnvironment) -> None:
    with pytest.raises(SyntaxError) as info:
        env.execute("a = 1\nb = (", {})
    assert info.value.lineno == 2


# --- SpiffWorkflow integration ----------------------------------------------------------------------------

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs"
    targetNamespace="http://example.org/duban">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:scriptTask id="calc" name="Calc">
      <bpmn:script>n = len(items) + double(1)
label = f"n={n}"
on = today()</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f_low"/>
    <bpmn:sequenceFlow id="f_high" sourceRef="gw" targetRef="wait">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">CONDITION</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_low" sourceRef="gw" targetRef="low"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">deadline()</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="high"/>
    <bpmn:scriptTask id="high" name="High"><bpmn:script>route = 'high'</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="high" targetRef="end"/>
    <bpmn:scriptTask id="low" name="Low"><bpmn:script>route = 'low'
del items</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f5" sourceRef="low" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(items: list[int] | None, condition: str = "n &gt; 3", **helpers: Any) -> BpmnWorkflow:
    parser = BpmnParser()
    parser.add_bpmn_str(BPMN.replace("CONDITION", condition).encode(), "sandbox.bpmn")
    engine = PythonScriptEngine(environment=SandboxEnvironment(HELPERS | helpers, time_limit=TIME_LIMIT))
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=engine)
    workflow.get_next_task(spec_name="start").data = {"items": items}
    return workflow


def _run(workflow: BpmnWorkflow) -> None:
    workflow.do_engine_steps()
    workflow.refresh_timers()  # the timer date lies in the past, so it fires now
    workflow.do_engine_steps()


def test_bpmn_script_condition_and_timer() -> None:
    workflow = _workflow([1, 2, 3])
    _run(workflow)
    assert workflow.is_completed()
    assert workflow.data == {"items": [1, 2, 3], "n": 5, "label": "n=5", "on": "2024-05-06", "route": "high"}


def test_bpmn_timer_expression_in_future_keeps_waiting() -> None:
    workflow = _workflow([1, 2, 3], deadline=lambda: "2999-01-01T09:00:00+08:00")
    _run(workflow)
    assert not workflow.is_completed()
    assert [task.task_spec.name for task in workflow.get_tasks(state=TaskState.WAITING)] == ["wait"]


def test_bpmn_script_error_reports_line() -> None:
    workflow = _workflow(None)
    with pytest.raises(WorkflowTaskException) as info:
        _run(workflow)
    assert info.value.error_type == "TypeError"
    assert info.value.line_number == 1


def test_bpmn_default_branch() -> None:
    workflow = _workflow([1])
    _run(workflow)
    assert workflow.is_completed()
    assert workflow.data == {"n": 3, "label": "n=3", "on": "2024-05-06", "route": "low"}


def test_bpmn_malicious_condition_is_rejected() -> None:
    workflow = _workflow([1, 2, 3], condition="__import__('os').system('true') == 0")
    with pytest.raises(WorkflowTaskException) as info:
        _run(workflow)
    assert info.value.error_type == "ScriptRejected"
    assert not workflow.is_completed()


def test_bpmn_runaway_condition_times_out() -> None:
    workflow = _workflow([1, 2, 3], condition="[i for i in range(10**6) for j in range(10**6)] == []")
    with pytest.raises(WorkflowTaskException) as info:
        _run(workflow)
    assert info.value.error_type == "ScriptTimeout"
    assert sys.gettrace() is None
