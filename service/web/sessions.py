"""Browser sessions: sign-in state in Flask's signed cookie, CSRF tokens, idle and absolute timeouts.

Wall-clock time (not the service clock) measures sessions: tests move the service clock by months.
The API accepts these sessions too, so pages' JavaScript calls the same endpoints as any client;
state-changing requests then need the CSRF token in the X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import current_app, request, session

from service import auth
from service.errors import Forbidden, Unauthorized
from service.principal import Principal

ABSOLUTE_LIFETIME_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SessionExpired(Unauthorized):
    code = "session_expired"


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Every state-changing browser request carries the session's token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("页面已过期或请求来源不可信（CSRF 校验失败），请刷新页面后重试")


def sign_in(principal: Principal) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    now = time.time()
    session.update(user=principal.username, signed_in_at=now, seen_at=now, csrf=secrets.token_urlsafe(32))
    if lang:
        session["lang"] = lang
    session.permanent = False


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def session_principal() -> Principal | None:
    """The signed-in user of this browser session, None when nobody is; SessionExpired after a timeout."""
    username = session.get("user")
    if not username:
        return None
    services = current_app.extensions["duban"]
    now = time.time()
    idle = services.settings.session_idle_minutes * 60
    if now - float(session.get("seen_at", 0)) > idle or now - float(session.get("signed_in_at", 0)) > (
        ABSOLUTE_LIFETIME_SECONDS
    ):
        sign_out()
        raise SessionExpired("登录已超时，请重新登录")
    with services.uow() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            sign_out()
            return None
        principal = Principal.of(user)
    if now - float(session.get("seen_at", 0)) > 30:  # refresh the cookie at most twice a minute
        session["seen_at"] = now
    return principal


def password_sign_in(username: str, password: str) -> Principal:
    services = current_app.extensions["duban"]
    with services.uow() as uow:
        principal = auth.check_credentials(uow, username, password, services.ctx.now())
        uow.commit()
    sign_in(principal)
    return principal
