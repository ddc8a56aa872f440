"""Schemas of the instance operations (流程操作): every body carries the reason (原因) for the record."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas import TaskSummary

REASON = {"description": "操作原因（必填，500 字以内），记入办理过程和审计日志"}


class OperationRequest(Schema):
    reason = fields.String(load_default="", metadata=REASON)


class ReassignRequest(OperationRequest):
    unit = fields.String(
        load_default=None, allow_none=True, metadata={"description": "转给的单位代码（与 username 二选一）"}
    )
    username = fields.String(
        load_default=None, allow_none=True, metadata={"description": "转给的人员用户名（与 unit 二选一）"}
    )


class VariableRequest(OperationRequest):
    name = fields.String(required=True, validate=validate.Length(max=100), metadata={"description": "顶层流程变量名"})
    value = fields.Raw(required=True, allow_none=True, metadata={"description": "新值（任意 JSON 值，64 KB 以内）"})


class ReassignedTask(TaskSummary):
    assignee = fields.String(allow_none=True, metadata={"description": "转办给的具体人员（空为按单位/角色办理）"})


class AvailableOperations(Schema):
    instance_id = fields.Integer(metadata={"description": "流程实例编号"})
    status = fields.String(
        metadata={
            "description": "实例状态：running 运行中 / error 异常 / suspended 已挂起 / "
            "withdrawn 已撤回 / completed 已完成"
        }
    )
    operations = fields.List(
        fields.String(),
        metadata={
            "description": "当前用户现在可做的操作：suspend 挂起、resume 恢复、withdraw 撤回、retry 重试、"
            "reassign 转办、variables 更正流程变量"
        },
    )
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "各操作的中文名称"})
    tasks = fields.List(fields.Nested(ReassignedTask), metadata={"description": "可转办的当前任务"})
