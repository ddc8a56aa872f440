"""重新执行核对 of one process instance (issue 13 point 2): the replay page's button calls it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.http.caller import current_principal
from service.http.services import current_services
from service.reexecution import replay

blp = Blueprint("replay_check", __name__, description="重新执行核对（审计）")


class DivergenceSchema(Schema):
    seq = fields.Integer(metadata={"description": "首个不一致处的历史事件序号"})
    element_id = fields.String(metadata={"description": "该步骤的环节 ID（定时器触发、数据更正等可能为空）"})
    message = fields.String(metadata={"description": "哪些值不一致（中文）"})
    expected = fields.Raw(allow_none=True, metadata={"description": "记录中的值（过长时截断为 JSON 文本）"})
    actual = fields.Raw(allow_none=True, metadata={"description": "重新执行得到的值（过长时截断为 JSON 文本）"})


class ReplayCheckResponse(Schema):
    consistent = fields.Boolean(metadata={"description": "重新执行的结果与记录一致"})
    steps_checked = fields.Integer(metadata={"description": "已重新执行并核对的步骤数"})
    only_final = fields.Boolean(
        metadata={"description": "为真时该实例早于检查点记录，仅核对最终状态（数据与状态），不逐步核对"}
    )
    summary = fields.String(metadata={"description": "结论（中文）：一致，或首个不一致处"})
    divergence = fields.Nested(DivergenceSchema, allow_none=True, metadata={"description": "首个不一致处；一致时为空"})


@blp.post("/process-instances/<int:instance_id>/history/replay-check")
@blp.response(200, ReplayCheckResponse)
@blp.doc(
    description=(
        "按历史记录的输入（发起数据、每次办理的环节与数据、按记录时间触发的定时器、变量更正、转办到单位、"
        "版本迁移、期限调整、重试）在实例当时的流程定义版本上重新执行，每一步后与记录的检查点比较流程数据、"
        "待办环节、等待中的定时器与状态，最后与实例当前的数据和状态比较。引擎状态的摘要无法比较"
        "（引擎任务 ID 随机生成）。只读，不改变任何数据。仅审计人员与系统管理员可用，其他人 403。"
    )
)
def replay_check(instance_id: int) -> Any:
    """重新执行核对"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        result = replay.replay_check(uow, services.ctx, actor, instance_id)
    d = result.divergence
    return {
        "consistent": result.consistent,
        "steps_checked": result.steps_checked,
        "only_final": result.only_final,
        "summary": result.words(),
        "divergence": None if d is None else vars(d),
    }
