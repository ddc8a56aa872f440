"""Schemas of the access API: changing one's password, the security administrator's user management,
the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.access import audit_log
from service.access.password_policy import MAX_LENGTH
from service.access.principal import ROLES
from service.api.schemas import Pagination, UserSchema

PASSWORD = validate.Length(min=1, max=MAX_LENGTH)


class PasswordChangeRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    current_password = fields.String(required=True, validate=PASSWORD, load_only=True)
    new_password = fields.String(
        required=True,
        validate=PASSWORD,
        load_only=True,
        metadata={"description": "≥ 10 个字符，小写字母、大写字母、数字、符号中至少三类，不含用户名，不是演示密码"},
    )


class ManagedUserSchema(UserSchema):
    email = fields.String(allow_none=True)
    must_change_password = fields.Boolean(metadata={"description": "下次登录须先修改密码"})
    locked_until = fields.DateTime(allow_none=True, metadata={"description": "登录失败过多，锁定到此时"})


class UserCreateRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=PASSWORD, load_only=True, metadata={"description": "初始密码"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    position = fields.String(load_default="", validate=validate.Length(max=32))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=320))


class PasswordResetRequest(Schema):
    password = fields.String(required=True, validate=PASSWORD, load_only=True, metadata={"description": "临时密码"})


class RolesRequest(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class AuditQuery(Pagination):
    action = fields.String(validate=validate.OneOf(list(audit_log.ACTIONS)))
    actor = fields.String(validate=validate.Length(max=64))
    target = fields.String(validate=validate.Length(max=200))
    day_from = fields.Date(metadata={"description": "起始日（含），Asia/Shanghai"})
    day_to = fields.Date(metadata={"description": "截止日（含），Asia/Shanghai"})


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    action_label = fields.Method("label")
    target = fields.String()
    details = fields.Dict()
    ip = fields.String()

    def label(self, entry: object) -> str:
        return audit_log.ACTIONS.get(str(getattr(entry, "action", "")), "")
