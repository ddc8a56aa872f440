"""Process administration: the modeler's working copy (草稿), validation, deploy from it, versions, diff."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from service.api.modeling_schemas import (
    DefinitionDraftSchema,
    DefinitionDraftSummarySchema,
    DeployDraftRequest,
    DiffQuery,
    DiffSchema,
    DraftSaveRequest,
    ExpressionRequest,
    ExpressionVerdict,
    FormEntry,
    FormSaveRequest,
    ImportRequest,
    ValidateRequest,
    ValidationReport,
    VersionDetail,
    VersionRowSchema,
)
from service.api.schemas import DefinitionSummary
from service.http.caller import current_principal
from service.http.files import file_response
from service.http.services import current_services
from service.modeling import drafts, versions

blp = Blueprint("modeling", __name__, description="流程管理：草稿、校验、版本与对比（系统管理员）")
BPMN_MIME = "application/xml"


@blp.get("/process-definitions/drafts")
@blp.response(200, DefinitionDraftSummarySchema(many=True))
def list_drafts() -> Any:
    """已保存的草稿（尚未部署的修改）"""
    with current_services().uow() as uow:
        return versions.draft_summaries(uow, current_principal())


@blp.post("/process-definitions/drafts")
@blp.arguments(ImportRequest)
@blp.response(201, DefinitionDraftSchema)
def import_draft(body: dict[str, Any]) -> Any:
    """导入其他建模工具保存的流程图（Camunda Modeler、bpmn-js、Signavio、Flowable 的 .bpmn / .bpmn20.xml），
    作为其中流程 id 的草稿；该流程已有草稿时 409 draft_exists，除非 replace=true"""
    services = current_services()
    with services.uow() as uow:
        return drafts.import_file(
            uow, services.ctx, current_principal(), body["bpmn_xml"], body["filename"], body["replace"]
        )


@blp.post("/process-definitions/validate")
@blp.arguments(ValidateRequest)
@blp.response(200, ValidationReport)
def validate(body: dict[str, Any]) -> Any:
    """校验流程图与表单（不保存）：列出每个问题及其元素、行号和字段"""
    services = current_services()
    with services.uow() as uow:
        problems = drafts.validate(uow, services.ctx, current_principal(), body["bpmn_xml"], body.get("forms"))
        return {"valid": not any(p.severity == "error" for p in problems), "problems": problems}


@blp.post("/process-definitions/check-expression")
@blp.arguments(ExpressionRequest)
@blp.response(200, ExpressionVerdict)
def check_expression(body: dict[str, Any]) -> Any:
    """沙箱编译器对一个脚本、条件、定时表达式或 due 的判断（不运行）"""
    return drafts.check_expression(current_principal(), body["kind"], body["text"])


@blp.get("/process-definitions/<string:key>/draft")
@blp.response(200, DefinitionDraftSchema)
def get_draft(key: str) -> Any:
    """流程的草稿；没有草稿时为最新版本的内容（saved=false）"""
    services = current_services()
    with services.uow() as uow:
        return drafts.open_draft(uow, services.ctx, current_principal(), key)


@blp.put("/process-definitions/<string:key>/draft")
@blp.arguments(DraftSaveRequest)
@blp.response(200, DefinitionDraftSchema)
def save_draft(body: dict[str, Any], key: str) -> Any:
    """保存草稿（有问题也保存，problems 列出；仅不安全或不是 BPMN 的 XML 被拒绝）"""
    services = current_services()
    with services.uow() as uow:
        return drafts.save_draft(uow, services.ctx, current_principal(), key, body["bpmn_xml"], body.get("forms"))


@blp.delete("/process-definitions/<string:key>/draft")
@blp.response(204)
def discard_draft(key: str) -> Any:
    """放弃草稿"""
    services = current_services()
    with services.uow() as uow:
        drafts.discard(uow, services.ctx, current_principal(), key)
    return None


@blp.put("/process-definitions/<string:key>/draft/forms/<string:form_key>")
@blp.arguments(FormSaveRequest)
@blp.response(200, DefinitionDraftSchema)
def save_form(body: dict[str, Any], key: str, form_key: str) -> Any:
    """表单编辑器保存草稿中的一个表单（新的 form_key 即新建表单）"""
    services = current_services()
    with services.uow() as uow:
        return drafts.save_form(uow, services.ctx, current_principal(), key, form_key, body["schema"])


@blp.post("/process-definitions/<string:key>/draft/deploy")
@blp.arguments(DeployDraftRequest)
@blp.response(201, DefinitionSummary)
def deploy_draft(body: dict[str, Any], key: str) -> Any:
    """把草稿部署为新版本并删除草稿；有 error 级问题时 422 且草稿保留；与最新版本相同时 200"""
    services = current_services()
    with services.uow() as uow:
        definition, created = drafts.deploy(
            uow, services.ctx, current_principal(), key, body["note"], body["confirm_unrelated"]
        )
        return definition, 201 if created else 200


@blp.get("/forms")
@blp.response(200, FormEntry(many=True))
def forms() -> Any:
    """各流程最新版本的表单（建模器的表单选择）"""
    with current_services().uow() as uow:
        return versions.forms_catalogue(uow, current_principal())


@blp.get("/process-definitions/<string:key>/versions")
@blp.response(200, VersionRowSchema(many=True))
def list_versions(key: str) -> Any:
    """全部版本（新的在前）：部署人、时间、说明、表单、各状态的实例数（系统管理员、审计）"""
    with current_services().uow() as uow:
        return versions.list_versions(uow, current_principal(), key)


@blp.get("/process-definitions/<string:key>/versions/<int:version>")
@blp.response(200, VersionDetail)
def get_version(key: str, version: int) -> Any:
    """某一版本的流程图与表单"""
    with current_services().uow() as uow:
        return versions.version(uow, current_principal(), key, version)


@blp.get("/process-definitions/<string:key>/versions/<int:version>/diagram.bpmn")
@blp.doc(responses={"200": {"description": "BPMN 文件", "content": {BPMN_MIME: {}}}})
def download(key: str, version: int) -> Response:
    """下载某一版本的 BPMN 文件"""
    with current_services().uow() as uow:
        found = versions.version(uow, current_principal(), key, version)
        body = found.bpmn_xml.encode("utf-8")
    name = f"{key}-v{version}.bpmn"
    return file_response(body, mimetype=BPMN_MIME, filename=name, fallback=name)


@blp.get("/process-definitions/<string:key>/diff")
@blp.arguments(DiffQuery, location="query")
@blp.response(200, DiffSchema)
def diff(query: dict[str, Any], key: str) -> Any:
    """两个版本的差异：元素（按 id）新增、删除、修改；表单及其字段（按 key）的变化"""
    with current_services().uow() as uow:
        return versions.compare(uow, current_principal(), key, query["from_version"], query["to_version"])
