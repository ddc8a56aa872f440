"""流程分析: where a flow's instances stall — a heat map over its diagram, the figures per element and per
unit, and the instances behind each number (loaded from the API when an element or a number is clicked)."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.analytics import stalls
from service.errors import InvalidInput
from service.i18n import gettext
from service.process.names import SUPERVISION_ITEM
from service.web import bp
from service.web.pages import page, services


def _day(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _version() -> int | None:
    raw = request.args.get("version", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@bp.get("/audit/stalls")
@page
def stalls_page(principal: Principal) -> ResponseReturnValue:
    app = services()
    filters = stalls.StallFilters(
        _day("from"), _day("to"), request.args.get("unit", "").strip()[:64] or None, _version()
    )
    with app.uow() as uow:
        flows = stalls.flows(uow, principal)
        keys = [key for key, _, _ in flows]
        wanted = request.args.get("key", "").strip()
        key = wanted if wanted in keys else (SUPERVISION_ITEM if SUPERVISION_ITEM in keys else keys[0] if keys else "")
        units = [(u.code, u.name) for u in uow.units.active()]
        error = None
        report = None
        if key:
            try:
                report = stalls.report(uow, principal, app.ctx.now(), key, filters)
            except InvalidInput as exc:
                error = exc.message
    versions = next((v for k, _, v in flows if k == key), [])
    diagram = None
    if report is not None:
        diagram = {
            "xml": report.bpmn_xml,
            "key": key,
            "query": {k: v for k, v in request.args.items() if k in ("from", "to", "unit", "version") and v},
            "elements": {
                e.element_id: {
                    "name": e.name,
                    "instances": e.instances,
                    "median": e.median_workdays,
                    "p90": e.p90_workdays,
                    "returns": e.returns,
                    "overdue": e.overdue,
                }
                for e in report.elements
            },
        }
    return render_template(
        "web/stalls.html",
        active="stalls",
        flows=flows,
        key=key,
        versions=versions,
        units=units,
        filters=filters,
        report=report,
        diagram=diagram,
        kinds_shown={kind: gettext(label) for kind, label in stalls.KINDS.items()},
        error=error,
    )
