"""The item page (diagram, where it stands, timeline) and starting a new item."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.accountability import use_cases as accountability
from service.archives import use_cases as archive_use_cases
from service.campaigns import reading
from service.deadlines import panel
from service.errors import Forbidden, InvalidInput, NotFound
from service.http.field_errors import field_errors
from service.i18n import gettext
from service.operations import use_cases as operations
from service.process import definitions, instances, item_view, start_contract, timeline
from service.web import bp
from service.web.pages import page, services


@bp.get("/items/<int:instance_id>")
@page
def item(principal: Principal, instance_id: int) -> ResponseReturnValue:
    return render_item(principal, instance_id)


def render_item(principal: Principal, instance_id: int, **extra: Any) -> str:
    """The item page; `extra` carries a refused form's errors and typed values back to it."""
    with services().uow() as uow:
        view = item_view.item_page(uow, principal, instance_id, timeline_filter(), now=services().ctx.now())
        deadlines = panel.panel(uow, principal, view.instance)
        campaign = _campaign_parts(uow, principal, view)
        referrals = accountability.for_item(uow, principal, instance_id)
        ops = operations.available(uow, principal, instance_id)
        ops_units = [(u.code, u.name) for u in uow.units.active()] if operations.REASSIGN in ops.operations else []
    page_html: str = render_template(
        "web/item.html",
        view=view,
        deadlines=deadlines,
        active="ledger",
        referrals=referrals,
        ops=ops,
        ops_units=ops_units,
        **campaign,
        **extra,
    )
    return page_html


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None  # a malformed date filters nothing


def timeline_filter() -> timeline.TimelineFilter:
    """The timeline's filters from the page's GET parameters (kind, person, since, until, system)."""
    args = request.args
    return timeline.TimelineFilter(
        kind=args.get("kind") or None,
        person=args.get("person") or None,
        since=_day(args.get("since")),
        until=_day(args.get("until")),
        system=args.get("system") == "1",
        page=_number(args.get("tpage")),
    )


def _number(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 1_000_000))
    except ValueError:
        return 1  # a malformed page number is the first page


def _campaign_parts(uow: Any, principal: Principal, view: item_view.ItemPage) -> dict[str, Any]:
    """A campaign's rectification items (first 200), or the campaign an item came from; the archive."""
    rows, total = reading.items_of(uow, principal, view.instance.id)
    try:
        archive = archive_use_cases.describe(uow, services().ctx, principal, view.instance.id, log_view=False)
    except NotFound:
        archive = None
    return {
        "campaign_items": rows,
        "campaign_items_total": total,
        "campaign": reading.campaign_of(uow, view.instance.id),
        "archive": archive,
    }


@bp.post("/items/<int:instance_id>/retry")
@page
def retry_instance(principal: Principal, instance_id: int) -> ResponseReturnValue:
    """处理异常: the administrator runs the failed step again, with a reason."""
    app = services()
    reason = request.form.get("reason", "")
    try:
        with app.uow() as uow:
            instance = operations.retry(uow, app.ctx, principal, instance_id, reason)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return render_item(principal, instance_id, retry_errors=field_errors(exc), retry_reason=reason), 422
    if instance.status == "error":
        flash(gettext("重试后仍然出错：{message}", message=instance.error_message or ""), "error")
    else:
        flash(gettext("已重试，流程已恢复运行"), "info")
    return redirect(url_for("web.item", instance_id=instance_id))


@bp.get("/start")
@page
def start(principal: Principal) -> ResponseReturnValue:
    with services().uow() as uow:
        found = [d for d in definitions.list_latest(uow) if start_contract.may_start(principal, d)]
    if not found and not principal.may_start():
        raise Forbidden("您无权发起事项")
    return render_template("web/start.html", definitions=found, active="start")


@bp.post("/start/<key>")
@page
def start_instance(principal: Principal, key: str) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        instance = instances.start(uow, app.ctx, principal, key, {})
        ready, _ = uow.tasks.search(state="ready", instance_id=instance.id, limit=50)
    mine = [t for t in ready if principal.may_act_on(t)]
    flash(gettext("已发起 {number}", number=instance.business_number), "info")
    if mine:
        return redirect(url_for("web.task", task_id=mine[0].id))
    return redirect(url_for("web.item", instance_id=instance.id))
