"""Human tasks: list, read with form, complete."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint

from service.api.schemas import TaskCompleteRequest, TaskDetail, TaskQuery, TaskSummary, page_of
from service.http.caller import current_principal
from service.http.paging import paginate
from service.http.services import current_services
from service.process import form_data, form_prefill, option_lists, tasks

blp = Blueprint("tasks", __name__, description="待办任务")


@blp.get("/tasks")
@blp.arguments(TaskQuery, location="query")
@blp.response(200, page_of(TaskSummary))
def search(query: dict[str, Any]) -> Any:
    """默认：当前用户可以办理的任务"""
    actor = current_principal()
    with current_services().uow() as uow:
        return paginate(query, partial(tasks.search, uow, actor))


@blp.get("/tasks/<string:task_id>")
@blp.response(200, TaskDetail)
def get(task_id: str) -> Any:
    """任务详情、表单与当前数据"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        task, form = tasks.get(uow, actor, task_id)
        raw = {name: getattr(task, name) for name in TaskSummary().fields}
        options = option_lists.all_options(uow, form)
        defaults = form_prefill.defaults(uow, actor, form, task.data, services.ctx.now())
        rendered, _ = form_data.for_task(uow, actor, task, form, services.ctx.now())
        return {**raw, "form": form, "data": task.data, "options": options, "defaults": defaults, "form_data": rendered}


@blp.post("/tasks/<string:task_id>/complete")
@blp.arguments(TaskCompleteRequest)
@blp.response(200, TaskSummary)
def complete(body: dict[str, Any], task_id: str) -> Any:
    """提交表单，完成任务"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        task, _ = tasks.complete(uow, services.ctx, actor, task_id, body["data"])
        return task
