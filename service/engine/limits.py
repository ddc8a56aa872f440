"""Limits inside the engine for one command: a loop or a recursion without a wait state, or a huge
multi-instance, stops with an error at its element instead of running until the OS limits kill the
engine process (those are the backstop; see isolation.py)."""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from service.engine.errors import ExecutionFailed
from service.engine.sandbox import SandboxEnvironment


def element_of(task: Any) -> tuple[str, str]:
    """(element id, name) of an engine task."""
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return bpmn_id, getattr(spec, "bpmn_name", None) or bpmn_id


@dataclass(frozen=True)
class StepLimits:
    """What one command may do inside the engine before it is stopped with an error at the element.

    A loop or a recursion without a wait state would otherwise run until the OS limits kill the
    engine process; these stop it earlier, with a message that names the element."""

    steps: int = 50_000  # engine tasks run by one command (1,200 rectification items take ~10,000)
    instances: int = 5_000  # children of one multi-instance or loop activity
    depth: int = 16  # nested subprocess / call activity levels (a process calling itself)
    # Task-tree depth within one command: a loop without a wait state grows the tree by a few levels per
    # pass, and the engine fails with RecursionError near 990 levels (loops are folded only afterwards).
    tree_depth: int = 600


def too_many(task: Any, size: int, limit: int) -> ExecutionFailed:
    element_id, name = element_of(task)
    return ExecutionFailed(f"环节“{name}”：多实例数量 {size} 超过上限 {limit}", element_id)


class LimitedScriptEngine(PythonScriptEngine):
    """Refuses a loopCardinality over the limit when it is evaluated — before the engine creates the
    instances (a parallel multi-instance creates them all at once, inside one engine call)."""

    def __init__(self, environment: SandboxEnvironment, max_instances: int) -> None:
        super().__init__(environment=environment)
        self.max_instances = max_instances

    def evaluate(self, task: Any, expression: Any, external_context: Any = None) -> Any:
        value = super().evaluate(task, expression, external_context)
        spec = task.task_spec
        cardinality = isinstance(spec, MultiInstanceTask) and expression == getattr(spec, "cardinality", None)
        if cardinality and isinstance(value, int) and value > self.max_instances:
            raise too_many(task, value, self.max_instances)
        return value


class StepBudget:
    """Counts one command's engine steps and refuses the step, the tree depth or the nesting too far."""

    def __init__(self, limits: StepLimits) -> None:
        self.limits, self.steps = limits, 0

    def step(self, task: Any, element: tuple[str, str]) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise ExecutionFailed(
                f"环节“{element[1]}”：一次执行超过 {self.limits.steps} 个步骤，流程可能有不经等待环节的循环",
                element[0],
            )
        if task.depth > self.limits.tree_depth:
            raise ExecutionFailed(
                f"环节“{element[1]}”：一次执行中反复经过同一段流程（超过 {self.limits.tree_depth} 层），"
                "流程可能有不经等待环节的循环",
                element[0],
            )
        spec = task.task_spec
        if isinstance(spec, MultiInstanceTask) and getattr(spec, "data_input", None) is not None:
            collection = spec.data_input.get(task) if spec.data_input.exists(task) else None
            if isinstance(collection, Sized) and len(collection) > self.limits.instances:
                raise too_many(task, len(collection), self.limits.instances)

    def check_depth(self, workflow: Any, active: list[Any]) -> None:
        deepest = max(active, key=lambda sp: sp.depth, default=None)
        if deepest is not None and deepest.depth > self.limits.depth:
            parent = workflow.get_task_from_id(deepest.parent_task_id) if deepest.parent_task_id else None
            element_id, name = element_of(parent) if parent is not None else ("", "")
            raise ExecutionFailed(
                f"环节“{name}”：子流程嵌套超过 {self.limits.depth} 层，可能是流程调用了自己", element_id
            )
