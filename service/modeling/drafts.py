"""The working copy (草稿) of a process: what the modeler and the form editor change, validated on every
save, deployed as a new version. A draft never runs; nothing running changes until it is deployed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import DefinitionDraft, ProcessDefinition
from service.db.session import UnitOfWork
from service.engine import expressions
from service.engine.errors import DefinitionInvalid, DefinitionProblem
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.form_validation import check_form_definition
from service.process import definition_check, definitions
from service.process.context import ServiceContext

FORM_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")


@dataclass
class DraftView:
    key: str
    bpmn_xml: str
    forms: dict[str, Any]
    base_version: int | None
    updated_by: str
    updated_at: datetime | None
    saved: bool  # False: nothing saved yet, this is the latest version's content
    problems: list[DefinitionProblem] = field(default_factory=list)


class DraftExists(Conflict):
    code = "draft_exists"


def _require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以编辑流程")


def _filename(key: str) -> str:
    return f"{key}.bpmn"


def problems_of(
    uow: UnitOfWork, ctx: ServiceContext, bpmn_xml: str, filename: str, forms: dict[str, Any]
) -> list[DefinitionProblem]:
    """Every problem of a diagram and its forms; an unparseable diagram is one list of problems too."""
    try:
        return definition_check.check(uow, ctx, bpmn_xml.encode("utf-8"), filename, forms).problems
    except DefinitionInvalid as exc:
        return exc.problems


def _view(uow: UnitOfWork, ctx: ServiceContext, draft: DefinitionDraft, saved: bool) -> DraftView:
    problems = problems_of(uow, ctx, draft.bpmn_xml, _filename(draft.process_key), draft.forms)
    return DraftView(
        draft.process_key, draft.bpmn_xml, draft.forms, draft.base_version, draft.updated_by,
        draft.updated_at if saved else None, saved, problems,
    )  # fmt: skip


def _from_version(definition: ProcessDefinition) -> DefinitionDraft:
    return DefinitionDraft(
        process_key=definition.key,
        bpmn_xml=definition.bpmn_xml,
        forms=dict(definition.forms or {}),
        base_version=definition.version,
        updated_by=definition.deployed_by,
        updated_at=definition.deployed_at,
    )


def _working_copy(uow: UnitOfWork, key: str) -> tuple[DefinitionDraft, bool]:
    draft = uow.modeling.draft(key)
    if draft is not None:
        return draft, True
    latest = uow.definitions.latest(key)
    if latest is None:
        raise NotFound(f"流程 {key} 既没有草稿，也没有已部署的版本")
    return _from_version(latest), False


def open_draft(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, key: str) -> DraftView:
    """The saved working copy, or the latest version's content when there is none."""
    _require_admin(actor)
    draft, saved = _working_copy(uow, key)
    return _view(uow, ctx, draft, saved)


def _parse_key(bpmn_xml: str, filename: str) -> str:
    _, key, _ = definition_check.parse(bpmn_xml.encode("utf-8"), filename)
    return key


def _store(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, draft: DefinitionDraft, saved: bool, what: str
) -> DraftView:
    draft.updated_by, draft.updated_at = actor.username, ctx.now()
    if not saved:
        uow.modeling.add(draft)
    details = {"what": what, "base_version": draft.base_version}
    audit_log.record(
        uow, audit_log.DEFINITION_DRAFT_SAVED, actor.username, draft.updated_at, draft.process_key, details
    )
    uow.commit()
    return _view(uow, ctx, draft, True)


def save_draft(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, key: str, bpmn_xml: str, forms: dict[str, Any] | None
) -> DraftView:
    """Keep the modeler's diagram (and, if given, the whole set of forms). Problems are reported, not
    refused: a working copy may be unfinished. Only XML that is unsafe or not BPMN is refused."""
    _require_admin(actor)
    uow.begin_write()
    found = _parse_key(bpmn_xml, _filename(key))
    if found != key:
        message = f"流程图中的流程 id 是 {found}，与正在编辑的流程 {key} 不一致"
        raise DefinitionInvalid([DefinitionProblem(message, _filename(key), found, None, field="bpmn_xml")])
    try:
        draft, saved = _working_copy(uow, key)
    except NotFound:
        draft, saved = DefinitionDraft(process_key=key, bpmn_xml=bpmn_xml, forms={}, base_version=None), False
    draft.bpmn_xml = bpmn_xml
    if forms is not None:
        draft.forms = _checked_keys(forms)
    return _store(uow, ctx, actor, draft, saved, "diagram")


def _checked_keys(forms: dict[str, Any]) -> dict[str, Any]:
    bad = [k for k in forms if not FORM_KEY.fullmatch(k)]
    if bad:
        raise InvalidInput(
            "表单标识只能由字母、数字、下划线、点和连字符组成，且以字母或下划线开头",
            {"errors": [{"field": "forms", "form_key": k[:100]} for k in bad]},
        )
    return dict(forms)


def save_form(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, key: str, form_key: str, schema: dict[str, Any]
) -> DraftView:
    """The form editor's save: one form of the working copy (a new key adds the form). A schema the
    form renderer cannot use is refused, with each problem."""
    _require_admin(actor)
    _checked_keys({form_key: schema})
    if messages := check_form_definition(schema):
        filename = f"{form_key}{definition_check.FORM_SUFFIX}"
        raise DefinitionInvalid([DefinitionProblem(m, filename, field="form") for m in messages])
    uow.begin_write()
    draft, saved = _working_copy(uow, key)
    draft.forms = {**draft.forms, form_key: schema}
    return _store(uow, ctx, actor, draft, saved, f"form {form_key}")


def discard(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, key: str) -> None:
    _require_admin(actor)
    uow.begin_write()
    draft = uow.modeling.draft(key)
    if draft is None:
        raise NotFound(f"流程 {key} 没有草稿")
    uow.modeling.remove_draft(draft)
    details = {"base_version": draft.base_version}
    audit_log.record(uow, audit_log.DEFINITION_DRAFT_DISCARDED, actor.username, ctx.now(), key, details)
    uow.commit()


def import_file(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, bpmn_xml: str, filename: str, replace: bool
) -> DraftView:
    """A diagram saved by another modeler (Camunda, bpmn-js, Signavio, Flowable) becomes the working copy
    of the process id inside it, to be made deployable in the modeler. An existing working copy is
    replaced only when asked (`replace`), never silently."""
    _require_admin(actor)
    uow.begin_write()
    key = _parse_key(bpmn_xml, filename or "import.bpmn")
    draft = uow.modeling.draft(key)
    if draft is not None and not replace:
        raise DraftExists(
            f"流程 {key} 已有未部署的草稿（{draft.updated_by} 保存）：确认要用导入的文件替换它吗？",
            {"key": key, "updated_by": draft.updated_by},
        )
    if draft is None:
        latest = uow.definitions.latest(key)
        draft = _from_version(latest) if latest else DefinitionDraft(process_key=key, forms={}, base_version=None)
        saved = False
    else:
        saved = True
    draft.bpmn_xml = bpmn_xml
    return _store(uow, ctx, actor, draft, saved, f"import {filename[:100]}")


def validate(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, bpmn_xml: str, forms: dict[str, Any] | None
) -> list[DefinitionProblem]:
    """Every problem of a diagram, nothing stored. Without `forms`, those of the latest version."""
    _require_admin(actor)
    if forms is None:
        try:
            latest = uow.definitions.latest(_parse_key(bpmn_xml, "diagram.bpmn"))
        except DefinitionInvalid as exc:
            return exc.problems
        forms = dict(latest.forms) if latest else {}
    return problems_of(uow, ctx, bpmn_xml, "diagram.bpmn", forms)


def check_expression(actor: Principal, kind: expressions.Kind, text: str) -> expressions.Verdict:
    """The sandbox compiler's verdict on one properties-panel field."""
    _require_admin(actor)
    return expressions.check(kind, text)


def deploy(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, key: str, note: str, confirm_unrelated: bool
) -> tuple[ProcessDefinition, bool]:
    """The working copy becomes a new version and is removed, in one transaction. Refused (and kept) when
    it has an error; identical to the latest version → that version, nothing new."""
    _require_admin(actor)
    uow.begin_write()
    draft = uow.modeling.draft(key)
    if draft is None:
        raise NotFound(f"流程 {key} 没有草稿可部署")
    base = uow.definitions.version(key, draft.base_version) if draft.base_version else None
    base_forms = base.forms if base else {}
    keep = {k for k, v in draft.forms.items() if base_forms.get(k) != v}  # new or edited in the form editor
    bpmn, forms = draft.bpmn_xml.encode("utf-8"), dict(draft.forms)
    uow.modeling.remove_draft(draft)  # in the deploy's own transaction: kept if the deploy is refused
    definition, created = definitions.publish(
        uow, ctx, actor, bpmn, _filename(key), forms, keep, note=note, confirm_unrelated=confirm_unrelated
    )
    if not created:
        uow.commit()
    return definition, created
