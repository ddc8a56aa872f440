"""The audit log page, filtered, newest first; read-only. 审计管理员 reads every entry; the 系统管理员 and
the auditors (审计) the auditors' views (audit_log.AUDITOR_VIEWS)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from service.access import audit_log
from service.access.principal import Principal
from service.errors import InvalidInput
from service.http.paging import Pager
from service.web import bp
from service.web.pages import page, services


def _day(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/audit")
@page
def audit_page(principal: Principal) -> ResponseReturnValue:
    audit_log.check_may_read(principal)
    filters: dict[str, Any] = {
        "action": request.args.get("action", "").strip()[:64] or None,
        "actor_name": request.args.get("actor", "").strip()[:64] or None,
        "target": request.args.get("target", "").strip()[:200] or None,
        "day_from": _day("day_from"),
        "day_to": _day("day_to"),
    }
    actions = audit_log.readable_actions(principal)
    if filters["action"] not in (None, *actions):
        filters["action"] = None
    pager = Pager.from_request(per_page=50)
    error = None
    with services().uow() as uow:
        try:
            rows, total = audit_log.search(uow, principal, offset=pager.offset, limit=pager.per_page, **filters)
        except InvalidInput as exc:
            rows, total, error = [], 0, exc.message
    return render_template(
        "web/audit.html",
        rows=rows,
        pager=pager.with_total(total),
        actions=actions,
        query=request.args,
        error=error,
        active="audit",
    )
