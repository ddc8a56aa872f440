"""督查问责: referrals of a unit on an item (推诿、拒办、弄虚作假、失职) with facts and outcome."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.accountability import use_cases
from service.api.schemas import Pagination, page_of
from service.http.caller import current_principal
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("accountability", __name__, description="督查问责")


class ReferralRequest(Schema):
    unit = fields.String(required=True, metadata={"description": "该事项的承办单位代码"})
    kind = fields.String(required=True, validate=validate.OneOf(use_cases.KINDS))
    facts = fields.String(required=True, metadata={"description": "问责事实"})
    outcome = fields.String(required=True, metadata={"description": "处理结果"})


class ReferralSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    business_number = fields.String()
    title = fields.String()
    unit_code = fields.String()
    kind = fields.String()
    facts = fields.String()
    outcome = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class ReferralQuery(Pagination):
    unit = fields.String(validate=validate.Length(max=64))


@blp.post("/process-instances/<int:instance_id>/accountability")
@blp.arguments(ReferralRequest)
@blp.response(201, ReferralSchema)
def record(body: dict[str, Any], instance_id: int) -> Any:
    """记录督查问责（督查室）：承办单位、问责情形、事实与处理结果"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return use_cases.record(uow, services.ctx, actor, instance_id, **body)


@blp.get("/process-instances/<int:instance_id>/accountability")
@blp.response(200, ReferralSchema(many=True))
def of_item(instance_id: int) -> Any:
    """该事项的督查问责记录"""
    actor = current_principal()
    with current_services().uow() as uow:
        return use_cases.for_item(uow, actor, instance_id)


@blp.get("/accountability")
@blp.arguments(ReferralQuery, location="query")
@blp.response(200, page_of(ReferralSchema))
def listing(query: dict[str, Any]) -> Any:
    """全部督查问责记录（督查室、县领导、审计）；单位用户只看到本单位的"""
    actor = current_principal()
    with current_services().uow() as uow:
        return paginate(query, partial(use_cases.listing, uow, actor))
