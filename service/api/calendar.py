"""The working-day calendar: add N working days (provisional or not), read and enter a year's arrangement."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.deadlines import calendar_entry
from service.http.caller import current_principal
from service.http.services import current_services
from service.workdays import calendar

blp = Blueprint("calendar", __name__, description="工作日历（节假日与调休）")


class AddWorkdaysQuery(Schema):
    start = fields.Date(required=True, metadata={"description": "起算日（不计入），YYYY-MM-DD"})
    days = fields.Integer(required=True, validate=validate.Range(min=-3650, max=3650))


class AddWorkdaysResponse(Schema):
    date = fields.String(metadata={"description": "第 N 个工作日，YYYY-MM-DD"})
    provisional = fields.Boolean(metadata={"description": "涉及尚未公布节假日安排的年份，按周一至周五暂算"})


class CalendarDaySchema(Schema):
    date = fields.String(required=True, validate=validate.Length(equal=10), metadata={"example": "2027-10-01"})
    kind = fields.String(required=True, validate=validate.OneOf(calendar.KINDS))
    name = fields.String(load_default="", validate=validate.Length(max=100))
    source = fields.String(load_default="", validate=validate.Length(max=200))


class CalendarYearSchema(Schema):
    year = fields.Integer()
    published = fields.Boolean()
    source = fields.String()
    updated_by = fields.String()
    updated_at = fields.DateTime(allow_none=True)
    days = fields.List(fields.Nested(CalendarDaySchema))
    recomputed = fields.List(fields.Integer(), metadata={"description": "截止日期已重新计算的流程实例"})


@blp.get("/calendar/add-workdays")
@blp.arguments(AddWorkdaysQuery, location="query")
@blp.response(200, AddWorkdaysResponse)
def add_workdays(query: dict[str, Any]) -> Any:
    """起算日后第 N 个工作日（起算日不计入；N 为负数时向前推）"""
    current_principal()
    return calendar.add_workdays(query["start"], query["days"])


@blp.get("/calendar/years/<int:year>")
@blp.response(200, CalendarYearSchema)
def get_year(year: int) -> Any:
    """某年的节假日与调休上班安排"""
    current_principal()
    with current_services().uow() as uow:
        return calendar.get_year(uow, year)


@blp.put("/calendar/years/<int:year>")
@blp.arguments(CalendarDaySchema(many=True))
@blp.response(200, CalendarYearSchema)
@blp.doc(description="替换该年全部安排（仅系统管理员）；按时限计算的进行中事项的截止日期与催办定时器随之重新计算")
def put_year(body: list[dict[str, Any]], year: int) -> Any:
    """录入某年的节假日安排"""
    actor = current_principal()
    services = current_services()
    calendar_entry.check_may_edit(actor)  # before the rows are checked, so others learn nothing from the answer
    entries = calendar.parse_entries(year, body)
    result = calendar_entry.put_year(services.uow, services.ctx, actor, year, entries)
    with services.uow() as uow:
        return {**calendar.get_year(uow, year), "recomputed": result.recomputed}
