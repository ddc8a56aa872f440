"""Task drafts ("保存草稿"): the signed-in user's unsent form data for a ready task."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.errors import NotFound
from service.http.caller import current_principal
from service.http.services import current_services
from service.process import drafts

blp = Blueprint("drafts", __name__, description="表单草稿")


class DraftRequest(Schema):
    data = fields.Dict(required=True)


class DraftSchema(Schema):
    data = fields.Dict()
    saved_at = fields.DateTime()


@blp.get("/tasks/<string:task_id>/draft")
@blp.response(200, DraftSchema)
def load(task_id: str) -> Any:
    """当前用户对该任务保存的草稿（没有草稿时 404）"""
    actor = current_principal()
    with current_services().uow() as uow:
        draft = drafts.load(uow, actor, task_id)
        if draft is None:
            raise NotFound("没有保存的草稿")
        return draft


@blp.put("/tasks/<string:task_id>/draft")
@blp.arguments(DraftRequest)
@blp.response(200, DraftSchema)
def save(body: dict[str, Any], task_id: str) -> Any:
    """保存（覆盖）草稿；草稿不校验，提交时才校验"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return drafts.save(uow, actor, task_id, body["data"], services.ctx.now())


@blp.delete("/tasks/<string:task_id>/draft")
@blp.response(204)
def discard(task_id: str) -> None:
    """删除草稿（没有草稿也返回 204）"""
    actor = current_principal()
    with current_services().uow() as uow:
        drafts.discard(uow, actor, task_id)
