"""Reading a workflow's state: its tasks, the user tasks ready, the timers waiting, when it next wakes, its
process data. Pure reads of SpiffWorkflow objects; the facade (service.engine.runtime) exposes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from service.engine.limits import element_of
from service.engine.records import ReadyTask
from service.engine.timers import parse_timer_value


def all_workflows(top: BpmnWorkflow) -> list[Any]:
    return [top, *top.subprocesses.values()]


def is_timer(task: Any) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    return isinstance(definition, TimerEventDefinition)


def find_task(workflow: BpmnWorkflow, task_id: str) -> Any:
    try:
        uid = UUID(str(task_id))
    except ValueError:
        return None
    for wf in all_workflows(workflow):
        if uid in wf.tasks:
            return wf.tasks[uid]
    return None


def ready_user_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
    found = []
    for wf in all_workflows(workflow):
        for task in wf.tasks.values():
            if task.state == TaskState.READY and task.task_spec.manual:
                spec = task.task_spec
                props = (getattr(spec, "extensions", None) or {}).get("properties", {})
                element_id, name = element_of(task)
                found.append(
                    ReadyTask(
                        str(task.id),
                        element_id,
                        name,
                        getattr(spec, "lane", None),
                        wf.spec.name,
                        props.get("formKey"),
                        props.get("due"),
                        task.data,
                        position=props.get("position") or None,
                    )
                )
    return found


def is_completed(workflow: BpmnWorkflow) -> bool:
    return bool(workflow.completed)


def data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The process data: the last finished task's data at the top level."""
    last = workflow.last_task or workflow.task_tree
    return dict(workflow.data) | dict(last.data)


def waiting_timers(workflow: BpmnWorkflow) -> list[str]:
    """Element ids of the timers waiting now (in subprocesses too), sorted: what a replay shows."""
    found = {
        str(getattr(task.task_spec, "bpmn_id", "") or "")
        for wf in all_workflows(workflow)
        for task in wf.tasks.values()
        if task.state == TaskState.WAITING and is_timer(task)
    }
    return sorted(found - {""})


def next_wake(workflow: BpmnWorkflow) -> datetime | None:
    values = [ev.value for ev in workflow.waiting_events() if ev.value is not None]
    # An event-based gateway waits as one task for several events: waiting_events() gives no value
    # for it, but the gateway keeps its timer's fire time like any timer task does.
    for wf in all_workflows(workflow):
        for task in wf.tasks.values():
            if task.state == TaskState.WAITING and task._get_internal_data("event_value") is not None:
                values.append(task._get_internal_data("event_value"))
    due = [d for d in map(parse_timer_value, values) if d is not None]
    return min(due) if due else None
