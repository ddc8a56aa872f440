"""Bearer-token authentication for the API; sets `g.principal`."""

from __future__ import annotations

from flask import current_app, g, request

from service import auth
from service.errors import Unauthorized
from service.principal import Principal


def current_principal() -> Principal:
    cached = g.get("principal")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("请提供令牌：Authorization: Bearer <token>")
    services = current_app.extensions["duban"]
    with services.uow() as uow:
        principal = auth.principal_for_token(uow, header[7:].strip(), services.ctx.now())
    g.principal = principal
    return principal
