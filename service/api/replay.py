"""Replaying an instance on its diagram (issue 13 point 1): its history as steps with the state after each."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.http.caller import current_principal
from service.http.services import current_services
from service.process import replay

blp = Blueprint("replay", __name__, description="流程回放（审计）")


class ReplayQuery(Schema):
    offset = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=10_000_000), metadata={"description": "从第几步开始（0 起）"}
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=replay.MAX_LIMIT),
        metadata={"description": "本页步数，至多 200"},
    )


class DataEntry(Schema):
    key = fields.String(metadata={"description": "流程变量名"})
    label = fields.String(metadata={"description": "表单中的字段名称（无表单字段时为系统名称或变量名）"})
    value = fields.Raw(allow_none=True, metadata={"description": "取值；列表只传前 50 项"})
    count = fields.Integer(allow_none=True, metadata={"description": "列表的总项数（非列表为空）"})
    words = fields.String(metadata={"description": "取值的中文表述（选项、单位按名称）"})


class ChangedEntry(DataEntry):
    before = fields.Raw(allow_none=True, metadata={"description": "变化前的取值"})
    before_words = fields.String(metadata={"description": "变化前取值的中文表述"})


class StepChanges(Schema):
    added = fields.List(fields.Nested(DataEntry), metadata={"description": "新增的数据"})
    changed = fields.List(fields.Nested(ChangedEntry), metadata={"description": "改变的数据（含原值）"})
    removed = fields.List(fields.Nested(DataEntry), metadata={"description": "删除的数据（原值）"})


class StepState(Schema):
    status = fields.String(metadata={"description": "此步之后的实例状态"})
    finished = fields.List(fields.String(), metadata={"description": "已完成的流程元素 id"})
    taken = fields.List(fields.String(), metadata={"description": "已走过的顺序流 id"})
    active = fields.List(fields.String(), metadata={"description": "待办中的用户任务元素 id"})
    waiting = fields.List(fields.String(), metadata={"description": "等待中的定时器元素 id"})
    failed = fields.List(fields.String(), metadata={"description": "出错的元素 id"})
    data_complete = fields.Boolean(
        metadata={"description": "数据是否完整；为 false 时实例早期的步骤没有检查点，数据仅由事件所载内容拼出"}
    )
    data = fields.List(
        fields.Nested(DataEntry), allow_none=True, metadata={"description": "此步之后的流程数据；无权查看时为空"}
    )


class StepField(Schema):
    label = fields.String()
    words = fields.String()


class ReplayStep(Schema):
    seq = fields.Integer(metadata={"description": "历史事件序号"})
    kind = fields.String(metadata={"description": "事件类型"})
    kind_word = fields.String(metadata={"description": "事件类型的中文名称"})
    actor = fields.String(metadata={"description": "操作人姓名"})
    at = fields.DateTime(metadata={"description": "时间（ISO 8601，UTC）"})
    hidden = fields.Boolean(metadata={"description": "其他单位的办理情况，本人不可查看其内容"})
    text = fields.String(metadata={"description": "此步的中文说明"})
    unit = fields.String(allow_none=True, metadata={"description": "办理单位代码"})
    fields_ = fields.List(
        fields.Nested(StepField),
        data_key="fields",
        attribute="fields",
        metadata={"description": "提交的内容（表单标签与取值）"},
    )
    return_reason = fields.String(allow_none=True, metadata={"description": "退回理由"})
    elements = fields.List(fields.String(), metadata={"description": "系统流转经过的环节"})
    state = fields.Nested(StepState, metadata={"description": "此步之后的状态"})
    changes = fields.Nested(
        StepChanges, allow_none=True, metadata={"description": "此步（所在操作）改变的数据；同一操作的后续步骤为空"}
    )


class ReplayPage(Schema):
    instance_id = fields.Integer()
    total = fields.Integer(metadata={"description": "步骤总数（不含检查点）"})
    offset = fields.Integer()
    limit = fields.Integer()
    partial_ = fields.Boolean(
        data_key="partial",
        attribute="partial",
        metadata={"description": "本页有数据不完整的步骤（实例早于检查点功能）"},
    )
    steps = fields.List(fields.Nested(ReplayStep))


@blp.get("/process-instances/<int:instance_id>/replay")
@blp.arguments(ReplayQuery, location="query")
@blp.response(200, ReplayPage)
@blp.doc(
    description="按历史逐步回放实例：每一步（历史事件，不含检查点）之后已完成的环节、走过的顺序流、待办任务、"
    "等待中的定时器、状态、流程数据（长列表只传前 50 项）及此步改变的数据（以表单标签表示）。"
    "可读该实例者可用；不可读时 404。"
)
def get_replay(query: dict[str, Any], instance_id: int) -> Any:
    """流程回放（分页）"""
    actor = current_principal()
    with current_services().uow() as uow:
        page = replay.replay(uow, actor, instance_id, query["offset"], query["limit"])
        return {
            "instance_id": page.instance.id,
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "partial": page.partial,
            "steps": page.steps,
        }
