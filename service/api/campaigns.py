"""Inspection campaigns: the rectification items each problem became (their own 督办事项 instances); the
electronic archive of an item or a campaign (资料归档)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.api.schemas import Pagination, page_of
from service.archives import use_cases as archive_use_cases
from service.campaigns import reading
from service.http.caller import current_principal
from service.http.files import file_response
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("campaigns", __name__, description="综合/专项督查的整改事项；资料归档")
ZIP = "application/zip"


class CampaignItemSchema(Schema):
    position = fields.Integer(metadata={"description": "问题在督查中的序号，从 0 起"})
    title = fields.String()
    lead_unit = fields.String(metadata={"description": "责任单位代码"})
    item_id = fields.Integer(allow_none=True, metadata={"description": "整改事项（督办事项）实例；null：尚未生成"})
    business_number = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending（待生成）、registering、handling、closed、error …"})
    deadline = fields.String(allow_none=True, metadata={"description": "完成时限 YYYY-MM-DD"})


@blp.get("/process-instances/<int:instance_id>/rectification-items")
@blp.arguments(Pagination, location="query")
@blp.response(200, page_of(CampaignItemSchema))
def items(query: dict[str, Any], instance_id: int) -> Any:
    """督查发现的问题及其整改事项（各为独立的督办事项），按问题顺序"""
    actor = current_principal()
    with current_services().uow() as uow:
        return paginate(query, partial(reading.items_of, uow, actor, instance_id))


class ArchiveSchema(Schema):
    instance_id = fields.Integer()
    archive_no = fields.String(metadata={"description": "归档号，如 归档〔2026〕第3号"})
    retention = fields.String(metadata={"description": "保管期限：永久 / 30年 / 10年"})
    sha256 = fields.String()
    size = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    manifest = fields.Dict(metadata={"description": "清单：文件名、大小、sha256，归档人、归档时间、办理过程的末条哈希"})
    verified = fields.Boolean(metadata={"description": "现在校验：档案包与 sha256 和清单一致"})
    problems = fields.List(fields.String())


@blp.get("/process-instances/<int:instance_id>/archive")
@blp.response(200, ArchiveSchema)
def archive(instance_id: int) -> Any:
    """事项或督查的电子档案：清单与当前校验结果"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return archive_use_cases.describe(uow, services.ctx, actor, instance_id)


@blp.get("/process-instances/<int:instance_id>/archive.zip")
@blp.doc(responses={"200": {"description": "档案包（ZIP，内含 manifest.json）", "content": {ZIP: {}}}})
def archive_zip(instance_id: int) -> Response:
    """下载电子档案（ZIP；校验 sha256 与清单后发送，不符则 409）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        filename, body = archive_use_cases.open_package(uow, services.ctx, actor, instance_id)
    return file_response(body, mimetype=ZIP, filename=filename, fallback=f"archive-{instance_id}.zip")
