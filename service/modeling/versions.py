"""Reading the versions of a process: the list with its instances, one version, the difference of two,
and the catalogue of forms the modeler picks from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.access.principal import AUDITOR, Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.errors import Forbidden, NotFound
from service.modeling import diff
from service.process import definitions

STATUSES = ("running", "completed", "error", "suspended", "withdrawn")


@dataclass
class VersionRow:
    definition: ProcessDefinition
    instances: dict[str, int]


def _require_reader(actor: Principal) -> None:
    """系统管理员 changes the flows; 审计 reads what was deployed, by whom, and what ran on it."""
    if not (actor.is_admin or AUDITOR in actor.roles):
        raise Forbidden("只有系统管理员和审计人员可以查看流程版本")


def list_versions(uow: UnitOfWork, actor: Principal, key: str) -> list[VersionRow]:
    """Newest first, each with its instances counted by status."""
    _require_reader(actor)
    found: Sequence[ProcessDefinition] = uow.definitions.versions(key)
    if not found and uow.modeling.draft(key) is None:
        raise NotFound(f"流程 {key} 不存在")
    counts = uow.modeling.instance_counts(key)
    rows = []
    for definition in reversed(found):
        by_status = counts.get(definition.version, {})
        instances = {s: by_status.get(s, 0) for s in STATUSES}
        instances.update({s: n for s, n in by_status.items() if s not in instances})
        rows.append(VersionRow(definition, instances))
    return rows


def version(uow: UnitOfWork, actor: Principal, key: str, number: int) -> ProcessDefinition:
    _require_reader(actor)
    return definitions.get(uow, key, number)


def compare(uow: UnitOfWork, actor: Principal, key: str, old: int, new: int) -> dict[str, Any]:
    """Elements added / removed / changed (matched by id) and the forms' changes (fields by key)."""
    _require_reader(actor)
    before, after = definitions.get(uow, key, old), definitions.get(uow, key, new)
    return {
        "from_version": old,
        "to_version": new,
        "elements": diff.diff_elements(before.bpmn_xml, after.bpmn_xml),
        "forms": diff.forms_to_compare(before.bpmn_xml, before.forms or {}, after.bpmn_xml, after.forms or {}),
    }


def form_title(key: str, schema: Any) -> str:
    """What the picker shows: the form's first heading or text, else its key."""
    components = schema.get("components") if isinstance(schema, dict) else None
    for component in components if isinstance(components, list) else []:
        if isinstance(component, dict) and component.get("type") == "text":
            text = str(component.get("text") or "").strip().lstrip("#").strip()
            if text:
                return text.splitlines()[0][:100]
    return key


def forms_catalogue(uow: UnitOfWork, actor: Principal) -> list[dict[str, Any]]:
    """Every form of the latest version of every process, and which processes use it."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以编辑流程")
    catalogue: dict[str, dict[str, Any]] = {}
    for definition in sorted(definitions.list_latest(uow), key=lambda d: d.key):
        for form_key, schema in sorted((definition.forms or {}).items()):
            entry = catalogue.setdefault(form_key, {"key": form_key, "title": form_title(form_key, schema)})
            entry.setdefault("processes", []).append({"key": definition.key, "version": definition.version})
    return [catalogue[k] for k in sorted(catalogue)]


def draft_summaries(uow: UnitOfWork, actor: Principal) -> list[dict[str, Any]]:
    """The working copies that exist, for the administrator's home page."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以编辑流程")
    rows = []
    for key in sorted(uow.modeling.draft_keys()):
        draft = uow.modeling.draft(key)
        if draft is not None:
            rows.append(
                {"key": key, "base_version": draft.base_version, "updated_by": draft.updated_by,
                 "updated_at": draft.updated_at}
            )  # fmt: skip
    return rows
