"""登录 / 退出 / 语言."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from service.errors import Unauthorized
from service.http import sessions
from service.http.redirects import safe_next
from service.i18n import LANGUAGES, gettext
from service.web import bp
from service.web.pages import nav_context
from service.web.views_account import landing


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    return nav_context()


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("web.inbox"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("web/login.html", next=target, username="", error=None)
    sessions.check_csrf()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        error = gettext("请输入用户名和密码")
        return render_template("web/login.html", next=target, username=username, error=error), 400
    try:
        signed_in = sessions.password_sign_in(username, password)
    except Unauthorized as exc:
        return render_template("web/login.html", next=target, username=username, error=gettext(exc.message)), 401
    if signed_in.must_change_password:
        return redirect(url_for("web.password_page", next=target))
    return redirect(target if request.values.get("next") else landing(signed_in.principal))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sessions.check_csrf()
    sessions.sign_out()  # ends the session on the server too, and audits it
    flash(gettext("您已安全退出"), "info")
    return redirect(url_for("web.login"))


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")))
