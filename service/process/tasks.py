"""Listing, reading and completing human tasks — with every permission check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from service import workdays
from service.access.principal import Principal
from service.db.models import HumanTask, ProcessInstance, TaskDraft
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessError
from service.form_validation import FormValidationError, validate_submission
from service.process import form_rules, history, option_lists, progress
from service.process.context import ServiceContext


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
            acting=actor.acting(),
            instance_id=instance_id,
            offset=offset,
            limit=limit,
        )
    return uow.tasks.search(state=state, instance_id=instance_id, offset=offset, limit=limit)


def get(uow: UnitOfWork, actor: Principal, task_id: str) -> tuple[HumanTask, dict[str, Any] | None]:
    task = uow.tasks.get(task_id)
    if task is None or not actor.may_see(task):
        raise NotFound(f"任务 {task_id} 不存在")
    instance = uow.instances.get(task.instance_id)
    assert instance is not None
    form = instance.definition.forms.get(task.form_key or "")
    return task, form


_NOT_RUNNING = {
    "suspended": "流程实例已挂起，恢复后才能办理",
    "withdrawn": "流程实例已撤回，不能再办理",
}
MAX_ATTEMPTS = 5  # another command on the same instance saved first: compute again from its state


def complete(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, task_id: str, data: Mapping[str, Any]
) -> tuple[HumanTask, ProcessInstance]:
    """Authorize → read → validate → engine (outside any transaction) → write with the version check.

    The engine runs in an engine process while no transaction is open, so a slow or hostile script
    holds no lock; if another command saved the instance meanwhile, the completion is computed again
    from the new state (two units reporting on one item at once both succeed)."""
    for _ in range(MAX_ATTEMPTS):
        uow.begin_read(brief=True)
        task, instance, cleaned = _checked(uow, ctx, actor, task_id, data)
        expected, instance_id, now = instance.version, instance.id, ctx.now()
        files, request = ctx.engine_command(uow, instance, op="complete", now=now, data=cleaned, task_id=task_id)
        uow.end_read()
        outcome = ctx.run_engine(files, request)
        if outcome.task_not_ready:
            raise Conflict("该任务已不在待办状态")
        uow.begin_write()
        locked, current = uow.instances.lock(instance_id, with_ledger=True), uow.tasks.get(task_id)
        assert locked is not None and current is not None
        instance, task = locked, current
        if instance.version != expected:  # (with it, the 台账 row the lock brought, maybe older: see lock)
            continue  # someone else saved this instance first: run the completion on their state
        if task.state != "ready":
            raise Conflict("该任务已办理或已取消，不能再次提交", {"state": task.state})
        if outcome.state is None:  # the engine process could not finish: the task stays, as typed
            _keep_as_draft(uow, actor, task, cleaned, now)
            progress.persist(uow, ctx, instance, outcome, actor.username, now, expected)
            uow.commit()
            error = outcome.record.error
            raise ProcessError(
                f"{error.message if error else '流程执行失败'}。填写的内容已保存为草稿，流程已转为异常，待管理员处理",
                {"element_id": error.element_id if error else "", "status": "error"},
            )
        progress.persist(
            uow,
            ctx,
            instance,
            outcome,
            actor.username,
            now,
            expected,
            completed_task=task,
            submitted=cleaned,
            first=partial(_record, uow, actor, task, cleaned, now, outcome.completed_task_data),
        )
        uow.commit()
        return task, instance
    raise Conflict("该流程实例正被频繁修改，请稍后重试")


def complete_waiting(
    uow: UnitOfWork,
    ctx: ServiceContext,
    instance: ProcessInstance,
    element_id: str,
    data: dict[str, Any],
    actor: Principal,
) -> bool:
    """The service completes a task of a lane nobody acts on (e.g. 整改事项办理中, once every rectification item
    is concluded), inside the caller's transaction; the caller holds the instance lock and commits.
    False when no such task is ready (already completed, or the instance is elsewhere)."""
    if instance.status != "running":
        return False
    task = next((t for t in uow.tasks.ready_for_instance(instance.id) if t.element_id == element_id), None)
    if task is None:
        return False
    expected, now = instance.version, ctx.now()
    files, request = ctx.engine_command(uow, instance, op="complete", now=now, data=data, task_id=task.id)
    outcome = ctx.run_engine(files, request)
    if outcome.task_not_ready:
        return False
    first = (
        partial(_record, uow, actor, task, data, now, outcome.completed_task_data)
        if outcome.state is not None
        else None
    )
    progress.persist(uow, ctx, instance, outcome, actor.username, now, expected, completed_task=task, first=first)
    return True


def _checked(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, task_id: str, data: Mapping[str, Any]
) -> tuple[HumanTask, ProcessInstance, dict[str, Any]]:
    task = uow.tasks.get(task_id)
    if task is None or not actor.may_see(task):
        raise NotFound(f"任务 {task_id} 不存在")
    if not actor.may_act_on(task):
        raise Forbidden("您无权办理此任务")
    instance = uow.instances.for_command(task.instance_id)
    assert instance is not None
    if task.state != "ready":
        raise Conflict("该任务已办理或已取消，不能再次提交", {"state": task.state})
    if instance.status != "running":
        raise Conflict(
            _NOT_RUNNING.get(instance.status, "流程实例当前不可办理（已结束或出错）"), {"status": instance.status}
        )
    if not isinstance(data, Mapping):
        raise InvalidInput("data 必须是对象", {"errors": {"data": ["必须是对象"]}})
    form = ctx.forms_of(uow, instance.definition_id).get(task.form_key or "")
    try:
        cleaned = validate_submission(form, data, task.data) if form is not None else dict(data)
    except FormValidationError as exc:
        raise InvalidInput("表单填写有误，请按提示修改", {"errors": exc.errors}) from None
    today = workdays.as_date(ctx.now())
    errors = {**option_lists.unit_errors(uow, form, cleaned), **form_rules.rule_errors(form, cleaned, today)}
    if errors:
        raise InvalidInput("表单填写有误，请按提示修改", {"errors": errors})
    return task, instance, cleaned


def _keep_as_draft(uow: UnitOfWork, actor: Principal, task: HumanTask, cleaned: dict[str, Any], now: Any) -> None:
    draft = uow.drafts.get(task.id, actor.username)
    if draft is None:
        uow.drafts.add(TaskDraft(task_id=task.id, username=actor.username, data=cleaned, saved_at=now))
    else:
        draft.data, draft.saved_at = cleaned, now


def _record(
    uow: UnitOfWork, actor: Principal, task: HumanTask, cleaned: dict[str, Any], now: Any, task_data: str | None
) -> None:
    """The completion's history event; `task_data` (the digest of the task's data the engine completed) tells
    a re-execution which of several ready tasks of one element it was (two 督查组 of a campaign)."""
    history.append(
        uow,
        task.instance_id,
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
            **({"task_data": task_data} if task_data else {}),
        },
    )
    task.state, task.completed_at, task.completed_by = "completed", now, actor.username
    uow.drafts.remove_for_task(task.id)  # drafts are done with once the form is submitted
