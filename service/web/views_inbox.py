"""待办 / 已办 / 我发起的."""

from __future__ import annotations

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.http.paging import Pager
from service.i18n import gettext
from service.process import inbox
from service.web import bp
from service.web.pages import page, services

TAB_TITLES = {"todo": "待办", "done": "已办", "started": "我发起的"}


@page
def inbox_page(principal: Principal) -> ResponseReturnValue:
    tab = request.args.get("tab", "todo")
    if request.args.get("submitted"):
        flash(gettext("已提交：{name}", name=request.args["submitted"][:100]), "info")
    filters = inbox.InboxFilters(
        light=request.args.get("light") or None,
        q=request.args.get("q") or None,
        process_key=request.args.get("process") or None,
        sort=request.args.get("sort") or None,
    )
    pager = Pager.from_request(per_page=20)
    app = services()
    with app.uow() as uow:
        rows, total = inbox.listing(
            uow,
            principal,
            tab,
            filters,
            now=app.ctx.now(),
            yellow_workdays=app.settings.yellow_workdays,
            offset=pager.offset,
            limit=pager.per_page,
        )
    return render_template(
        "web/inbox.html",
        tab=tab,
        active=tab,
        title=TAB_TITLES[tab],
        rows=rows,
        filters=filters,
        pager=pager.with_total(total),
        tabs=TAB_TITLES,
    )


bp.add_url_rule("/inbox", endpoint="inbox", view_func=inbox_page)
