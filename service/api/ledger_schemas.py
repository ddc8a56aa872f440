"""Marshmallow schemas of the ledger endpoints (filters, rows, overview)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.api.schemas import Pagination
from service.ledger import PRIORITIES, SORT_KEYS, STATUSES
from service.workdays.lights import LIGHTS


def _one_of(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices, error=f"只能是 {'、'.join(choices)} 之一")


def _length(most: int) -> validate.Length:
    return validate.Length(min=1, max=most, error=f"长度应为 1 至 {most} 个字符")


def _date(description: str) -> fields.Date:
    return fields.Date(error_messages={"invalid": "日期格式应为 YYYY-MM-DD"}, metadata={"description": description})


class LedgerFilterQuery(Schema):
    status = fields.String(
        validate=_one_of(STATUSES), metadata={"description": "立项中/办理中/已销号/异常/已挂起/已撤回"}
    )
    unit = fields.String(validate=_length(64), metadata={"description": "牵头或配合单位代码"})
    source_type = fields.String(validate=_length(32))
    priority = fields.String(validate=_one_of(PRIORITIES), metadata={"description": "督查类别：重点 / 一般"})
    light = fields.String(validate=_one_of(LIGHTS), metadata={"description": "亮灯（仅未销号事项）"})
    registered_from = _date("立项日期起（含）")
    registered_to = _date("立项日期止（含）")
    deadline_from = _date("办结时限起（含）")
    deadline_to = _date("办结时限止（含）")
    q = fields.String(validate=_length(100), metadata={"description": "标题、内容或编号包含"})
    process_key = fields.String(validate=_length(100))
    sort = fields.String(load_default="registered_desc", validate=_one_of(SORT_KEYS))

    @validates_schema
    def ranges_in_order(self, data: dict[str, Any], **_: Any) -> None:
        for low, high in (("registered_from", "registered_to"), ("deadline_from", "deadline_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                raise ValidationError("起始日期不能晚于截止日期", field_name=low)


class LedgerQuery(Pagination, LedgerFilterQuery):
    after = fields.String(
        validate=_length(200),
        metadata={
            "description": "翻页位置（键集分页）：上一页返回的 next_after。深页不变慢，翻页期间新增事项也不会"
            "使页面重复或遗漏；与 page 同用时 page 须为 1"
        },
    )


class LedgerExportRequest(LedgerFilterQuery):
    pass


class LedgerExportJobSchema(Schema):
    id = fields.Integer()
    status = fields.String(
        metadata={
            "description": "queued 排队中 / running 导出中 / done 已完成 / failed 失败 / "
            "expired 已过保留期（完成 7 天后文件已删除）"
        }
    )
    total = fields.Integer(metadata={"description": "应导出的行数"})
    done = fields.Integer(metadata={"description": "已写入的行数"})
    percent = fields.Integer(metadata={"description": "进度（0–100）"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    filename = fields.String()
    status_url = fields.String(metadata={"description": "查询进度的地址"})
    download_url = fields.String(allow_none=True, metadata={"description": "完成后下载文件的地址（仅发起人可下载）"})


class OverviewQuery(Schema):
    process_key = fields.String(
        validate=_length(100), metadata={"description": "默认 supervision_item（督办事项，与通报、考核的口径一致）"}
    )
    registered_from = _date("立项日期起（含）")
    registered_to = _date("立项日期止（含）")
    deadline_from = _date("办结时限起（含）：与通报、考核同一期间口径（时限在期间内的事项）")
    deadline_to = _date("办结时限止（含）")

    @validates_schema
    def ranges_in_order(self, data: dict[str, Any], **_: Any) -> None:
        for low, high in (("registered_from", "registered_to"), ("deadline_from", "deadline_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                raise ValidationError("起始日期不能晚于截止日期", field_name=low)


class LedgerItemSchema(Schema):
    instance_id = fields.Integer()
    process_key = fields.String()
    business_number = fields.String()
    title = fields.String()
    content = fields.String()
    source_type = fields.String()
    priority = fields.String(metadata={"description": "重点 / 一般"})
    source_ref = fields.String()
    responsible_leader = fields.String()
    lead_unit = fields.String()
    lead_unit_name = fields.String()
    co_units = fields.List(fields.String())
    co_unit_names = fields.List(fields.String())
    time_limit_days = fields.Integer(allow_none=True)
    time_limit_unit = fields.String(metadata={"description": "workdays（工作日）/ months（月）"})
    deadline = fields.String(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    deadline_at = fields.DateTime(allow_none=True, metadata={"description": "超期时刻（时限当日结束）"})
    status = fields.String()
    status_label = fields.String()
    progress = fields.String()
    registered_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    remarks = fields.String()
    updated_at = fields.DateTime()
    light = fields.String(allow_none=True)
    light_label = fields.String()
    workdays_left = fields.Integer(allow_none=True, metadata={"description": "剩余工作日；超期为负数"})


class LedgerPageSchema(Schema):
    items = fields.List(fields.Nested(LedgerItemSchema))
    total = fields.Integer(
        metadata={"description": "符合条件的行数；文本搜索（q）只数到 1000 行：超过时为 1000，total_capped 为 true"}
    )
    total_capped = fields.Boolean(
        metadata={"description": "文本搜索匹配超过 1000 行：total 只是下限，用 next_after 翻页可读到全部"}
    )
    page = fields.Integer()
    per_page = fields.Integer()
    next_after = fields.String(
        allow_none=True, metadata={"description": "下一页的翻页位置（作为 after 传入）；最后一页为 null"}
    )


class UnitStatistics(Schema):
    unit = fields.String()
    unit_name = fields.String()
    total = fields.Integer()
    closed = fields.Integer()
    closed_on_time = fields.Integer()
    overdue_open = fields.Integer()
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "按期销号数 ÷ 已销号数"})


class LedgerOverview(Schema):
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_light = fields.Dict(keys=fields.String(), values=fields.Integer())
    units = fields.List(fields.Nested(UnitStatistics))
