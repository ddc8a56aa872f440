"""Inspection campaigns: the rectification items each problem became (their own 督办事项 instances)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.api.schemas import Pagination, page_of
from service.campaigns import reading
from service.http.caller import current_principal
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("campaigns", __name__, description="综合/专项督查的整改事项")


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
