"""Task drafts ("保存草稿"): a form saved but not submitted, per task and user. Not validated — submit does that."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from service.access.principal import Principal
from service.db.models import HumanTask, TaskDraft
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound

MAX_DRAFT_BYTES = 256 * 1024


def _task(uow: UnitOfWork, actor: Principal, task_id: str) -> HumanTask:
    task = uow.tasks.get(task_id)
    if task is None or not actor.may_see(task):
        raise NotFound(f"任务 {task_id} 不存在")
    return task


def save(uow: UnitOfWork, actor: Principal, task_id: str, data: dict[str, Any], now: datetime) -> TaskDraft:
    """Create or overwrite the actor's draft of a ready task they may act on."""
    task = _task(uow, actor, task_id)
    if not actor.may_act_on(task):
        raise Forbidden("您无权办理此任务")
    if not isinstance(data, dict):
        raise InvalidInput("data 必须是对象", {"errors": {"data": ["必须是对象"]}})
    try:
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError):
        raise InvalidInput("草稿内容不是有效的 JSON", {"errors": {"data": ["不是有效的 JSON"]}}) from None
    if size > MAX_DRAFT_BYTES:
        raise InvalidInput("草稿过大（上限 256 KB）", {"errors": {"data": ["草稿过大"]}, "max_bytes": MAX_DRAFT_BYTES})
    uow.instances.lock(task.instance_id)  # serialized with completing the task, which removes its drafts
    uow.reread(task)
    if task.state != "ready":
        raise Conflict("该任务已办理或已取消，不能保存草稿", {"state": task.state})
    draft = uow.drafts.get(task.id, actor.username)
    if draft is None:
        draft = TaskDraft(task_id=task.id, username=actor.username, data=data, saved_at=now)
        uow.drafts.add(draft)
    else:
        draft.data, draft.saved_at = data, now
    uow.commit()
    return draft


def load(uow: UnitOfWork, actor: Principal, task_id: str) -> TaskDraft | None:
    """The actor's draft of the task; None when there is none or the task is no longer ready."""
    task = _task(uow, actor, task_id)
    if task.state != "ready":
        return None
    return uow.drafts.get(task.id, actor.username)


def discard(uow: UnitOfWork, actor: Principal, task_id: str) -> None:
    """Remove the actor's draft of the task, if any."""
    task = _task(uow, actor, task_id)
    uow.drafts.remove(task.id, actor.username)
    uow.commit()
