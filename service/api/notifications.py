"""API: 通知（站内信）— each user's own list — and the admins' view of the delivery outbox."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.api.schemas import Pagination, page_of
from service.http.caller import current_principal
from service.http.paging import Pager
from service.http.services import current_services
from service.notifications import reading

blp = Blueprint("notifications", __name__, description="通知（站内信）")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


class NotificationQuery(Pagination):
    unread_only = fields.Boolean(load_default=False)


class NotificationPage(page_of(NotificationSchema)):  # type: ignore[misc]
    unread = fields.Integer(metadata={"description": "未读总数"})


class MarkedAll(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class OutboxQuery(Schema):
    status = fields.String(validate=validate.OneOf(reading.OUTBOX_STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class OutboxRowSchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    destination = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    lease_until = fields.DateTime(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class OutboxOverview(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(OutboxRowSchema))


@blp.get("/notifications")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationPage)
def list_notifications(query: dict[str, Any]) -> Any:
    """我的通知（最新在前；unread_only=true 只看未读）"""
    actor = current_principal()
    services = current_services()
    pager = Pager.from_query(query)
    with services.uow() as uow:
        only = query["unread_only"]
        rows, total = reading.listing(uow, actor, unread_only=only, offset=pager.offset, limit=pager.per_page)
        unread = reading.unread_count(uow, actor)
    return {**pager.envelope(rows, total), "unread": unread}


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(200, NotificationSchema)
def mark_read(notification_id: int) -> Any:
    """标为已读（只能是自己的通知）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        found = reading.mark_read(uow, actor, notification_id, services.ctx.now())
    return found


@blp.post("/notifications/read-all")
@blp.response(200, MarkedAll)
def mark_all_read() -> Any:
    """全部标为已读"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        marked = reading.mark_all_read(uow, actor, services.ctx.now())
        unread = reading.unread_count(uow, actor)  # what arrived meanwhile
    return {"marked": marked, "unread": unread}


@blp.get("/outbox")
@blp.arguments(OutboxQuery, location="query")
@blp.response(200, OutboxOverview)
def outbox(query: dict[str, Any]) -> Any:
    """消息投递情况：各状态条数与最近的消息（含最后一次错误）；仅系统管理员"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return reading.outbox_overview(uow, actor, status=query.get("status"), limit=query["limit"])
