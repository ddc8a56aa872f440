"""The task page: the 督办单, earlier rounds, attachments, and the form (form-js) with draft and submit.

Saving and submitting go through the REST API from the page's JavaScript (session cookie + CSRF header),
so the browser and API clients share one path and one validation.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.process import item_view
from service.web import bp
from service.web.pages import page, services


@bp.get("/tasks/<task_id>")
@page
def task(principal: Principal, task_id: str) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        view = item_view.task_page(uow, principal, task_id, app.ctx.now())
    return render_template("web/task.html", view=view, active="todo")
