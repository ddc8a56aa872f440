"""Listing, reading and completing human tasks — with every permission check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service import history, progress
from service.context import ServiceContext
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.form_validation import FormValidationError, validate_submission
from service.principal import UNIT_LANE, Principal


def search(
    uow: UnitOfWork,
    actor: Principal,
    *,
    mine: bool = True,
    state: str = "ready",
    instance_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[HumanTask], int]:
    """By default what the caller may act on. The office, auditors and admins may list all (mine=False)."""
    if mine or not actor.sees_everything:
        return uow.tasks.search(
            state=state,
            lanes=actor.acting_lanes(),
            unit_lane=UNIT_LANE,
            unit_code=actor.unit_code if UNIT_LANE in actor.roles else None,
            instance_id=instance_id,
            offset=offset,
            limit=limit,
        )
    return uow.tasks.search(state=state, instance_id=instance_id, offset=offset, limit=limit)


def _visible(actor: Principal, task: HumanTask) -> bool:
    return actor.sees_everything or actor.may_act_on(task) or task.completed_by == actor.username


def get(uow: UnitOfWork, actor: Principal, task_id: str) -> tuple[HumanTask, dict[str, Any] | None]:
    task = uow.tasks.get(task_id)
    if task is None or not _visible(actor, task):
        raise NotFound(f"任务 {task_id} 不存在")
    instance = uow.instances.get(task.instance_id)
    assert instance is not None
    form = instance.definition.forms.get(task.form_key or "")
    return task, form


def complete(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, task_id: str, data: Mapping[str, Any]
) -> tuple[HumanTask, ProcessInstance]:
    task = uow.tasks.get(task_id)
    if task is None or not _visible(actor, task):
        raise NotFound(f"任务 {task_id} 不存在")
    if not actor.may_act_on(task):
        raise Forbidden("您无权办理此任务")
    instance = uow.instances.lock(task.instance_id)
    assert instance is not None
    uow.session.refresh(task)  # read again now that we hold the instance: another request may have won
    if task.state != "ready":
        raise Conflict("该任务已办理或已取消，不能再次提交", {"state": task.state})
    if instance.status != "running":
        raise Conflict("流程实例当前不可办理（已结束或出错）", {"status": instance.status})
    if not isinstance(data, Mapping):
        raise InvalidInput("data 必须是对象", {"errors": {"data": ["必须是对象"]}})
    form = instance.definition.forms.get(task.form_key or "")
    try:
        cleaned = validate_submission(form, data) if form is not None else dict(data)
    except FormValidationError as exc:
        raise InvalidInput("表单填写有误，请按提示修改", {"errors": exc.errors}) from None
    now = ctx.now()
    expected = instance.version
    workflow = ctx.load_workflow(uow, instance)
    try:
        record = ctx.engine.complete(workflow, task_id, cleaned, lambda: now)
    except LookupError:
        raise Conflict("该任务已不在待办状态") from None
    history.append(
        uow,
        instance.id,
        "task_completed",
        actor.username,
        now,
        {
            "task_id": task.id,
            "element_id": task.element_id,
            "name": task.name,
            "lane": task.lane,
            "unit": task.unit_code,
            "data": cleaned,
        },
    )
    task.state, task.completed_at, task.completed_by = "completed", now, actor.username
    uow.drafts.remove_for_task(task.id)  # drafts are done with once the form is submitted
    progress.persist(uow, ctx, instance, workflow, record, actor.username, now, expected)
    uow.commit()
    return task, instance
