"""API: 延期申请 (file, list) and 催办 (send, list) of a supervised item."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.deadlines import extensions, reminders
from service.http.caller import current_principal
from service.http.services import current_services
from service.process import instances

blp = Blueprint("extensions", __name__, description="延期申请与催办")


class ExtensionRequest(Schema):
    requested_deadline = fields.String(required=True, metadata={"description": "申请延至（YYYY-MM-DD，工作日）"})
    reason = fields.String(required=True, validate=validate.Length(max=2000), metadata={"description": "延期理由"})


class ExtensionSchema(Schema):
    instance_id = fields.Integer()
    business_number = fields.String()
    unit = fields.String()
    requested_deadline = fields.String()
    reason = fields.String()
    filed_by = fields.String()
    filed_at = fields.DateTime()
    result = fields.String(metadata={"description": "pending / approved / rejected"})
    approved_deadline = fields.String(allow_none=True)


class StartedSchema(Schema):
    id = fields.Integer()
    business_number = fields.String()
    status = fields.String()


class ReminderRequest(Schema):
    message = fields.String(required=True, validate=validate.Length(max=2000), metadata={"description": "催办要求"})
    units = fields.List(fields.String(validate=validate.Length(max=64)), load_default=None, allow_none=True)
    new_deadline = fields.String(
        load_default=None, allow_none=True, metadata={"description": "限期办结日期（可选，YYYY-MM-DD）"}
    )


class ReminderSentSchema(Schema):
    reminder_no = fields.Integer()
    units = fields.List(fields.String())
    message = fields.String()
    original_deadline = fields.String()
    days_overdue = fields.Integer()
    new_deadline = fields.String(allow_none=True)
    attachment_id = fields.Integer()


class ReminderSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    kind = fields.String(metadata={"description": "manual / automatic"})
    label = fields.String()
    details = fields.Dict()


@blp.post("/process-instances/<int:instance_id>/extensions")
@blp.arguments(ExtensionRequest)
@blp.response(201, StartedSchema)
def file_extension(body: dict[str, Any], instance_id: int) -> Any:
    """提出延期申请（牵头单位负责人，须在完成时限前）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return extensions.file(uow, services.ctx, actor, instance_id, **body)


@blp.get("/process-instances/<int:instance_id>/extensions")
@blp.response(200, ExtensionSchema(many=True))
def list_extensions(instance_id: int) -> Any:
    """事项的延期申请及结果"""
    actor = current_principal()
    with current_services().uow() as uow:
        return extensions.list_for_item(uow, actor, instance_id)


@blp.post("/process-instances/<int:instance_id>/reminders")
@blp.arguments(ReminderRequest)
@blp.response(201, ReminderSentSchema)
def send_reminder(body: dict[str, Any], instance_id: int) -> Any:
    """督查室催办：生成催办通知（.docx 附件）、记入办理记录、通知承办单位"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return reminders.send(uow, services.ctx, services.settings, actor, instance_id, **body)


@blp.get("/process-instances/<int:instance_id>/reminders")
@blp.response(200, ReminderSchema(many=True))
def list_reminders(instance_id: int) -> Any:
    """事项的催办记录（人工与自动）"""
    actor = current_principal()
    with current_services().uow() as uow:
        instances.readable(uow, actor, instance_id)
        return reminders.list_for_item(uow, instance_id)
