"""The session cookie: always HttpOnly and SameSite=Lax; Secure as DUBAN_SECURE_COOKIES says —
`auto` (the default: on when this request came over https, or PREFERRED_URL_SCHEME is https, e.g.
behind a TLS-terminating proxy), `1` (always) or `0` (never)."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

SECURE_MODES = ("auto", "1", "0")


class SessionCookies(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("DUBAN_SECURE_COOKIES", "auto")
        if mode == "1":
            return True
        if mode == "0":
            return False
        if app.config.get("PREFERRED_URL_SCHEME") == "https":
            return True
        return has_request_context() and request.is_secure


def configure(app: Flask, secure_mode: str) -> None:
    if secure_mode not in SECURE_MODES:
        raise ValueError(f"DUBAN_SECURE_COOKIES must be one of {', '.join(SECURE_MODES)}, not {secure_mode!r}")
    # Set, not setdefault: Flask's defaults already hold these keys (SameSite None), so setdefault did nothing.
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True, DUBAN_SECURE_COOKIES=secure_mode)
    app.session_interface = SessionCookies()
