"""The item page's 时限与催办 card: 延期申请 by the lead unit's head, 催办 by 督查室 (forms post here)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.deadlines import extensions, panel, reminders
from service.errors import InvalidInput
from service.http.field_errors import field_errors
from service.i18n import gettext
from service.process import item_view
from service.web import bp
from service.web.pages import page, services


def _again(principal: Principal, instance_id: int, exc: InvalidInput, form: str) -> ResponseReturnValue:
    """The item page again, the message next to each field and the typed values kept."""
    with services().uow() as uow:
        view = item_view.item_page(uow, principal, instance_id)
        shown = panel.panel(uow, principal, view.instance)
    if shown is not None:
        shown.errors = {f"{form}.{k}": v for k, v in field_errors(exc).items()}
        shown.values = {f"{form}.{k}": v for k, v in request.form.items()}
    flash(exc.message, "error")
    return render_template("web/item.html", view=view, deadlines=shown, active="ledger"), 422


@bp.post("/items/<int:instance_id>/extensions")
@page
def file_extension(principal: Principal, instance_id: int) -> ResponseReturnValue:
    app = services()
    try:
        with app.uow() as uow:
            started = extensions.file(
                uow,
                app.ctx,
                principal,
                instance_id,
                requested_deadline=request.form.get("requested_deadline", ""),
                reason=request.form.get("reason", ""),
            )
    except InvalidInput as exc:
        return _again(principal, instance_id, exc, "extension")
    flash(gettext("已提出延期申请 {number}，待督查室审核", number=started.business_number), "info")
    return redirect(url_for("web.item", instance_id=instance_id))


@bp.post("/items/<int:instance_id>/reminders")
@page
def send_reminder(principal: Principal, instance_id: int) -> ResponseReturnValue:
    app = services()
    try:
        with app.uow() as uow:
            sent = reminders.send(
                uow,
                app.ctx,
                app.settings,
                principal,
                instance_id,
                message=request.form.get("message", ""),
                units=request.form.getlist("units") or None,
                new_deadline=request.form.get("new_deadline") or None,
            )
    except InvalidInput as exc:
        return _again(principal, instance_id, exc, "reminder")
    flash(gettext("已发出第 {n} 次催办，催办通知已存入附件", n=sent["reminder_no"]), "info")
    return redirect(url_for("web.item", instance_id=instance_id))
