"""Process definitions: list, read, deploy."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from service.api.schemas import DefinitionDetail, DefinitionQuery, DefinitionSummary
from service.errors import InvalidInput
from service.http.caller import current_principal
from service.http.services import current_services
from service.process import definitions, start_contract

blp = Blueprint("definitions", __name__, description="流程定义")


@blp.get("/process-definitions")
@blp.response(200, DefinitionSummary(many=True))
def list_definitions() -> Any:
    """各流程的最新版本（startable：当前用户能否发起）"""
    actor = current_principal()
    with current_services().uow() as uow:
        names = [n for n in DefinitionSummary().fields if n != "startable"]
        return [
            {**{n: getattr(d, n) for n in names}, "startable": start_contract.may_start(actor, d)}
            for d in definitions.list_latest(uow)
        ]


@blp.post("/process-definitions")
@blp.response(201, DefinitionSummary)
def deploy() -> Any:
    """部署新版本（multipart，字段 files：一个 .bpmn 或 .bpmn20.xml 加任意 .form.json；note：版本说明；
    confirm_unrelated=true：流程图与最新版本没有相同元素时确认部署，否则 409 unrelated_definition；仅系统管理员）"""
    actor = current_principal()
    uploads = request.files.getlist("files")
    if not uploads:
        raise InvalidInput("请在字段 files 中上传文件", {"errors": [{"message": "缺少 files"}]})
    files = [(f.filename or "", f.read()) for f in uploads]
    services = current_services()
    with services.uow() as uow:
        note = request.form.get("note", "")
        confirm = request.form.get("confirm_unrelated", "").lower() in ("true", "1", "on", "yes")
        definition, created = definitions.deploy(uow, services.ctx, actor, files, note=note, confirm_unrelated=confirm)
        return definition, 201 if created else 200


@blp.get("/process-definitions/<string:key>")
@blp.arguments(DefinitionQuery, location="query")
@blp.response(200, DefinitionDetail)
def get_definition(query: dict[str, Any], key: str) -> Any:
    """某流程的最新版本（或 ?version=N），含 BPMN XML"""
    current_principal()
    with current_services().uow() as uow:
        return definitions.get(uow, key, query.get("version"))
