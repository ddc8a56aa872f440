"""BPMN files → executable specs, validated against the BPMN XSD and our conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.engine.xml_safety import parse_safe_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}


@dataclass(frozen=True)
class UserTaskInfo:
    process_id: str
    element_id: str
    name: str
    lane: str | None
    form_key: str | None
    due: str | None


@dataclass
class CompiledDefinition:
    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: list[UserTaskInfo] = field(default_factory=list)


def executable_process(root: etree._Element, filename: str) -> tuple[str, str]:
    """The (id, name) of the single executable process a file must hold."""
    found = root.findall("bpmn:process[@isExecutable='true']", NS)
    if len(found) != 1:
        raise DefinitionInvalid(
            [
                DefinitionProblem(
                    f'文件须且只能包含一个可执行流程（isExecutable="true"），实际 {len(found)} 个', filename
                )
            ]
        )
    process = found[0]
    return process.get("id", ""), process.get("name") or process.get("id", "")


def called_elements(root: etree._Element) -> set[str]:
    return {el.get("calledElement", "") for el in root.iter(f"{{{BPMN_NS}}}callActivity")} - {""}


def _problem(exc: SpiffWorkflowException, filename: str) -> DefinitionProblem:
    line = getattr(exc, "line_number", None)
    return DefinitionProblem(
        message=str(exc.args[0]) if exc.args else exc.__class__.__name__,
        file=getattr(exc, "file_name", "") or filename,
        element_id=getattr(exc, "id", "") or getattr(getattr(exc, "task_spec", None), "bpmn_id", "") or "",
        line=line if isinstance(line, int) else None,
    )


def compile_definition(files: dict[str, bytes]) -> CompiledDefinition:
    """Parse the main file (the first) plus the files of the processes it calls."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    main_name = next(iter(files))
    key = name = ""
    for filename, data in files.items():
        root = parse_safe_xml(data, filename)
        if filename == main_name:
            key, name = executable_process(root, filename)
        try:
            parser.add_bpmn_xml(root, filename)
        except ValidationException as exc:
            raise DefinitionInvalid([_problem(exc, filename)]) from None
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise DefinitionInvalid([_problem(exc, main_name)]) from None
    compiled = CompiledDefinition(key=key, name=name, spec=spec, subprocess_specs=subprocess_specs)
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "manual", False) and hasattr(task_spec, "bpmn_id"):
                props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
                info = UserTaskInfo(
                    process_spec.name,
                    task_spec.bpmn_id,
                    task_spec.bpmn_name or task_spec.bpmn_id,
                    task_spec.lane,
                    props.get("formKey"),
                    props.get("due"),
                )
                compiled.user_tasks.append(info)
    return compiled
