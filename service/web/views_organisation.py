"""安全管理员's pages for units and the Excel import of units and users (系统管理员 reads the units)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access import organisation_import, unit_admin, user_admin
from service.access.principal import Principal
from service.errors import Conflict, InvalidInput, NotFound
from service.http.field_errors import field_errors
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services


def _units_page(principal: Principal, status: int = 200, **values: Any) -> ResponseReturnValue:
    with services().uow() as uow:
        units = unit_admin.list_units(uow, principal)
    values = {"form": {}, "errors": {}, **values}
    page_values = {"units": units, "kinds": unit_admin.UNIT_KINDS, "may_manage": principal.is_security_admin}
    return render_template("web/security_units.html", active="security", **page_values, **values), status


def _unit_form() -> dict[str, Any]:
    return {k: request.form.get(k, "").strip() for k in ("code", "name", "kind", "sort_order")}


@bp.get("/units")
@bp.get("/users")
@page
def organisation_shortcut(principal: Principal) -> ResponseReturnValue:
    """Old and short addresses lead whoever may read the organisation to its pages."""
    if not user_admin.may_list(principal):
        raise NotFound("页面不存在")
    if request.path == "/users" and principal.is_security_admin:
        return redirect(url_for("web.security_users"))
    return redirect(url_for("web.security_units"))


@bp.get("/security/units")
@page
def security_units(principal: Principal) -> ResponseReturnValue:
    return _units_page(principal)


@bp.post("/security/units")
@page
def security_create_unit(principal: Principal) -> ResponseReturnValue:
    app, form = services(), _unit_form()
    try:
        with app.uow() as uow:
            unit_admin.create_unit(uow, principal, app.ctx.now(), form)
    except (InvalidInput, Conflict) as exc:
        flash(gettext(exc.message), "error")
        return _units_page(principal, 422, form=form, errors=field_errors(exc))
    flash(gettext("已新建单位 {name}", name=form["name"]), "info")
    return redirect(url_for("web.security_units"))


def _unit_page(principal: Principal, code: str, status: int = 200, **values: Any) -> ResponseReturnValue:
    with services().uow() as uow:
        unit = unit_admin.get_unit(uow, principal, code)
    values = {"errors": {}, **values}
    return render_template(
        "web/security_unit.html",
        active="security",
        unit=unit,
        kinds=unit_admin.UNIT_KINDS,
        may_manage=principal.is_security_admin,
        **values,
    ), status


@bp.get("/security/units/<code>")
@page
def security_unit(principal: Principal, code: str) -> ResponseReturnValue:
    return _unit_page(principal, code)


@bp.post("/security/units/<code>/<action>")
@page
def security_unit_action(principal: Principal, code: str, action: str) -> ResponseReturnValue:
    app = services()
    try:
        with app.uow() as uow:
            if action == "edit":
                unit_admin.update_unit(uow, principal, app.ctx.now(), code, _unit_form())
                done = gettext("单位已保存")
            elif action in ("deactivate", "activate"):
                unit_admin.set_active(uow, principal, app.ctx.now(), code, action == "activate")
                done = gettext("已启用该单位") if action == "activate" else gettext("已停用该单位")
            else:
                return redirect(url_for("web.security_unit", code=code))
    except (InvalidInput, Conflict) as exc:
        flash(gettext(exc.message), "error")
        return _unit_page(principal, code, 422, errors=field_errors(exc))
    flash(done, "info")
    return redirect(url_for("web.security_unit", code=code))


@bp.get("/security/import")
@page
def security_import(principal: Principal) -> ResponseReturnValue:
    user_admin.check_may_manage(principal)
    return render_template("web/security_import.html", active="security", report=None, errors={})


@bp.post("/security/import")
@page
def security_import_upload(principal: Principal) -> ResponseReturnValue:
    app = services()
    upload = request.files.get("file")
    data = upload.read(organisation_import.MAX_BYTES + 1) if upload else b""
    dry_run = request.form.get("confirm") != "1"
    try:
        with app.uow() as uow:
            report = organisation_import.import_sheet(uow, principal, app.ctx.now(), data, dry_run=dry_run)
    except InvalidInput as exc:
        flash(gettext(exc.message), "error")
        return render_template(
            "web/security_import.html", active="security", report=None, errors=field_errors(exc)
        ), 422
    if report["stored"]:
        flash(
            gettext("已导入 {units} 个单位、{users} 个用户", units=len(report["units"]), users=len(report["users"])),
            "info",
        )
    status = 422 if report["errors"] else 200
    return render_template("web/security_import.html", active="security", report=report, errors={}), status
