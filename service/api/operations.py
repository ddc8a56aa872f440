"""Instance operations (流程操作): suspend, resume, withdraw, retry, reassign a task, correct a variable.
Thin: parse, call service.operations (which checks who may), dump."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service import operations
from service.api.operations_schemas import (
    AvailableOperations,
    OperationRequest,
    ReassignedTask,
    ReassignRequest,
    VariableRequest,
)
from service.api.schemas import InstanceSummary
from service.http.caller import current_principal
from service.http.services import current_services

blp = Blueprint("operations", __name__, description="流程操作（挂起、恢复、撤回、重试、转办、更正变量）")

_WHO = "系统管理员可做全部操作；督查室可撤回、转办其督查事项；其他用户 403。原因为空时 422。"


def _summary(instance_id: int) -> dict[str, Any]:
    with current_services().uow() as uow:
        found = uow.instances.get(instance_id)  # read back what was saved (saving expired it)
        assert found is not None
        return {name: getattr(found, name) for name in InstanceSummary().fields if name != "definition_version"} | {
            "definition": found.definition
        }


def _instance_operation(name: str, summary: str, description: str) -> None:
    use_case = getattr(operations, name)

    def handler(body: dict[str, Any], instance_id: int) -> Any:
        services = current_services()
        with services.uow() as uow:
            use_case(uow, services.ctx, current_principal(), instance_id, body["reason"])
        return _summary(instance_id)

    handler.__name__ = name
    handler.__doc__ = summary
    route = blp.post(f"/process-instances/<int:instance_id>/{name}")
    route(
        blp.arguments(OperationRequest)(
            blp.response(200, InstanceSummary)(blp.doc(description=f"{description} {_WHO}")(handler))
        )
    )


_instance_operation("suspend", "挂起流程实例", "挂起后任务不能办理（409），定时器不触发，直到恢复。")
_instance_operation("resume", "恢复挂起的流程实例", "恢复后，挂起期间到期的定时器在下一轮触发。")
_instance_operation("withdraw", "撤回（终止）流程实例", "当前任务离开所有待办，台账显示已撤回；撤回后不能恢复。")


@blp.post("/process-instances/<int:instance_id>/variables")
@blp.arguments(VariableRequest)
@blp.response(200, InstanceSummary)
@blp.doc(description="把一个顶层流程变量设为新的 JSON 值（仅系统管理员），记录修改前后的值。")
def correct_variable(body: dict[str, Any], instance_id: int) -> Any:
    """更正流程变量"""
    services = current_services()
    with services.uow() as uow:
        operations.correct_variable(
            uow, services.ctx, current_principal(), instance_id, body["reason"], body["name"], body["value"]
        )
    return _summary(instance_id)


@blp.get("/process-instances/<int:instance_id>/operations")
@blp.response(200, AvailableOperations)
def available(instance_id: int) -> Any:
    """当前用户现在可对该实例做的操作（供页面显示）"""
    with current_services().uow() as uow:
        found = operations.available(uow, current_principal(), instance_id)
        return {
            "instance_id": found.instance_id,
            "status": found.status,
            "operations": found.operations,
            "labels": found.labels,
            "tasks": [_task(t) for t in found.tasks],
        }


def _task(task: Any) -> dict[str, Any]:
    return {name: getattr(task, name) for name in ReassignedTask().fields}


@blp.post("/tasks/<task_id>/reassign")
@blp.arguments(ReassignRequest)
@blp.response(200, ReassignedTask)
@blp.doc(description=f"把待办任务转给其他单位（承办单位/牵头单位任务）或具体人员；新办理人收到新待办通知。{_WHO}")
def reassign(body: dict[str, Any], task_id: str) -> Any:
    """转办任务"""
    services = current_services()
    with services.uow() as uow:
        task = operations.reassign(
            uow,
            services.ctx,
            current_principal(),
            task_id,
            body["reason"],
            unit=body.get("unit"),
            username=body.get("username"),
        )
        return _task(uow.tasks.get(task.id))
