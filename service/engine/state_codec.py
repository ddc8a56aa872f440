"""The saved state of a workflow: SpiffWorkflow's own serializer, but without the diagram. A load rebuilds only
the instance on the version's compiled spec (shared, as SpiffWorkflow shares it itself) and a dump leaves the
spec out — the stored text is what the full serializer writes for the instance part (decision 0026).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from service.engine.parser import CompiledDefinition

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
# The serializer's own converter of the top workflow (SPIFF_CONFIG), whose parts load and dump use.
_CONVERTER: Any = SERIALIZER.registry.convert_from_dict["BpmnWorkflow"].args[0].__self__


def workflow_dict(workflow: BpmnWorkflow) -> dict[str, Any]:
    """`BpmnWorkflowConverter.to_dict` (plus the typename the registry adds) without the spec keys."""
    conv = _CONVERTER
    dct: dict[str, Any] = {
        "data": conv.registry.convert(conv.registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": conv.mapping_to_dict(workflow.tasks),
        "root": str(workflow.task_tree.id),
        "subprocesses": conv.mapping_to_dict(workflow.subprocesses),
        "bpmn_events": conv.registry.convert(workflow.bpmn_events),
        "typename": SERIALIZER.registry.typenames[BpmnWorkflow],
    }
    return dct


def restore_workflow(compiled: CompiledDefinition, dct: dict[str, Any]) -> BpmnWorkflow:
    """`BpmnWorkflowConverter.from_dict` with the compiled spec in place of one restored from JSON. The
    spec objects are shared by every workflow of the version, as SpiffWorkflow shares them itself."""
    conv = _CONVERTER
    workflow = conv.target_class(compiled.spec, dict(compiled.subprocess_specs), deserializing=True)
    workflow.tasks = conv.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    conv.set_default_attributes(workflow, dct)
    conv.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = conv.registry.restore(dct.pop("bpmn_events", []))
    return workflow
