"""台账 (ledger) and 领导总览 (overview) pages; the Excel export is the API's, with the same filters."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from service import ledger
from service.access.principal import Principal
from service.errors import InvalidInput
from service.http.paging import MAX_PAGE, Pager
from service.i18n import gettext
from service.ledger import export_jobs
from service.web import bp
from service.web.pages import page, services

TEXT_FILTERS = ("status", "unit", "source_type", "priority", "light", "q", "sort")
DATE_FILTERS = ("registered_from", "registered_to", "deadline_from", "deadline_to")
PAGE_SIZE = 20


def _filters() -> tuple[dict[str, Any], dict[str, str]]:
    """Filters from the query string; a bad value is reported next to its field and left out."""
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in TEXT_FILTERS:
        value = request.args.get(name, "").strip()
        if value:
            found[name] = value[:100]
    if found.get("status") and found["status"] not in ledger.STATUSES:
        errors["status"] = gettext("状态无效")
    if found.get("light") and found["light"] not in ledger.LIGHT_LABELS:
        errors["light"] = gettext("亮灯筛选值无效")
    if found.get("priority") and found["priority"] not in ledger.PRIORITIES:
        errors["priority"] = gettext("督查类别无效")
    if found.get("sort") and found["sort"] not in ledger.SORT_KEYS:
        errors["sort"] = gettext("排序方式无效")
    for name in DATE_FILTERS:
        value = request.args.get(name, "").strip()
        if value:
            try:
                found[name] = date.fromisoformat(value)
            except ValueError:
                errors[name] = gettext("日期格式应为 YYYY-MM-DD")
    for name in errors:
        found.pop(name, None)
    return found, errors


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("pn", "1")), MAX_PAGE))
    except ValueError:
        return 1


@page
def ledger_page(principal: Principal) -> ResponseReturnValue:
    """下一页 follows the keyset cursor (`after=`, with `pn=` the page's number for the 第 k 页 label);
    an old `?page=` link still answers by offset."""
    filters, errors = _filters()
    pager = Pager.from_request(per_page=PAGE_SIZE)
    after = request.args.get("after", "").strip()[:200] or None
    number = _page_number() if after else pager.page
    app = services()
    with app.uow() as uow:
        try:
            found = ledger.search_page(
                uow,
                principal,
                **filters,
                offset=0 if after else pager.offset,
                limit=pager.per_page,
                after=after,
                now=app.ctx.now(),
                yellow_workdays=app.settings.yellow_workdays,
            )
        except InvalidInput:  # a stale or edited cursor: start again from the first page
            errors["after"] = gettext("翻页位置无效，已回到第一页")
            number = 1
            found = ledger.search_page(
                uow, principal, **filters, limit=pager.per_page, now=app.ctx.now(),
                yellow_workdays=app.settings.yellow_workdays,
            )  # fmt: skip
        units = uow.units.all()
    export_args = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items()}
    kept: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page", "after", "pn")}
    paging = {
        "total": found.total,
        "capped": found.total_capped,
        "number": number,
        "pages": max(1, -(-found.total // pager.per_page)),
        "first_url": url_for("web.ledger", **kept) if number > 1 else None,
        "next_url": url_for("web.ledger", **kept, after=found.next_after, pn=number + 1) if found.next_after else None,
    }
    return render_template(
        "web/ledger.html",
        active="ledger",
        entries=found.entries,
        paging=paging,
        # a search counted only to its cap may match any number of rows: export it in the background
        background_export=found.total_capped or found.total > export_jobs.BACKGROUND_ABOVE,
        export_filters=export_args,
        args=request.args,
        errors=errors,
        units=units,
        statuses=ledger.STATUS_LABELS,
        sorts=ledger.SORT_LABELS,
        source_types=ledger.SOURCE_TYPES,
        priorities=ledger.PRIORITIES,
        export_url="/api/v1/ledger/export.xlsx?" + urlencode(export_args),
    )


bp.add_url_rule("/ledger", endpoint="ledger", view_func=ledger_page)


@bp.get("/overview")
@page
def overview(principal: Principal) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        figures = ledger.overview(uow, principal, app.ctx.now(), app.settings.yellow_workdays)
    chart = {
        "labels": [u["unit_name"] for u in figures["units"]],
        "rates": [None if u["on_time_rate"] is None else round(u["on_time_rate"] * 100, 1) for u in figures["units"]],
        "title": gettext("按期办结率（%）"),
    }
    return render_template(
        "web/overview.html", active="overview", figures=figures, chart=chart, statuses=ledger.STATUS_LABELS
    )
