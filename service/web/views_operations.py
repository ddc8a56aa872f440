"""流程操作 on the item page (suspend, resume, withdraw, reassign, correct a variable; retry is in
views_items) and the administrator's list of instances. Each posts to a use case of service.operations,
which checks who may; a refused form comes back with its messages next to its fields."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.errors import InvalidInput
from service.http.field_errors import field_errors
from service.http.paging import Pager
from service.i18n import gettext
from service.operations import use_cases as operations
from service.process import definitions
from service.web import bp
from service.web.pages import page, services
from service.web.views_items import render_item

DONE = {
    operations.SUSPEND: "已挂起：恢复前任务不能办理，定时提醒暂停",
    operations.RESUME: "已恢复运行",
    operations.WITHDRAW: "已撤回：其待办已从所有人的待办中移除",
}


def _refused(principal: Principal, instance_id: int, operation: str, exc: InvalidInput) -> ResponseReturnValue:
    flash(gettext(exc.message), "error")
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    extra = {"op_errors": {operation: field_errors(exc)}, "op_values": {operation: values}}
    return render_item(principal, instance_id, **extra), 422


@bp.post("/items/<int:instance_id>/operations/<any(suspend, resume, withdraw):operation>")
@page
def operate(principal: Principal, instance_id: int, operation: str) -> ResponseReturnValue:
    """挂起 / 恢复 / 撤回 from the item page, with a reason."""
    app = services()
    use_case = {
        operations.SUSPEND: operations.suspend,
        operations.RESUME: operations.resume,
        operations.WITHDRAW: operations.withdraw,
    }[operation]
    try:
        with app.uow() as uow:
            use_case(uow, app.ctx, principal, instance_id, request.form.get("reason", ""))
    except InvalidInput as exc:
        return _refused(principal, instance_id, operation, exc)
    flash(gettext(DONE[operation]), "info")
    return redirect(url_for("web.item", instance_id=instance_id))


@bp.post("/items/<int:instance_id>/reassign")
@page
def reassign_task(principal: Principal, instance_id: int) -> ResponseReturnValue:
    """转办 one of the item's ready tasks to another unit or a named person."""
    app = services()
    form = request.form
    target = form.get("target", "unit")
    unit = form.get("unit", "") if target == "unit" else ""
    username = form.get("username", "") if target == "person" else ""
    try:
        with app.uow() as uow:
            operations.reassign(
                uow, app.ctx, principal, form.get("task_id", ""), form.get("reason", ""), unit=unit, username=username
            )
    except InvalidInput as exc:
        return _refused(principal, instance_id, operations.REASSIGN, exc)
    flash(gettext("已转办，新的办理人已收到待办通知"), "info")
    return redirect(url_for("web.item", instance_id=instance_id))


@bp.post("/items/<int:instance_id>/variables")
@page
def correct_variable(principal: Principal, instance_id: int) -> ResponseReturnValue:
    """更正流程变量: the value is typed as JSON (a text in quotes, a number, true/false, a list, an object)."""
    app = services()
    raw = request.form.get("value", "")
    try:
        try:
            value: Any = json.loads(raw)
        except ValueError:
            message = '变量值须为 JSON：文字加英文双引号，如 "住建局"；数字、true/false、列表或对象直接填写'
            raise InvalidInput(message, {"errors": {"value": [message]}}) from None
        with app.uow() as uow:
            operations.correct_variable(
                uow,
                app.ctx,
                principal,
                instance_id,
                request.form.get("reason", ""),
                request.form.get("name", ""),
                value,
            )
    except InvalidInput as exc:
        return _refused(principal, instance_id, operations.VARIABLES, exc)
    flash(gettext("已更正流程变量"), "info")
    return redirect(url_for("web.item", instance_id=instance_id))


@bp.get("/admin/instances")
@page
def admin_instances(principal: Principal) -> ResponseReturnValue:
    """系统管理员: every instance, by process and status, with links to the item pages."""
    pager = Pager.from_request(per_page=50)
    process_key, status = request.args.get("process", "").strip(), request.args.get("status", "").strip()
    errors: dict[str, list[str]] = {}
    with services().uow() as uow:
        try:
            rows, total = operations.list_instances(
                uow, principal, process_key=process_key, status=status, offset=pager.offset, limit=pager.per_page
            )
        except InvalidInput as exc:
            errors = field_errors(exc)
            rows, total = operations.list_instances(
                uow, principal, process_key=process_key, offset=pager.offset, limit=pager.per_page
            )
        processes = [(d.key, d.name) for d in definitions.list_latest(uow)]
        listed = [
            {
                "id": r.id,
                "business_number": r.business_number,
                "title": r.title,
                "process_key": r.process_key,
                "version": r.definition.version,
                "status": r.status,
                "error_message": r.error_message,
                "started_at": r.started_at,
                "updated_at": r.updated_at,
            }
            for r in rows
        ]
    return render_template(
        "web/admin_instances.html",
        active="admin",
        rows=listed,
        pager=pager.with_total(total),
        processes=processes,
        statuses=operations.STATUS_FILTERS,
        args=request.args,
        errors=errors,
    )
