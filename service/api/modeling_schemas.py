"""Schemas of process administration: working copies, problems, versions, the difference of two."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas import DefinitionSummary
from service.engine.expressions import KINDS, MAX_LENGTH

MAX_BPMN = 4 * 1024 * 1024  # characters; a county's largest diagram is ~200 KB


class ProblemSchema(Schema):
    message = fields.String(metadata={"description": "中文说明"})
    severity = fields.String(metadata={"description": "error（阻止部署）或 warning"})
    file = fields.String()
    element_id = fields.String(metadata={"description": "所属元素 id（空：整个文件）"})
    line = fields.Integer(allow_none=True)
    field = fields.String(metadata={"description": "属性面板中的字段：formKey、lane、due、script、condition、timer…"})
    engine_text = fields.String(metadata={"description": "引擎的原文（英文），供专业人员参考"})


class DefinitionDraftSchema(Schema):
    key = fields.String()
    bpmn_xml = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    base_version = fields.Integer(allow_none=True, metadata={"description": "草稿基于的版本（新流程为空）"})
    updated_by = fields.String()
    updated_at = fields.DateTime(allow_none=True)
    saved = fields.Boolean(metadata={"description": "false：尚未保存草稿，内容为最新版本"})
    problems = fields.List(fields.Nested(ProblemSchema))


class DraftSaveRequest(Schema):
    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BPMN))
    forms = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=100)),
        values=fields.Dict(),
        metadata={"description": "全部表单（可选）"},
    )


class FormSaveRequest(Schema):
    schema = fields.Dict(required=True, metadata={"description": "form-js 表单定义"})


class ImportRequest(Schema):
    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BPMN))
    filename = fields.String(load_default="import.bpmn", validate=validate.Length(max=200))
    replace = fields.Boolean(load_default=False, metadata={"description": "已有草稿时替换它"})


class ValidateRequest(DraftSaveRequest):
    pass


class ValidationReport(Schema):
    valid = fields.Boolean(metadata={"description": "没有 error 级问题"})
    problems = fields.List(fields.Nested(ProblemSchema))


class ExpressionRequest(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    text = fields.String(required=True, validate=validate.Length(max=MAX_LENGTH))


class ExpressionVerdict(Schema):
    ok = fields.Boolean()
    message = fields.String()
    line = fields.Integer(allow_none=True)


class DeployDraftRequest(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))
    confirm_unrelated = fields.Boolean(load_default=False)


class DefinitionDraftSummarySchema(Schema):
    key = fields.String()
    base_version = fields.Integer(allow_none=True)
    updated_by = fields.String()
    updated_at = fields.DateTime()


class FormUse(Schema):
    key = fields.String()
    version = fields.Integer()


class FormEntry(Schema):
    key = fields.String()
    title = fields.String()
    processes = fields.List(fields.Nested(FormUse))


class InstanceCounts(Schema):
    running = fields.Integer()
    completed = fields.Integer()
    error = fields.Integer()
    suspended = fields.Integer()
    withdrawn = fields.Integer()


class VersionRowSchema(Schema):
    version = fields.Integer(attribute="definition.version")
    name = fields.String(attribute="definition.name")
    deployed_by = fields.String(attribute="definition.deployed_by")
    deployed_at = fields.DateTime(attribute="definition.deployed_at")
    note = fields.String(attribute="definition.note")
    sha256 = fields.String(attribute="definition.sha256")
    forms = fields.Function(lambda row: sorted(row.definition.forms or {}), metadata={"type": "array"})
    instances = fields.Nested(InstanceCounts)


class VersionDetail(DefinitionSummary):
    bpmn_xml = fields.String()
    forms = fields.Dict()


class DiffQuery(Schema):
    from_version = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=2**31 - 1))
    to_version = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1, max=2**31 - 1))


class ElementRef(Schema):
    id = fields.String()
    name = fields.String()
    type = fields.String()


class ElementChange(ElementRef):
    changes = fields.List(fields.String())


class ElementDiff(Schema):
    added = fields.List(fields.Nested(ElementRef))
    removed = fields.List(fields.Nested(ElementRef))
    changed = fields.List(fields.Nested(ElementChange))


class FormChange(Schema):
    key = fields.String()
    fields_added = fields.List(fields.String())
    fields_removed = fields.List(fields.String())
    fields_changed = fields.List(fields.String())


class FormDiff(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Nested(FormChange))


class DiffSchema(Schema):
    from_version = fields.Integer()
    to_version = fields.Integer()
    elements = fields.Nested(ElementDiff)
    forms = fields.Nested(FormDiff)
