"""Schemas of the organisation API: units, editing users, the Excel import."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from service.access.principal import ROLES
from service.access.unit_admin import UNIT_KINDS
from service.access.user_admin import POSITIONS
from service.api.schemas import UnitSchema

KIND = validate.OneOf(UNIT_KINDS)
ORDER = validate.Range(min=0, max=100000)


class ManagedUnitSchema(UnitSchema):
    active = fields.Boolean(metadata={"description": "停用的单位不出现在选择列表中，也不能再交办新事项"})
    sort_order = fields.Integer(metadata={"description": "列表中的次序（小的在前）"})


class UnitEditRequest(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=KIND, metadata={"description": "、".join(UNIT_KINDS)})
    sort_order = fields.Integer(load_default=0, validate=ORDER)


class UnitCreateRequest(UnitEditRequest):
    code = fields.String(required=True, validate=validate.Length(min=2, max=64), metadata={"description": "如 xiayang"})


class UserEditRequest(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    position = fields.String(load_default="", validate=validate.OneOf(["", *POSITIONS]))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=320))
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        load_default=None,
        validate=validate.Length(min=1),
        metadata={"description": "不传则角色和单位不变"},
    )
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "true：只检查不保存（预览）"})


class ImportFile(Schema):
    file = Upload(required=True, metadata={"description": "Excel 工作簿（.xlsx），工作表“单位”和“用户”"})


class ImportProblem(Schema):
    sheet = fields.String()
    row = fields.Integer()
    column = fields.String()
    message = fields.String()


class ImportReport(Schema):
    dry_run = fields.Boolean()
    stored = fields.Boolean(metadata={"description": "是否已保存（有任何错误则全部不保存）"})
    units = fields.List(fields.Dict())
    users = fields.List(fields.Dict())
    errors = fields.List(fields.Nested(ImportProblem))
