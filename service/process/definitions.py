"""Deploying and reading process definitions (BPMN + forms), versioned."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from lxml import etree

from service.access import audit_log
from service.access.principal import LANES, Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.engine.parser import BPMN_NS, called_elements, compile_definition, executable_process
from service.engine.xml_safety import parse_safe_xml
from service.errors import Forbidden, InvalidInput, NotFound
from service.form_validation import check_form_definition
from service.process import start_contract
from service.process.context import ServiceContext

FORM_SUFFIX = ".form.json"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _split_upload(files: Sequence[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, Any]]:
    bpmn = [(n, d) for n, d in files if n.lower().endswith(".bpmn")]
    others = [n for n, _ in files if not n.lower().endswith((".bpmn", FORM_SUFFIX))]
    if len(bpmn) != 1 or others:
        raise InvalidInput(
            "须上传一个 .bpmn 文件，以及任意个 .form.json 表单文件",
            {"errors": [{"message": "上传文件不符合要求", "files": [n for n, _ in files]}]},
        )
    forms: dict[str, Any] = {}
    problems: list[DefinitionProblem] = []
    for name, data in files:
        if not name.endswith(FORM_SUFFIX):
            continue
        key = name.rsplit("/", 1)[-1][: -len(FORM_SUFFIX)]
        try:
            form = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(DefinitionProblem(f"表单不是有效的 JSON：{exc}", name))
            continue
        problems.extend(DefinitionProblem(msg, name) for msg in check_form_definition(form))
        forms[key] = form
    if problems:
        raise DefinitionInvalid(problems)
    return bpmn[0][0], bpmn[0][1], forms


def _lines_by_id(root: etree._Element) -> dict[str, int]:
    return {el.get("id", ""): el.sourceline or 0 for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def _number_format(root: etree._Element, key: str) -> str:
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == "businessNumber" and prop.get("value"):
            return str(prop.get("value"))
    return key + "〔{year}〕第{n}号"


def _process_properties(root: etree._Element, key: str) -> dict[str, str]:
    """The process element's own spiffworkflow properties (ledger, startedBy, ...), not its tasks'."""
    found: dict[str, str] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("id") != key:
            continue
        for prop in process.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
            if prop.get("name"):
                found[str(prop.get("name"))] = str(prop.get("value", ""))
    return found


def deploy(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, files: Sequence[tuple[str, bytes]]
) -> tuple[ProcessDefinition, bool]:
    """Deploy a new version and commit it; returns (definition, created). An identical upload creates nothing."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以部署流程")
    filename, bpmn_bytes, uploaded_forms = _split_upload(files)
    root = parse_safe_xml(bpmn_bytes, filename)
    key, name = executable_process(root, filename)
    lines = _lines_by_id(root)
    problems: list[DefinitionProblem] = []
    called_versions: dict[str, int] = {}
    called_forms: dict[str, Any] = {}
    for called in sorted(called_elements(root) - {key}):
        target = uow.definitions.latest(called)
        if target is None:
            problems.append(DefinitionProblem(f"调用的流程 {called} 尚未部署，请先部署它", filename))
            continue
        called_versions[called] = target.version
        called_forms.update(target.forms)
    if problems:
        raise DefinitionInvalid(problems)
    draft = ProcessDefinition(key=key, bpmn_xml=bpmn_bytes.decode("utf-8"), called_versions=called_versions)
    compiled = compile_definition(ctx.definition_files(uow, draft))
    previous = uow.definitions.latest(key)
    forms = {**called_forms, **(previous.forms if previous else {}), **uploaded_forms}
    for task in compiled.user_tasks:
        file = filename if task.process_id in _own_ids(root) else f"{task.process_id}.bpmn"
        line = lines.get(task.element_id)
        messages = []
        if task.lane not in LANES:
            messages.append(f"用户任务“{task.name}”不在角色泳道中（泳道名须为：{'、'.join(LANES)}）")
        if not task.form_key:
            messages.append(f"用户任务“{task.name}”未指定表单（formKey）")
        elif task.form_key not in forms:
            messages.append(f"找不到表单 {task.form_key}{FORM_SUFFIX}")
        problems.extend(DefinitionProblem(m, file, task.element_id, line) for m in messages)
    properties = _process_properties(root, key)
    problems.extend(DefinitionProblem(m, filename) for m in start_contract.property_problems(properties, forms))
    if problems:
        raise DefinitionInvalid(problems)
    needed = {t.form_key for t in compiled.user_tasks if t.form_key} | {properties.get(start_contract.START_FORM, "")}
    forms = {k: v for k, v in forms.items() if k in needed or k in uploaded_forms}
    digest = hashlib.sha256(
        bpmn_bytes
        + json.dumps(forms, sort_keys=True, ensure_ascii=False).encode()
        + json.dumps(called_versions, sort_keys=True).encode()
    ).hexdigest()
    if previous is not None and previous.sha256 == digest:
        return previous, False
    definition = ProcessDefinition(
        key=key,
        version=(previous.version + 1) if previous else 1,
        name=name,
        bpmn_xml=draft.bpmn_xml,
        forms=forms,
        called_versions=called_versions,
        sha256=digest,
        number_format=_number_format(root, key),
        properties=properties,
        deployed_by=actor.username,
        deployed_at=ctx.now(),
    )
    uow.definitions.add(definition)
    uow.definitions.flush()
    details = {"version": definition.version, "name": name, "sha256": digest, "forms": sorted(forms)}
    audit_log.record(uow, audit_log.DEFINITION_DEPLOYED, actor.username, definition.deployed_at, key, details)
    uow.commit()
    return definition, True


def _own_ids(root: etree._Element) -> set[str]:
    return {el.get("id", "") for el in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess")}


def get(uow: UnitOfWork, key: str, version: int | None = None) -> ProcessDefinition:
    found = uow.definitions.version(key, version) if version else uow.definitions.latest(key)
    if found is None:
        raise NotFound(f"流程定义 {key} 不存在" if version is None else f"流程定义 {key} 第 {version} 版不存在")
    return found


def list_latest(uow: UnitOfWork) -> Sequence[ProcessDefinition]:
    return uow.definitions.list_latest()
