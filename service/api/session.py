"""Tokens, health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from service.access import authentication as auth
from service.api.schemas import HealthResponse, TokenRequest, TokenResponse

blp = Blueprint("session", __name__, description="登录令牌与健康检查")


@blp.post("/auth/token")
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
def issue_token(body: dict[str, Any]) -> dict[str, Any]:
    """用户名和密码换取访问令牌（须先修改密码的账户：403 password_change_required）"""
    services = current_app.extensions["duban"]
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
    services = current_app.extensions["duban"]
    with services.db.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": services.db.dialect.name}
