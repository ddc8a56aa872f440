"""修改密码 (also the first page after signing in with a password that must be changed), and where a
user lands after signing in: the security and audit administrators on their own pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.errors import InvalidInput, Unauthorized
from service.http import sessions
from service.http.field_errors import field_errors
from service.http.redirects import safe_next
from service.i18n import gettext
from service.web import bp


def landing(principal: Principal) -> str:
    if principal.is_security_admin:
        return url_for("web.security_users")
    if principal.is_audit_admin:
        return url_for("web.audit_page")
    return url_for("web.inbox")


@bp.route("/password", methods=["GET", "POST"])
def password_page() -> ResponseReturnValue:
    try:
        found = sessions.signed_in_user()  # also while the password must be changed: that is why we are here
    except sessions.SessionExpired:
        found = None
    if found is None:
        return redirect(url_for("web.login", next=url_for("web.password_page")))
    principal, required = found
    sessions.check_csrf()
    target = safe_next(request.values.get("next"), landing(principal))
    if request.method == "GET":
        return render_template("web/password.html", next=target, errors={}, required=required)
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    errors: dict[str, list[str]] = {}
    if new != request.form.get("confirm_password", ""):
        errors["confirm_password"] = [gettext("两次输入的新密码不一致")]
    else:
        try:
            sessions.change_password(current, new)
        except Unauthorized:
            errors["current_password"] = [gettext("当前密码不正确")]
        except InvalidInput as exc:
            errors.update(field_errors(exc))
    if errors:
        return render_template("web/password.html", next=target, errors=errors, required=required), 422
    flash(gettext("密码已修改；其他设备上的登录和 API 令牌已失效"), "info")
    return redirect(target)
