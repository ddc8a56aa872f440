"""Deploying and reading process definitions (BPMN + forms), versioned."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from lxml import etree

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.engine.parser import BPMN_NS
from service.engine.xml_safety import parse_safe_xml
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.form_validation import check_form_definition
from service.process import definition_check, start_contract
from service.process.context import ServiceContext

FORM_SUFFIX = definition_check.FORM_SUFFIX


BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")  # .bpmn20.xml: Flowable and Activiti


def _split_upload(files: Sequence[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, Any]]:
    bpmn = [(n, d) for n, d in files if n.lower().endswith(BPMN_SUFFIXES)]
    others = [n for n, _ in files if not n.lower().endswith((*BPMN_SUFFIXES, FORM_SUFFIX))]
    if len(bpmn) != 1 or others:
        raise InvalidInput(
            "须上传一个 .bpmn（或 .bpmn20.xml）文件，以及任意个 .form.json 表单文件",
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


def _number_format(properties: dict[str, str], key: str) -> str:
    return properties.get("businessNumber") or key + "〔{year}〕第{n}号"


class UnrelatedDefinition(Conflict):
    """The process id exists, but the diagram shares no element with its latest version."""

    code = "unrelated_definition"


def _element_ids(root: etree._Element) -> set[str]:
    """Ids of the flow elements (not the diagram's shapes, not the process itself)."""
    ids = set()
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        ids |= {el.get("id", "") for el in process.iter() if isinstance(el.tag, str) and el is not process}
    return ids - {""}


def shared_elements(previous: ProcessDefinition, root: etree._Element) -> int:
    old = parse_safe_xml(previous.bpmn_xml.encode("utf-8"), f"{previous.key}.bpmn")
    return len(_element_ids(old) & _element_ids(root))


def deploy(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    files: Sequence[tuple[str, bytes]],
    *,
    note: str = "",
    confirm_unrelated: bool = False,
) -> tuple[ProcessDefinition, bool]:
    """Deploy an upload (one diagram, any forms; the latest version's other forms carry over)."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以部署流程")
    filename, bpmn_bytes, uploaded_forms = _split_upload(files)
    _, key, _ = definition_check.parse(bpmn_bytes, filename)
    previous = uow.definitions.latest(key)
    forms = {**(previous.forms if previous else {}), **uploaded_forms}
    return publish(uow, ctx, actor, bpmn_bytes, filename, forms, set(uploaded_forms), note, confirm_unrelated)


def publish(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    bpmn_bytes: bytes,
    filename: str,
    forms: dict[str, Any],
    keep: set[str],
    note: str = "",
    confirm_unrelated: bool = False,
) -> tuple[ProcessDefinition, bool]:
    """Validate and store a new version, then commit; returns (definition, created). Nothing running
    changes. Identical content creates nothing; `keep` names forms stored even if no task uses them."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以部署流程")
    checked = definition_check.check(uow, ctx, bpmn_bytes, filename, forms)
    if checked.errors:
        raise DefinitionInvalid(checked.errors)
    key, properties = checked.key, checked.properties
    previous = uow.definitions.latest(key)
    if previous is not None and not confirm_unrelated and shared_elements(previous, checked.root) == 0:
        raise UnrelatedDefinition(
            f"流程 {key} 已有第 {previous.version} 版，而这个流程图与它没有任何相同的元素："
            "确认要作为它的新版本部署吗？",
            {"latest_version": previous.version, "shared_elements": 0},
        )
    needed = checked.task_forms | {properties.get(start_contract.START_FORM, "")} | keep
    kept = {k: v for k, v in {**checked.called_forms, **forms}.items() if k in needed}
    called_versions = checked.called_versions
    digest = hashlib.sha256(
        bpmn_bytes
        + json.dumps(kept, sort_keys=True, ensure_ascii=False).encode()
        + json.dumps(called_versions, sort_keys=True).encode()
    ).hexdigest()
    if previous is not None and previous.sha256 == digest:
        return previous, False
    definition = ProcessDefinition(
        key=key,
        version=(previous.version + 1) if previous else 1,
        name=checked.name,
        bpmn_xml=bpmn_bytes.decode("utf-8"),
        forms=kept,
        called_versions=called_versions,
        sha256=digest,
        number_format=_number_format(properties, key),
        properties=properties,
        deployed_by=actor.username,
        deployed_at=ctx.now(),
        note=note.strip()[:500],
    )
    uow.definitions.add(definition)
    uow.definitions.flush()
    details = {"version": definition.version, "name": checked.name, "sha256": digest, "forms": sorted(kept)}
    if note.strip():
        details["note"] = definition.note
    if confirm_unrelated and previous is not None:
        details["confirmed_unrelated"] = True
    audit_log.record(uow, audit_log.DEFINITION_DEPLOYED, actor.username, definition.deployed_at, key, details)
    uow.commit()
    return definition, True


def get(uow: UnitOfWork, key: str, version: int | None = None) -> ProcessDefinition:
    found = uow.definitions.version(key, version) if version else uow.definitions.latest(key)
    if found is None:
        raise NotFound(f"流程定义 {key} 不存在" if version is None else f"流程定义 {key} 第 {version} 版不存在")
    return found


def list_latest(uow: UnitOfWork) -> Sequence[ProcessDefinition]:
    return uow.definitions.list_latest()
