"""The engine facade: start, load, advance, complete, save. Everything the service asks of SpiffWorkflow."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from service.engine import inspection
from service.engine.clock import Clock, engine_time
from service.engine.errors import ExecutionFailed, readable_error
from service.engine.folding import fold_loops
from service.engine.limits import LimitedScriptEngine, StepBudget, StepLimits, element_of
from service.engine.parser import CompiledDefinition
from service.engine.records import FiredTimer, StepRecord, TimerMove
from service.engine.sandbox import SandboxEnvironment
from service.engine.state_codec import SERIALIZER, restore_workflow, workflow_dict


class ProcessEngine:
    """Stateless apart from caches; one per engine process. `helpers` are the script functions.

    `onelement_of(element_id, name)` is told which element is about to run, so that a supervisor can
    name it when the process dies inside it (see isolation.py)."""

    def __init__(
        self,
        helpers: Mapping[str, Callable[..., Any]],
        time_limit: float = 1.0,
        limits: StepLimits | None = None,
        on_element: Callable[[str, str], None] | None = None,
    ) -> None:
        self.limits = limits or StepLimits()
        self.script_engine = LimitedScriptEngine(SandboxEnvironment(helpers, time_limit), self.limits.instances)
        self.on_element = on_element or (lambda element_id, name: None)
        self._budget = StepBudget(self.limits)

    # --- state in and out -------------------------------------------------------------------
    def new_workflow(self, compiled: CompiledDefinition, data: Mapping[str, Any]) -> BpmnWorkflow:
        workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(dict(data))
        for task in workflow.tasks.values():
            if task.task_spec.name == "Start":
                task.data.update(dict(data))
        return workflow

    def dump(self, workflow: BpmnWorkflow, cache_key: str) -> str:
        """Instance JSON without the spec (stored once per definition version), Chinese unescaped.

        The same text the serializer's `to_dict` gives once "spec" and "subprocess_specs" are removed
        (key order included: checkpoints hash it), without converting the spec only to drop it."""
        dct = workflow_dict(workflow)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return self._encode(dct)

    def load(self, compiled: CompiledDefinition, state: str, cache_key: str) -> BpmnWorkflow:
        """The workflow of a stored state, on the compiled spec itself: only the instance part is restored
        (what `new_workflow` does for a new one too); restoring the spec from JSON was most of a load."""
        dct = json.loads(state, cls=SERIALIZER.json_decoder_cls)
        dct.pop(SERIALIZER.VERSION_KEY, None)
        workflow = restore_workflow(compiled, dct)
        workflow.script_engine = self.script_engine  # subprocesses read it from the top workflow
        return workflow

    @staticmethod
    def _encode(value: Any) -> str:
        return json.dumps(value, cls=SERIALIZER.json_encoder_cls, ensure_ascii=False, separators=(",", ":"))

    # --- running ----------------------------------------------------------------------------
    def advance(self, workflow: BpmnWorkflow, clock: Clock) -> StepRecord:
        """Fire due timers and run every ready engine task, then fold finished loop passes."""
        record = StepRecord()
        self._budget = StepBudget(self.limits)
        with engine_time(clock):
            try:
                workflow.refresh_timers()
                self._engine_steps(workflow, record)
            except ExecutionFailed as exc:
                record.error = exc
            except Exception as exc:  # noqa: BLE001 - whatever the engine raises, the instance goes to 异常
                record.error = self._failure(exc)
        fold_loops(workflow)
        return record

    def complete(self, workflow: BpmnWorkflow, task_id: str, data: Mapping[str, Any], clock: Clock) -> StepRecord:
        task = self.find_task(workflow, task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise LookupError(task_id)
        task.data.update(dict(data))
        self.on_element(*element_of(task))
        with engine_time(clock):
            try:
                task.run()
            except Exception as exc:  # noqa: BLE001 - e.g. a data output of the task that is missing
                return StepRecord(error=self._failure(exc, task))
        return self.advance(workflow, clock)

    def update_pending_data(self, workflow: BpmnWorkflow, changes: Mapping[str, Any], clock: Clock) -> list[TimerMove]:
        """Set `changes` wherever the instance still reads them, then move the waiting date timers.

        The keys are replaced in the data of every unfinished task that holds them (waiting timers and
        ready user tasks included) and of the last finished task (the process data). Each waiting
        timeDate timer that has not fired is evaluated again: SpiffWorkflow keeps its fire time in the
        task's internal `event_value`, computed once when the timer started waiting. Timers now due
        fire on the next `advance`.
        """
        finished = [workflow.last_task] if workflow.last_task is not None else []
        for wf in inspection.all_workflows(workflow):
            tasks = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
            for task in [*tasks, *finished]:
                task.data.update({k: v for k, v in changes.items() if k in task.data})
            for key in changes.keys() & wf.data.keys():
                wf.data[key] = changes[key]
        moved: list[TimerMove] = []
        with engine_time(clock):
            for wf in inspection.all_workflows(workflow):
                for task in wf.tasks.values():
                    definition = getattr(task.task_spec, "event_definition", None)
                    if task.state != TaskState.WAITING or not isinstance(definition, TimeDateEventDefinition):
                        continue
                    if task._get_internal_data("event_fired", False):
                        continue
                    old = task._get_internal_data("event_value")
                    new = self.script_engine.evaluate(task, definition.expression)
                    task._set_internal_data(event_value=new)
                    if new != old:
                        moved.append(TimerMove(*element_of(task), None if old is None else str(old), str(new)))
        return moved

    def set_task_data(self, workflow: BpmnWorkflow, task_id: str, values: Mapping[str, Any]) -> None:
        """Change the data of one ready user task (a task reassigned to another unit carries the new
        `unit` into the steps after it). LookupError when the task is not ready."""
        task = self.find_task(workflow, task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise LookupError(task_id)
        task.data.update(copy.deepcopy(dict(values)))

    @staticmethod
    def set_variable(workflow: BpmnWorkflow, name: str, value: Any) -> None:
        """Correct one top-level process variable (an administrator's repair): the value is set in the
        data of every unfinished task (ready, waiting, failed: what the instance reads next), of the last
        finished task (the process data the service shows) and of the workflow data when it holds it."""
        finished = [workflow.last_task] if workflow.last_task is not None else []
        for wf in inspection.all_workflows(workflow):
            unfinished = [t for t in wf.tasks.values() if not t.has_state(TaskState.COMPLETED | TaskState.CANCELLED)]
            for task in [*unfinished, *finished]:
                task.data[name] = copy.deepcopy(value)
            if name in wf.data:
                wf.data[name] = copy.deepcopy(value)

    @staticmethod
    def reset_errors(workflow: BpmnWorkflow) -> None:
        """Make failed tasks ready again, so the next advance runs them once more."""
        for wf in inspection.all_workflows(workflow):
            for task in wf.tasks.values():
                if task.state == TaskState.ERROR:
                    task._set_state(TaskState.READY)

    def _engine_steps(self, workflow: BpmnWorkflow, record: StepRecord) -> None:
        # Like BpmnWorkflow.do_engine_steps, but finds ready tasks by scanning each workflow's task
        # dict: the engine's own iterator stops at depth 1,000 and silently misses ready tasks
        # (measured with ~1,000 call-activity instances).
        while True:
            active = [sp for sp in workflow.subprocesses.values() if not sp.completed]
            self._budget.check_depth(workflow, active)
            count = 0
            for sub in sorted(active, key=lambda sp: sp.depth, reverse=True):
                while (ran := self._run_ready(sub, record)) > 0:
                    count += ran
                if sub.parent_task_id is not None:
                    parent = workflow.get_task_from_id(sub.parent_task_id)
                    parent.task_spec._update(parent)
            count += self._run_ready(workflow, record)
            now_active = [sp for sp in workflow.subprocesses.values() if not sp.completed]
            if count == 0 and len(now_active) <= len(active):
                break
        self._strip_collections(workflow)
        workflow.refresh_timers()

    def _run_ready(self, workflow: Any, record: StepRecord) -> int:
        ready = [t for t in workflow.tasks.values() if t.state == TaskState.READY and not t.task_spec.manual]
        for task in ready:
            if task.state != TaskState.READY:
                continue
            element = element_of(task)
            self._count_step(task, element)
            try:
                task.run()
            except ExecutionFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - name the element the engine failed in
                raise self._failure(exc, task) from None
            if hasattr(task.task_spec, "bpmn_id") and task.task_spec.bpmn_id:
                record.completed.append(element)
                if inspection.is_timer(task):
                    unit = task.data.get("unit")
                    record.timers_fired.append(FiredTimer(*element, unit if isinstance(unit, str) else None))
        return len(ready)

    def _count_step(self, task: Any, element: tuple[str, str]) -> None:
        self.on_element(*element)
        self._budget.step(task, element)

    @staticmethod
    def _strip_collections(workflow: BpmnWorkflow) -> None:
        # A multi-instance child, and the subprocess it starts, get a copy of all the parent's data, the
        # input list included: with 1,200 instances that is 1,200 copies of a 1,200-item list (474 MB of
        # state, measured). Each instance needs only its item, so the list is dropped from its copies.
        nested: dict[int, list[Any]] = {}
        for sp in workflow.subprocesses.values():
            nested.setdefault(id(sp.parent_workflow), []).append(sp)
        for task in [t for wf in inspection.all_workflows(workflow) for t in wf.tasks.values()]:
            parent = task.parent
            spec = parent.task_spec if parent is not None else None
            if not isinstance(spec, MultiInstanceTask) or getattr(spec, "data_input", None) is None:
                continue
            name = spec.data_input.bpmn_id
            task.data.pop(name, None)
            pending = [workflow.subprocesses[task.id]] if task.id in workflow.subprocesses else []
            while pending:  # the instance's subprocess and every subprocess nested in it
                sub = pending.pop()
                for inner in sub.tasks.values():
                    inner.data.pop(name, None)
                pending.extend(nested.get(id(sub), ()))

    @staticmethod
    def _failure(exc: Exception, task: Any = None) -> ExecutionFailed:
        task_spec = getattr(exc, "task_spec", None) or getattr(task, "task_spec", None)
        element_id = getattr(task_spec, "bpmn_id", "") or ""
        name = getattr(task_spec, "bpmn_name", None) or element_id
        line = getattr(exc, "line_number", None)
        return ExecutionFailed(readable_error(exc, name), element_id, line if isinstance(line, int) else None)

    # --- reading ----------------------------------------------------------------------------
    def evaluate(self, task_data: Mapping[str, Any], expression: str, clock: Clock) -> Any:
        with engine_time(clock):
            return self.script_engine.environment.evaluate(expression, dict(task_data))

    # reading the state (service.engine.inspection)
    find_task = staticmethod(inspection.find_task)
    ready_user_tasks = staticmethod(inspection.ready_user_tasks)
    is_completed = staticmethod(inspection.is_completed)
    data = staticmethod(inspection.data)
    waiting_timers = staticmethod(inspection.waiting_timers)
    next_wake = staticmethod(inspection.next_wake)
