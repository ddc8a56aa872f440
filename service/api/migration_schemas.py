"""Schemas of instance migration (issue 12 point 7): dry run, job, results."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class MigrationRequest(Schema):
    from_version = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"description": "源版本号"})
    to_version = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"description": "目标版本号"})
    instance_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        load_default=None,
        validate=validate.Length(max=10000),
        metadata={"description": "只处理这些实例（省略：源版本上所有可迁移的实例）"},
    )


class StartMigration(MigrationRequest):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "迁移原因（记入办理过程和审计日志）"},
    )


class Element(Schema):
    element_id = fields.String(metadata={"description": "元素 ID"})
    name = fields.String(metadata={"description": "元素名称"})
    process_id = fields.String(metadata={"description": "所在流程（子流程）ID"})


class Verdict(Schema):
    instance_id = fields.Integer(metadata={"description": "实例 ID"})
    business_number = fields.String(metadata={"description": "业务编号"})
    title = fields.String(metadata={"description": "标题"})
    status = fields.String(metadata={"description": "实例状态"})
    can_move = fields.Boolean(metadata={"description": "能否迁移"})
    active = fields.List(fields.Nested(Element), metadata={"description": "当前所在环节"})
    missing = fields.List(fields.Nested(Element), metadata={"description": "在目标版本中不存在的环节"})
    changed = fields.List(fields.Nested(Element), metadata={"description": "目标版本中有改动的环节"})
    added = fields.List(fields.Nested(Element), metadata={"description": "目标版本新增的环节"})
    removed = fields.List(fields.Nested(Element), metadata={"description": "目标版本删除的环节"})
    reasons = fields.List(fields.String(), metadata={"description": "不能迁移的原因（中文）"})


class DryRunResult(Schema):
    process_key = fields.String(metadata={"description": "流程标识"})
    from_version = fields.Integer(metadata={"description": "源版本号"})
    to_version = fields.Integer(metadata={"description": "目标版本号"})
    total = fields.Integer(metadata={"description": "实例数"})
    movable = fields.Integer(metadata={"description": "可迁移的实例数"})
    instances = fields.List(fields.Nested(Verdict), metadata={"description": "逐个实例的判断"})


class JobResult(Schema):
    instance_id = fields.Integer(metadata={"description": "实例 ID"})
    business_number = fields.String(metadata={"description": "业务编号"})
    title = fields.String(metadata={"description": "标题"})
    status = fields.String(metadata={"description": "pending 待处理 / moved 已迁移 / refused 未迁移"})
    reasons = fields.List(fields.String(), metadata={"description": "未迁移的原因"})
    finished_at = fields.DateTime(allow_none=True, metadata={"description": "处理时间"})


class Job(Schema):
    id = fields.Integer(metadata={"description": "迁移任务 ID"})
    process_key = fields.String(metadata={"description": "流程标识"})
    from_version = fields.Integer(metadata={"description": "源版本号"})
    to_version = fields.Integer(metadata={"description": "目标版本号"})
    status = fields.String(metadata={"description": "queued 排队中 / running 进行中 / done 已完成"})
    total = fields.Integer(metadata={"description": "实例总数"})
    done = fields.Integer(metadata={"description": "已处理数"})
    moved = fields.Integer(metadata={"description": "已迁移数"})
    refused = fields.Integer(metadata={"description": "未迁移数"})
    reason = fields.String(metadata={"description": "迁移原因"})
    created_by = fields.String(metadata={"description": "发起人"})
    created_at = fields.DateTime(metadata={"description": "发起时间"})
    started_at = fields.DateTime(allow_none=True, metadata={"description": "开始时间"})
    finished_at = fields.DateTime(allow_none=True, metadata={"description": "完成时间"})
    results = fields.List(fields.Nested(JobResult), metadata={"description": "逐个实例的结果"})


class JobCreated(Schema):
    id = fields.Integer(metadata={"description": "迁移任务 ID"})
    status = fields.String(metadata={"description": "queued：已排队，由后台任务执行"})
    total = fields.Integer(metadata={"description": "实例总数"})
