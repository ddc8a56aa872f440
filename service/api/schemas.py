"""Marshmallow schemas of the REST API (requests and responses, for validation and OpenAPI)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.http.paging import MAX_PAGE
from service.http.request_limits import INT64_MAX

# Integers a client sends are bounded, so a value no column can hold is a 422 naming the field, not a 500.
ID_RANGE = validate.Range(min=1, max=INT64_MAX)


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_in = fields.Integer()


class HealthResponse(Schema):
    status = fields.String(metadata={"description": "ok"})
    database = fields.String(metadata={"description": "sqlite / postgresql"})


class Pagination(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DefinitionSummary(Schema):
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    sha256 = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.DateTime()
    called_versions = fields.Dict(keys=fields.String(), values=fields.Integer())
    note = fields.String(metadata={"description": "部署时填写的版本说明"})
    startable = fields.Boolean(metadata={"description": "当前用户能否发起该流程（仅列表中返回）"})


class DefinitionDetail(DefinitionSummary):
    bpmn_xml = fields.String()
    forms = fields.Dict()


class DefinitionQuery(Schema):
    version = fields.Integer(validate=ID_RANGE)


class TaskSummary(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    element_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True, metadata={"description": "泳道（角色；牵头单位为督查的牵头单位）"})
    unit_code = fields.String(allow_none=True, metadata={"description": "承办单位/牵头单位任务所属单位"})
    position = fields.String(
        allow_none=True, metadata={"description": "仅本单位担任此职务的人员可办理（如 负责人），空为不限"}
    )
    form_key = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    state = fields.String()
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True, metadata={"description": "转办给的具体人员（空为按单位/角色办理）"})


class OptionSchema(Schema):
    label = fields.String(required=True)
    value = fields.String(required=True)


class TaskDetail(TaskSummary):
    form = fields.Dict(allow_none=True)
    data = fields.Dict()
    options = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(OptionSchema)),
        metadata={
            "description": "表单中 valuesKey 所指的选项表（如 unit_options：单位名称与代码）；"
            "用 form-js 渲染时把它并入 data。提交的是选项的 value"
        },
    )
    defaults = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "系统建议的填写值（表单字段 properties.prefill：today、my_name、my_unit_name、"
            "my_unit_head），仅供预填，提交时与其他输入一样校验"
        },
    )
    form_data = fields.Dict(
        metadata={
            "description": "渲染表单所需的全部数据：把 form 与 form_data 交给 form-js 的 importSchema(form, form_data) "
            "即可，无需其他请求。它是 data 加上 defaults、options 中的各选项表、表单文字引用的单位名称"
            "（如 unit_name、co_units_name）以及调用者自己保存的草稿"
        },
    )


class TaskQuery(Pagination):
    state = fields.String(load_default="ready", validate=validate.OneOf(["ready", "completed", "cancelled"]))
    mine = fields.Boolean(load_default=True)
    instance_id = fields.Integer(validate=ID_RANGE)


class TaskCompleteRequest(Schema):
    data = fields.Dict(required=True)


class InstanceStartRequest(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(load_default=dict)


class InstanceSummary(Schema):
    id = fields.Integer()
    process_key = fields.String()
    definition_version = fields.Integer(attribute="definition.version")
    business_number = fields.String()
    title = fields.String()
    status = fields.String()
    version = fields.Integer()
    next_wake_at = fields.DateTime(allow_none=True)
    error_message = fields.String(allow_none=True)
    started_by = fields.String()
    started_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class InstanceDetail(InstanceSummary):
    data = fields.Dict()
    ready_tasks = fields.List(fields.Nested(TaskSummary))


class InstanceQuery(Pagination):
    process_key = fields.String()
    status = fields.String(
        validate=validate.OneOf(["running", "completed", "error", "suspended", "withdrawn"]),
        metadata={
            "description": "running 运行中 / error 异常 / suspended 已挂起 / withdrawn 已撤回 / completed 已完成"
        },
    )
    business_number = fields.String()


class RetryRequest(Schema):
    reason = fields.String(load_default="", metadata={"description": "重试原因（必填，500 字以内）"})


class HistoryEventSchema(Schema):
    seq = fields.Integer()
    kind = fields.String()
    actor = fields.String()
    at = fields.DateTime()
    payload = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class VerifyResponse(Schema):
    ok = fields.Boolean()
    events = fields.Integer()
    first_bad_seq = fields.Integer(allow_none=True)
    problem = fields.String(
        allow_none=True,
        metadata={"description": "changed_payload / missing_event / missing_newest / reordered / forged_hash"},
    )
    message = fields.String(metadata={"description": "结果（中文）"})
    anchored_head = fields.String(allow_none=True)
    anchored_count = fields.Integer()
    digests_checked = fields.Integer()


class UnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.Method("role_names")
    unit = fields.Method("unit_code")
    unit_name = fields.Method("unit_label")
    position = fields.String()
    active = fields.Boolean()

    def role_names(self, user: object) -> list[str]:
        return [r.name for r in getattr(user, "roles", [])]

    def unit_code(self, user: object) -> str | None:
        unit = getattr(user, "unit", None)
        return unit.code if unit else None

    def unit_label(self, user: object) -> str | None:
        unit = getattr(user, "unit", None)
        return unit.name if unit else None


def page_of(schema: type[Schema]) -> type[Schema]:
    """The OpenAPI schema of a page of `schema` (the envelope of service.http.paging.Pager)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=f"{schema.__name__}Page",
    )
