"""Process instances: start, list, read, history, verify, retry."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint

from service import operations
from service.api.schemas import (
    HistoryEventSchema,
    InstanceDetail,
    InstanceQuery,
    InstanceStartRequest,
    InstanceSummary,
    RetryRequest,
    VerifyResponse,
    page_of,
)
from service.http.caller import current_principal
from service.http.paging import paginate
from service.http.services import current_services
from service.process import instances

blp = Blueprint("instances", __name__, description="流程实例")


def _detail(instance: Any, ready: Any) -> dict[str, Any]:
    # Read every value while the unit of work is open; the response schema dumps them afterwards.
    raw = {name: getattr(instance, name) for name in InstanceSummary().fields if name != "definition_version"}
    return {**raw, "definition": instance.definition, "data": instance.data, "ready_tasks": list(ready)}


@blp.post("/process-instances")
@blp.arguments(InstanceStartRequest)
@blp.response(201, InstanceDetail)
@blp.doc(description="返回新实例（含当前待办）")
def start(body: dict[str, Any]) -> Any:
    """发起流程实例"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        instance = instances.start(uow, services.ctx, actor, body["process_key"], body["data"])
        found, ready = instances.get(uow, actor, instance.id)
        return _detail(found, ready)


@blp.get("/process-instances")
@blp.arguments(InstanceQuery, location="query")
@blp.response(200, page_of(InstanceSummary))
def search(query: dict[str, Any]) -> Any:
    """流程实例列表（可筛选、分页）"""
    actor = current_principal()
    with current_services().uow() as uow:
        return paginate(query, partial(instances.search, uow, actor))


@blp.get("/process-instances/<int:instance_id>")
@blp.response(200, InstanceDetail)
def get(instance_id: int) -> Any:
    """流程实例状态、数据与当前待办"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return _detail(*instances.view(uow, actor, instance_id, services.ctx.now()))


@blp.get("/process-instances/<int:instance_id>/history")
@blp.response(200, HistoryEventSchema(many=True))
def get_history(instance_id: int) -> Any:
    """流程实例的全部历史事件（按序号）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return instances.history_of(uow, actor, instance_id, services.ctx.now())


@blp.get("/process-instances/<int:instance_id>/history/verify")
@blp.response(200, VerifyResponse)
def verify_history(instance_id: int) -> Any:
    """校验历史链未被篡改"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return instances.verify_history(uow, actor, instance_id, services.ctx.now())


@blp.post("/process-instances/<int:instance_id>/retry")
@blp.arguments(RetryRequest)
@blp.response(200, InstanceSummary)
@blp.doc(description="修正原因后从出错处重新执行；再次出错则保持异常并记录新的错误。原因为空时 422。")
def retry(body: dict[str, Any], instance_id: int) -> Any:
    """重试出错的步骤（仅系统管理员）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        instance = operations.retry(uow, services.ctx, actor, instance_id, body["reason"])
        found = uow.instances.get(instance.id)  # read back what was saved (saving expired it)
        return _detail(found, [])  # dumped once, by the response schema
