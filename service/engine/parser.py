"""BPMN files → executable specs, validated against the BPMN XSD and our conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.engine.messages import engine_message
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
    """The (id, name) of the single executable process a file must hold. A process without
    `isExecutable` counts as executable, as in SpiffWorkflow (Signavio and some bpmn-js files omit it);
    among several, the one marked "true" is meant."""
    candidates = [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable", "true") == "true"]
    if len(candidates) > 1:
        candidates = [p for p in candidates if p.get("isExecutable") == "true"]
    if len(candidates) != 1:
        count = len(root.findall("bpmn:process", NS))
        line = root.sourceline if count == 0 else None
        raise DefinitionInvalid(
            [
                DefinitionProblem(
                    "文件中没有 BPMN 流程（bpmn:process）"
                    if count == 0
                    else f"文件须且只能包含一个可执行流程，实际 {len(candidates)} 个"
                    '（请把要执行的流程设为可执行，其余设为 isExecutable="false"）',
                    filename,
                    "",
                    line,
                    field="isExecutable",
                )
            ]
        )
    process = candidates[0]
    return process.get("id", ""), process.get("name") or process.get("id", "")


def called_elements(root: etree._Element) -> set[str]:
    return {el.get("calledElement", "") for el in root.iter(f"{{{BPMN_NS}}}callActivity")} - {""}


def _problem(exc: SpiffWorkflowException, filename: str, root: etree._Element | None) -> DefinitionProblem:
    """Chinese words plus the element and line: SpiffWorkflow gives the id but not the line (it reads
    `line_number`, which lxml elements lack), the schema gives the line but not the element."""
    text = str(exc.args[0]) if exc.args else exc.__class__.__name__
    line = getattr(exc, "line_number", None)
    line = line if isinstance(line, int) and line > 0 else None
    element_id = getattr(exc, "id", "") or getattr(getattr(exc, "task_spec", None), "bpmn_id", "") or ""
    if root is not None and element_id and line is None:
        found = (el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id") == element_id)
        line = next(found, None)
    if root is not None and line is not None and not element_id:
        element_id = _element_at(root, line)
    return DefinitionProblem(
        message=engine_message(text),
        file=getattr(exc, "file_name", "") or filename,
        element_id=str(element_id),
        line=line,
        engine_text=text[:500],
    )


def _element_at(root: etree._Element, line: int) -> str:
    """The id of the element written on `line` (or the nearest one before it that has an id)."""
    best = ""
    for el in root.iter():
        if not isinstance(el.tag, str) or el.sourceline is None or el.sourceline > line:
            continue
        if el.get("id") and "BPMNDiagram" not in el.tag and "/DI" not in el.tag:
            best = el.get("id", "")
    return best


def compile_definition(files: dict[str, bytes]) -> CompiledDefinition:
    """Parse the main file (the first) plus the files of the processes it calls."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    main_name = next(iter(files))
    key = name = ""
    roots = {}
    for filename, data in files.items():
        root = roots[filename] = parse_safe_xml(data, filename)
        if filename == main_name:
            key, name = executable_process(root, filename)
        try:
            parser.add_bpmn_xml(root, filename)
        except ValidationException as exc:
            raise DefinitionInvalid([_problem(exc, filename, root)]) from None
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except (ValidationException, SpiffWorkflowException) as exc:
        file = getattr(exc, "file_name", "") or main_name
        raise DefinitionInvalid([_problem(exc, main_name, roots.get(file, roots[main_name]))]) from None
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
