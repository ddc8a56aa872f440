"""Pages: 督查考核 — unit scores for a period with their explained lines, and (admin / 督查室) the rules form."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service import scoring, workdays
from service.access.principal import Principal
from service.errors import Conflict, Forbidden, InvalidInput
from service.http.field_errors import first_errors
from service.i18n import gettext
from service.scoring import periods
from service.scoring.arithmetic import show_number, show_points
from service.web import bp
from service.web.pages import page, services


@bp.app_context_processor
def _scoring_nav() -> dict[str, Any]:
    return {"may_see_scores": scoring.may_view}


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _period_args() -> tuple[dict[str, str], dict[str, Any]]:
    """The chooser's values as sent, and the resolve() arguments; own dates win over the period list."""
    sent = {name: request.args.get(name, "").strip()[:20] for name in ("period", "start", "end")}
    dates: dict[str, date | None] = {"start": None, "end": None}
    errors: dict[str, str] = {}
    for name in dates:
        if sent[name]:
            try:
                dates[name] = date.fromisoformat(sent[name])
            except ValueError:
                errors[name] = gettext("日期格式应为 YYYY-MM-DD")
    if errors:
        raise InvalidInput("考核期间有误", {"errors": errors})
    period = None if (dates["start"] or dates["end"]) else sent["period"] or None
    return sent, {"period": period, **dates}


def _render(
    principal: Principal, *, status: int = 200, form_values: Any = None, form_errors: Any = None
) -> tuple[str, int]:
    app = services()
    now = app.ctx.now()
    today = workdays.as_date(now)
    sheet, errors, sent = None, {}, {"period": "", "start": "", "end": ""}
    try:
        sent, wanted = _period_args()
        period = periods.resolve(today=today, **wanted)
        with app.uow() as uow:
            sheet = scoring.scores(uow, principal, start=period.start, end=period.end, now=now, period=period)
    except InvalidInput as problem:
        errors = first_errors(problem)
    with app.uow() as uow:
        rules = scoring.in_force(uow, now)
        versions = scoring.history(uow, 10) if scoring.may_edit(principal) else []
    query = {"period": sheet.period} if sheet and sheet.period else {}
    if sheet and not sheet.period:
        query = {"start": sheet.start.isoformat(), "end": sheet.end.isoformat()}
    body = render_template(
        "web/scores.html",
        active="scores",
        sheet=sheet,
        errors=errors,
        sent=sent,
        choices=periods.choices(today),
        selected=sheet.period if sheet else sent["period"],
        export_url=_with_query("/api/v1/scores/export.xlsx", query),
        rules_action=_with_query(url_for("web.save_rules"), query),
        rules=rules,
        fields=scoring.RULE_FIELDS,
        versions=versions,
        may_edit=scoring.may_edit(principal),
        form_values=form_values or {},
        form_errors=form_errors or {},
        points=show_points,
        number=show_number,
    )
    return body, status


@bp.get("/scores")
@page
def scores_page(principal: Principal) -> ResponseReturnValue:
    if not scoring.may_view(principal):
        raise Forbidden("没有查看考核得分的权限")
    return _render(principal)


@bp.post("/scores/rules")
@page
def save_rules(principal: Principal) -> ResponseReturnValue:
    if not scoring.may_edit(principal):
        raise Forbidden("只有系统管理员和督查室可以修改考核规则")
    submitted = {f.key: request.form.get(f.key, "") for f in scoring.RULE_FIELDS}
    based_on = request.form.get("based_on", "")
    app = services()
    try:
        with app.uow() as uow:
            saved, changed = scoring.save(
                uow, principal, submitted, app.ctx.now(), based_on=int(based_on) if based_on.isdigit() else None
            )
    except InvalidInput as problem:
        errors = first_errors(problem)
        return _render(principal, status=422, form_values=submitted, form_errors=errors)
    except Conflict as problem:
        flash(problem.message, "warning")
        return _render(principal, status=409, form_values=submitted)
    if changed:
        flash(gettext("考核规则已保存为第 {n} 版", n=saved.version), "info")
    else:
        flash(gettext("考核规则没有变化，未产生新版本"), "info")
    back = {k: v for k, v in request.args.items() if k in ("period", "start", "end")}
    return redirect(_with_query(url_for("web.scores_page"), back))  # back to the period the editor was looking at
