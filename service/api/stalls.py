"""Where processes stall: per element of a flow, instances passed, working days taken, returns, overdue."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.analytics import stalls
from service.api.schemas import page_of
from service.http.caller import current_principal
from service.http.paging import MAX_PAGE, Pager
from service.http.services import current_services

blp = Blueprint("stalls", __name__, description="流程滞留分析")


class StallQuery(Schema):
    day_from = fields.Date(data_key="from", metadata={"description": "实例发起日期起（含，北京时间）"})
    day_to = fields.Date(data_key="to", metadata={"description": "实例发起日期止（含）"})
    unit = fields.String(validate=validate.Length(max=64), metadata={"description": "单位代码：其牵头或协办的实例"})
    version = fields.Integer(validate=validate.Range(min=1), metadata={"description": "流程版本；缺省为全部版本"})


class StallInstancesQuery(StallQuery):
    kind = fields.String(
        load_default="passed",
        validate=validate.OneOf(list(stalls.KINDS)),
        metadata={"description": "passed 经过 / active 停留中 / overdue 超期 / returned 由此退回"},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=stalls.MAX_PER_PAGE))


class ElementFiguresSchema(Schema):
    element_id = fields.String()
    name = fields.String()
    instances = fields.Integer(metadata={"description": "经过该环节的实例数"})
    tasks = fields.Integer()
    completed = fields.Integer()
    active = fields.Integer(metadata={"description": "当前停留在该环节的任务数"})
    overdue = fields.Integer(metadata={"description": "超期任务数（超过时限办结，或已过时限仍未办结）"})
    returns = fields.Integer(metadata={"description": "由该环节作出的退回次数"})
    median_workdays = fields.Float(allow_none=True, metadata={"description": "办理用时中位数（工作日，就绪→办结）"})
    p90_workdays = fields.Float(allow_none=True, metadata={"description": "办理用时 p90（工作日）"})
    max_workdays = fields.Integer(allow_none=True)


class UnitFiguresSchema(Schema):
    unit = fields.String()
    unit_name = fields.String()
    tasks = fields.Integer()
    returns = fields.Integer()
    overdue = fields.Integer()


class StallReportSchema(Schema):
    process_key = fields.String()
    process_name = fields.String()
    version = fields.Integer(allow_none=True)
    diagram_version = fields.Integer()
    day_from = fields.Date(data_key="from", allow_none=True)
    day_to = fields.Date(data_key="to", allow_none=True)
    unit = fields.String(allow_none=True)
    period_by = fields.String(metadata={"description": "instance_start：按实例发起时间选取实例"})
    elements = fields.List(fields.Nested(ElementFiguresSchema))
    units = fields.List(fields.Nested(UnitFiguresSchema))


class StallInstanceSchema(Schema):
    instance_id = fields.Integer()
    business_number = fields.String()
    title = fields.String()
    status = fields.String()
    started_at = fields.DateTime()
    tasks = fields.Integer()
    returns = fields.Integer()
    overdue = fields.Integer()
    workdays = fields.Integer(allow_none=True, metadata={"description": "该实例在该环节已办结任务的用时合计"})


def _filters(query: dict[str, Any]) -> stalls.StallFilters:
    return stalls.StallFilters(query.get("day_from"), query.get("day_to"), query.get("unit"), query.get("version"))


@blp.get("/process-definitions/<key>/stalls")
@blp.arguments(StallQuery, location="query")
@blp.response(200, StallReportSchema)
def report(query: dict[str, Any], key: str) -> Any:
    """流程各环节的经过实例数、用时（工作日中位数与 p90）、退回与超期；各单位的退回与超期"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return stalls.report(uow, actor, services.ctx.now(), key, _filters(query))


@blp.get("/process-definitions/<key>/stalls/<element_id>/instances")
@blp.arguments(StallInstancesQuery, location="query")
@blp.response(200, page_of(StallInstanceSchema))
def element_instances(query: dict[str, Any], key: str, element_id: str) -> Any:
    """某一环节某个数字背后的实例（分页，按发起时间倒序）"""
    actor = current_principal()
    services = current_services()
    pager = Pager.from_query(query)
    with services.uow() as uow:
        rows, total = stalls.instances(
            uow,
            actor,
            services.ctx.now(),
            key,
            element_id,
            _filters(query),
            kind=query["kind"],
            offset=pager.offset,
            limit=pager.per_page,
        )
        return pager.envelope(rows, total)
