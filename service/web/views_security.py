"""安全管理员's pages: users, initial and reset passwords, lockouts, roles and units, disabling."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access import user_admin
from service.access.principal import ROLES, Principal
from service.errors import Conflict, InvalidInput
from service.http.field_errors import field_errors
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services


def _render(principal: Principal, template: str, status: int = 200, **values: Any) -> ResponseReturnValue:
    with services().uow() as uow:
        units = uow.units.all()
    return render_template(template, roles=ROLES, units=units, active="security", **values), status


@bp.get("/security/users")
@page
def security_users(principal: Principal) -> ResponseReturnValue:
    user_admin.check_may_manage(principal)
    with services().uow() as uow:
        users = user_admin.list_users(uow, principal)
    return _render(principal, "web/security_users.html", users=users, form={}, errors={}, now=services().ctx.now())


@bp.post("/security/users")
@page
def security_create_user(principal: Principal) -> ResponseReturnValue:
    app = services()
    form = {
        "username": request.form.get("username", "").strip(),
        "display_name": request.form.get("display_name", "").strip(),
        "password": request.form.get("password", ""),
        "roles": request.form.getlist("roles"),
        "unit": request.form.get("unit") or None,
        "position": request.form.get("position", "").strip(),
        "email": request.form.get("email", "").strip() or None,
    }
    try:
        with app.uow() as uow:
            user_admin.create_user(uow, principal, app.ctx.now(), form)
    except (InvalidInput, Conflict) as exc:
        with app.uow() as uow:
            users = user_admin.list_users(uow, principal)
        flash(gettext(exc.message), "error")
        return _render(
            principal,
            "web/security_users.html",
            422,
            users=users,
            form=form,
            errors=field_errors(exc),
            now=app.ctx.now(),
        )
    flash(gettext("已新建用户 {name}，首次登录须修改初始密码", name=form["username"]), "info")
    return redirect(url_for("web.security_user", username=form["username"]))


@bp.get("/security/users/<username>")
@page
def security_user(principal: Principal, username: str) -> ResponseReturnValue:
    user_admin.check_may_manage(principal)
    with services().uow() as uow:
        user = user_admin.get_user(uow, principal, username)
    return _render(principal, "web/security_user.html", user=user, errors={}, now=services().ctx.now())


@bp.post("/security/users/<username>/<action>")
@page
def security_user_action(principal: Principal, username: str, action: str) -> ResponseReturnValue:
    app = services()
    now = app.ctx.now()
    try:
        with app.uow() as uow:
            if action == "password":
                user_admin.reset_password(uow, principal, now, username, request.form.get("password", ""))
                done = gettext("密码已重置；该用户的全部登录和令牌已失效，下次登录须修改密码")
            elif action == "unlock":
                user_admin.unlock(uow, principal, now, username)
                done = gettext("已解除锁定")
            elif action == "profile":
                fields = {k: request.form.get(k, "") for k in ("display_name", "position", "email")}
                user_admin.update_user(uow, principal, now, username, fields)
                done = gettext("用户信息已保存")
            elif action == "roles":
                roles, unit = request.form.getlist("roles"), request.form.get("unit") or None
                user_admin.set_roles(uow, principal, now, username, roles, unit)
                done = gettext("角色和单位已保存")
            elif action in ("disable", "enable"):
                user_admin.set_active(uow, principal, now, username, action == "enable")
                done = (
                    gettext("已启用该用户") if action == "enable" else gettext("已停用该用户；其全部登录和令牌已失效")
                )
            else:
                return redirect(url_for("web.security_user", username=username))
    except (InvalidInput, Conflict) as exc:
        flash(gettext(exc.message), "error")
        with app.uow() as uow:
            user = user_admin.get_user(uow, principal, username)
        return _render(principal, "web/security_user.html", 422, user=user, errors=field_errors(exc), now=now)
    flash(done, "info")
    return redirect(url_for("web.security_user", username=username))
