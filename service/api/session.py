"""Tokens, health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_smorest import Blueprint

from service.access import authentication as auth
from service.api.schemas import HealthResponse, TokenRequest, TokenResponse
from service.db import session
from service.http.services import current_services

blp = Blueprint("session", __name__, description="登录令牌与健康检查")


@blp.post("/auth/token")
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
def issue_token(body: dict[str, Any]) -> dict[str, Any]:
    """用户名和密码换取访问令牌（须先修改密码的账户：403 password_change_required）"""
    services = current_services()
    ttl = timedelta(hours=services.settings.token_ttl_hours)
    with services.uow() as uow:
        token = auth.issue_token(
            uow, body["username"], body["password"], services.ctx.now(), ttl, demo_mode=services.settings.demo_mode
        )
    return {"token": token, "expires_in": int(ttl.total_seconds())}


@blp.get("/health")
@blp.doc(security=[])
@blp.response(200, HealthResponse)
def health() -> dict[str, Any]:
    """服务与数据库状态"""
    services = current_services()
    return {"status": "ok", "database": session.ping(services.db)}
