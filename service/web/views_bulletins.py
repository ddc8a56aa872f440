"""Pages: 督查通报 — the list (everyone signed in) and, for the office, generating 第N期: pick a period, see its
totals and the suggested units (checkboxes with editable reasons), write 整改要求, generate."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from service import workdays
from service.access.principal import Principal
from service.documents import bulletins, special_reports
from service.documents.bulletin import summary_text
from service.documents.bulletin_figures import Figures
from service.documents.bulletin_input import KINDS
from service.errors import Forbidden, InvalidInput
from service.http.field_errors import first_errors
from service.http.paging import Pager
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services


def _check(principal: Principal) -> None:
    if not bulletins.may_generate(principal):
        raise Forbidden("只有督查室可以生成督查通报")


@bp.get("/bulletins")
@page
def bulletin_list(principal: Principal) -> ResponseReturnValue:
    pager = Pager.from_request(per_page=20)
    with services().uow() as uow:
        rows, total = bulletins.list_page(uow, principal, offset=pager.offset, limit=pager.per_page)
    return render_template(
        "web/bulletins.html",
        active="bulletins",
        rows=rows,
        label=bulletins.issue_label,
        pager=pager.with_total(total),
        may_generate=bulletins.may_generate(principal),
    )


def _last_month() -> tuple[str, str]:
    """The default period: the previous calendar month (Asia/Shanghai)."""
    last = workdays.as_date(services().ctx.now()).replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    return first.isoformat(), date(last.year, last.month, monthrange(last.year, last.month)[1]).isoformat()


def _render(principal: Principal, sent: MultiDict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    """The generate page for the period in `sent` (its figures when the period is good)."""
    app = services()
    found: Figures | None = None
    if sent.get("start") and sent.get("end") and not ({"start", "end"} & set(errors)):
        try:
            with app.uow() as uow:
                found = bulletins.preview(
                    uow, principal, start=sent["start"], end=sent["end"], now=app.ctx.now(),
                    yellow_workdays=app.settings.yellow_workdays,
                )  # fmt: skip
        except InvalidInput as problem:
            errors = {**errors, **first_errors(problem)}
    with app.uow() as uow:
        units = uow.units.all()
    body = render_template(
        "web/bulletin_new.html",
        active="bulletins",
        sent=sent,
        submitted="requirements" in sent,  # a posted form keeps its own choices
        errors=errors,
        found=found,
        summary=summary_text(found.period, found.totals) if found else "",
        units=units,
        kinds=KINDS,
    )
    return body, status


@bp.get("/bulletins/new")
@page
def bulletin_new(principal: Principal) -> ResponseReturnValue:
    _check(principal)
    sent = MultiDict(request.args)
    if not sent.get("start") and not sent.get("end"):
        sent["start"], sent["end"] = _last_month()
    return _render(principal, sent, {})


def _payload(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's request from the page's fields, and which field shows the error of each entry."""
    payload: dict[str, Any] = {k: form.get(k, "") for k in ("start", "end", "title", "requirements")}
    where: dict[str, str] = {}
    for kind in KINDS:
        entries: list[dict[str, str]] = []
        for unit in form.getlist(f"{kind}_pick"):
            where[f"{kind}.{len(entries)}.unit"] = where[f"{kind}.{len(entries)}.reason"] = f"{kind}_reason_{unit}"
            entries.append({"unit": unit, "reason": form.get(f"{kind}_reason_{unit}", "")})
        extra = form.get(f"{kind}_extra_unit", "")
        if extra or form.get(f"{kind}_extra_reason", "").strip():
            where[f"{kind}.{len(entries)}.unit"] = f"{kind}_extra_unit"
            where[f"{kind}.{len(entries)}.reason"] = f"{kind}_extra_reason"
            entries.append({"unit": extra, "reason": form.get(f"{kind}_extra_reason", "")})
        payload[kind] = entries
    return payload, where


@bp.post("/bulletins")
@page
def bulletin_generate(principal: Principal) -> ResponseReturnValue:
    _check(principal)
    app = services()
    payload, where = _payload(request.form)
    try:
        with app.uow() as uow:
            bulletin = bulletins.generate(
                uow, app.ctx, app.settings, principal, payload, now=app.ctx.now(),
                yellow_workdays=app.settings.yellow_workdays,
            )  # fmt: skip
    except InvalidInput as problem:
        errors = {where.get(k, k): v for k, v in first_errors(problem).items()}
        return _render(principal, MultiDict(request.form), errors, status=422)
    flash(gettext("已生成督查通报{issue}", issue=bulletins.issue_label(bulletin)), "info")
    return redirect(url_for("web.bulletin_list"))


@bp.post("/items/<int:instance_id>/special-report")
@page
def issue_special_report(principal: Principal, instance_id: int) -> ResponseReturnValue:
    """报送督查专报 from a 办结 item's page."""
    app = services()
    with app.uow() as uow:
        issued = special_reports.issue(uow, app.ctx, app.settings, principal, instance_id)
    flash(gettext("已报送督查专报 {issue}，已存入附件", issue=issued["issue"]), "info")
    return redirect(url_for("web.item", instance_id=instance_id))
