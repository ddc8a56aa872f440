"""One validation of a diagram and its forms, used by the modeler (drafts, validate) and by deploy.

Parse (safe XML) → BPMN schema and SpiffWorkflow's parser → our conventions (lanes are roles, every
user task has a form that exists, process properties) → every script, condition, timer and `due`
compiled by the sandbox compiler → forms → warnings. Every problem names its file, element, line and
the properties-panel field; warnings never stop a deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from service.access.principal import LANES
from service.db.session import UnitOfWork
from service.engine import expressions
from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.engine.parser import BPMN_NS, called_elements, compile_definition, executable_process
from service.engine.xml_safety import parse_safe_xml
from service.form_validation import check_form_definition
from service.process import definition_rules, start_contract
from service.process.context import ServiceContext

FORM_SUFFIX = ".form.json"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_B = f"{{{BPMN_NS}}}"


@dataclass
class Checked:
    key: str
    name: str
    root: etree._Element
    forms: dict[str, Any]
    called_versions: dict[str, int]
    called_forms: dict[str, Any]
    properties: dict[str, str]
    problems: list[DefinitionProblem] = field(default_factory=list)
    task_forms: set[str] = field(default_factory=set)  # the forms of every user task, called processes' too

    @property
    def errors(self) -> list[DefinitionProblem]:
        return [p for p in self.problems if p.severity == "error"]


def parse(bpmn_bytes: bytes, filename: str) -> tuple[etree._Element, str, str]:
    """Root, process key and name; DefinitionInvalid when the file is unsafe, not XML or has no process."""
    root = parse_safe_xml(bpmn_bytes, filename)
    if root.tag != f"{_B}definitions":
        message = "不是 BPMN 2.0 文件（根元素须为 bpmn:definitions）"
        raise DefinitionInvalid([DefinitionProblem(message, filename, "", 1)])
    key, name = executable_process(root, filename)
    return root, key, name


def check(uow: UnitOfWork, ctx: ServiceContext, bpmn_bytes: bytes, filename: str, forms: Mapping[str, Any]) -> Checked:
    """Everything wrong with the diagram and `forms` (the complete set it may use)."""
    root, key, name = parse(bpmn_bytes, filename)
    result = Checked(key, name, root, dict(forms), {}, {}, process_properties(root, key))
    report = result.problems.append
    lines = {el.get("id", ""): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for called in sorted(called_elements(root) - {key}):
        target = uow.definitions.latest(called)
        if target is None:
            for el in root.iter(f"{_B}callActivity"):
                if el.get("calledElement") == called:
                    message = f"调用的流程 {called} 尚未部署，请先部署它"
                    report(DefinitionProblem(message, filename, el.get("id", ""), el.sourceline, field="calledElement"))
            continue
        result.called_versions[called] = target.version
        result.called_forms.update(target.forms)
    available = {**result.called_forms, **result.forms}
    result.problems.extend(_dangling_flows(root, filename))
    if not result.errors:
        files = {filename: bpmn_bytes}
        for called, version in result.called_versions.items():
            target = uow.definitions.version(called, version)
            if target is not None:
                files.update(ctx.definition_files(uow, target))
        try:
            compiled = compile_definition(files)
            result.task_forms = {t.form_key for t in compiled.user_tasks if t.form_key}
        except DefinitionInvalid as exc:
            result.problems.extend(exc.problems)
    for element_id, task_name, lane, form_key in _user_tasks(root):
        line = lines.get(element_id)
        if lane not in LANES:
            message = f"用户任务“{task_name}”不在角色泳道中（泳道名须为：{'、'.join(LANES)}）"
            report(DefinitionProblem(message, filename, element_id, line, field="lane"))
        if not form_key:
            message = f"用户任务“{task_name}”未指定表单（formKey）"
            report(DefinitionProblem(message, filename, element_id, line, field="formKey"))
        elif form_key not in available:
            message = f"用户任务“{task_name}”的表单 {form_key} 不存在"
            report(DefinitionProblem(message, filename, element_id, line, field="formKey"))
    for prop, message in start_contract.property_problems(result.properties, available):
        report(DefinitionProblem(message, filename, key, lines.get(key), field=prop))
    for expr in expressions.expressions(root):
        verdict = expressions.check(expr.kind, expr.text)
        if not verdict.ok:
            line = (expr.line or 0) + (verdict.line or 1) - 1 if expr.line else None
            message = f"{_KIND_NAMES[expr.kind]}有误：{verdict.message}"
            report(DefinitionProblem(message, filename, expr.element_id, line, field=expr.kind))
    for form_key, form in result.forms.items():
        for message in check_form_definition(form):
            report(DefinitionProblem(f"表单 {form_key}：{message}", f"{form_key}{FORM_SUFFIX}", field="form"))
    result.problems.extend(definition_rules.problems(root, filename))
    return result


_KIND_NAMES = {"script": "脚本", "condition": "条件", "timer": "定时表达式", "due": "办理期限（due）"}


def process_properties(root: etree._Element, key: str) -> dict[str, str]:
    """The process element's own spiffworkflow properties (ledger, startedBy, ...), not its tasks'."""
    found: dict[str, str] = {}
    for process in root.iter(f"{_B}process"):
        if process.get("id") != key:
            continue
        path = f"{_B}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"
        for prop in process.iterfind(path):
            if prop.get("name"):
                found[str(prop.get("name"))] = str(prop.get("value", ""))
    return found


def _user_tasks(root: etree._Element) -> list[tuple[str, str, str | None, str | None]]:
    """(id, name, lane, formKey) of each user task; a task inside a subprocess takes the subprocess's lane."""
    lane_of: dict[str, str] = {}
    for lane_element in root.iter(f"{_B}lane"):
        for ref in lane_element.iterfind(f"{_B}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = (lane_element.get("name") or "").strip()
    tasks = []
    for task in root.iter(f"{_B}userTask"):
        lane: str | None = None
        node: etree._Element | None = task
        while node is not None and lane is None:
            lane = lane_of.get(node.get("id", ""))
            node = node.getparent()
        form_key = None
        for prop in task.iterfind(f"{_B}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
            if prop.get("name") == "formKey":
                form_key = (prop.get("value") or "").strip() or None
        task_id = task.get("id", "")
        tasks.append((task_id, task.get("name") or task_id, lane, form_key))
    return tasks


def _dangling_flows(root: etree._Element, filename: str) -> list[DefinitionProblem]:
    """A flow whose end names no element (SpiffWorkflow reports this as a duplicate id elsewhere)."""
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    found = []
    for flow in root.iter(f"{_B}sequenceFlow"):
        for end, what in (("sourceRef", "起点"), ("targetRef", "终点")):
            if flow.get(end) not in ids:
                message = f"连线 {flow.get('id', '')} 的{what} {flow.get(end) or '（空）'} 不存在"
                found.append(DefinitionProblem(message, filename, flow.get("id", ""), flow.sourceline, field=end))
    return found
