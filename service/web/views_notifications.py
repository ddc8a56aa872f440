"""Pages: 通知 — my notifications, newest first; mark one or all read (POST forms with the CSRF token)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.http.paging import Pager
from service.http.redirects import safe_next
from service.i18n import gettext
from service.notifications import KINDS, reading
from service.web import bp
from service.web.pages import page, services


def _back() -> ResponseReturnValue:
    """To the list as the user had it (filter and page), whatever was posted."""
    args: dict[str, Any] = {k: v for k in ("show", "page") if (v := request.form.get(k, "").strip()).isalnum()}
    return redirect(url_for("web.notifications", **args))


@bp.get("/notifications")
@page
def notifications(principal: Principal) -> ResponseReturnValue:
    unread_only = request.args.get("show") == "unread"
    pager = Pager.from_request(per_page=20)
    with services().uow() as uow:
        rows, total = reading.listing(
            uow, principal, unread_only=unread_only, offset=pager.offset, limit=pager.per_page
        )
    return render_template(
        "web/notifications.html",
        active="notifications",
        rows=rows,
        pager=pager.with_total(total),
        unread_only=unread_only,
        kinds=KINDS,
    )


@bp.post("/notifications/<int:notification_id>/read")
@page
def notification_read(principal: Principal, notification_id: int) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        found = reading.mark_read(uow, principal, notification_id, app.ctx.now())
    if request.form.get("open") and found.link:  # the title was clicked: read it and go there
        return redirect(safe_next(found.link))
    return _back()


@bp.post("/notifications/read-all")
@page
def notifications_read_all(principal: Principal) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        marked = reading.mark_all_read(uow, principal, app.ctx.now())
    flash(gettext("已将 {n} 条通知标为已读", n=marked), "info")
    return _back()
