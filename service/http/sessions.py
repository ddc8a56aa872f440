"""Browser sessions: sign-in state in Flask's signed cookie, revocable on the server, CSRF tokens, idle
and absolute timeouts.

The cookie carries a random session id; its sha256 is a row of `web_sessions`, checked on every
request, so a cookie saved before logout (or before a password change, reset or disable) is refused
afterwards. Wall-clock time (not the service clock) measures sessions: tests move the service clock by
months. The API accepts these sessions too, so pages' JavaScript calls the same endpoints as any client;
state-changing requests then need the CSRF token in the X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import request, session

from service.access import authentication as auth
from service.access import credentials
from service.access.principal import Principal
from service.errors import Forbidden, Unauthorized
from service.http.services import current_services

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


def session_id() -> str | None:
    sid = session.get("sid")
    return str(sid) if sid else None


def sign_in(principal: Principal, sid: str) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    now = time.time()
    session.update(user=principal.username, sid=sid, signed_in_at=now, seen_at=now, csrf=secrets.token_urlsafe(32))
    if lang:
        session["lang"] = lang
    session.permanent = False


def _forget_cookie() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def sign_out(why: str = "logout") -> None:
    """End the session here and on the server: the same cookie, replayed, signs nobody in."""
    sid = session_id()
    username = session.get("user")
    _forget_cookie()
    if not sid:
        return
    services = current_services()
    with services.uow() as uow:
        credentials.sign_out_browser(uow, sid, str(username) if username else None, why, services.ctx.now())


def signed_in_user() -> tuple[Principal, bool] | None:
    """(principal, must change password) of this browser's live session; None when nobody is signed in
    (or the session was revoked); SessionExpired after a timeout."""
    username, sid = session.get("user"), session_id()
    if not username or not sid:
        if username:
            _forget_cookie()  # a cookie from before server-side sessions
        return None
    services = current_services()
    now = time.time()
    idle = services.settings.session_idle_minutes * 60
    if now - float(session.get("seen_at", 0)) > idle or now - float(session.get("signed_in_at", 0)) > (
        ABSOLUTE_LIFETIME_SECONDS
    ):
        sign_out("expired")
        raise SessionExpired("登录已超时，请重新登录")
    with services.uow() as uow:
        uow.begin_read(brief=True)  # a read, also for a POST: it must not queue for SQLite's write lock
        user = uow.users.by_username(username)
        live = user is not None and user.active and credentials.session_is_live(uow, user.id, sid)
        if user is None or not live:
            _forget_cookie()
            return None
        found = Principal.of(user), user.must_change_password
    if now - float(session.get("seen_at", 0)) > 30:  # refresh the cookie at most twice a minute
        session["seen_at"] = now
    return found


def session_principal() -> Principal | None:
    """The signed-in user of this browser session, None when nobody is; SessionExpired after a timeout;
    PasswordChangeRequired while the user must change their password first."""
    found = signed_in_user()
    if found is None:
        return None
    principal, must_change = found
    if must_change:
        raise auth.PasswordChangeRequired("须先修改密码")
    return principal


def password_sign_in(username: str, password: str) -> auth.SignIn:
    services = current_services()
    sid = secrets.token_urlsafe(32)
    with services.uow() as uow:
        signed_in = credentials.sign_in_browser(
            uow, username, password, services.ctx.now(), demo_mode=services.settings.demo_mode, session_id=sid,
            ip=request.remote_addr or "",
        )  # fmt: skip
    sign_in(signed_in.principal, sid)
    return signed_in


def change_password(current_password: str, new_password: str) -> None:
    """修改密码 from the page: this session stays signed in, every other session and token ends."""
    services = current_services()
    username = str(session.get("user") or "")
    with services.uow() as uow:
        credentials.change_own_password(
            uow, username, current_password, new_password, services.ctx.now(), keep_session=session_id()
        )
