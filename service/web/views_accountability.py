"""督查问责 on the pages: the item page's card (督查室 records there) and the list for the leaders."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.accountability import use_cases
from service.errors import InvalidInput
from service.http.field_errors import first_errors
from service.http.paging import Pager
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services
from service.web.views_items import render_item


@bp.post("/items/<int:instance_id>/accountability")
@page
def record_accountability(principal: Principal, instance_id: int) -> ResponseReturnValue:
    app = services()
    form = {k: request.form.get(k, "") for k in ("unit", "kind", "facts", "outcome")}
    try:
        with app.uow() as uow:
            use_cases.record(uow, app.ctx, principal, instance_id, **form)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return render_item(principal, instance_id, referral_errors=first_errors(exc), referral_values=form), 422
    flash(gettext("已记录督查问责，并通知该单位"), "info")
    return redirect(url_for("web.item", instance_id=instance_id) + "#accountability")


@bp.get("/accountability")
@page
def accountability_page(principal: Principal) -> ResponseReturnValue:
    pager = Pager.from_request(per_page=50)
    with services().uow() as uow:
        rows, total = use_cases.listing(uow, principal, offset=pager.offset, limit=pager.per_page)
    return render_template("web/accountability.html", rows=rows, pager=pager.with_total(total), active="accountability")
