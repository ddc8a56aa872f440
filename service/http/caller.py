"""Who is calling the API: a bearer token, or a signed-in browser session (then CSRF-checked); sets `g.principal`."""

from __future__ import annotations

from flask import g, request

from service.access import authentication as auth
from service.access.principal import Principal
from service.errors import Unauthorized
from service.http import sessions
from service.http.services import current_services


def current_principal() -> Principal:
    cached = g.get("principal")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        services = current_services()
        with services.uow() as uow:
            uow.begin_read(brief=True)  # a read, also for a POST: it must not queue for SQLite's write lock
            principal = auth.principal_for_token(uow, header[7:].strip(), services.ctx.now())
    else:
        found = sessions.session_principal()
        if found is None:
            raise Unauthorized("请提供令牌：Authorization: Bearer <token>，或先登录")
        sessions.check_csrf()
        principal = found
    g.principal = principal
    return principal
