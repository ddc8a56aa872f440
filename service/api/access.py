"""Access: changing one's password; 安全管理员's user management; 审计管理员's audit log."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint

from service.access import audit_log, credentials, user_admin
from service.api.access_schemas import (
    AuditEntrySchema,
    AuditQuery,
    ManagedUserSchema,
    PasswordChangeRequest,
    PasswordResetRequest,
    RolesRequest,
    UserCreateRequest,
)
from service.api.schemas import page_of
from service.http.caller import current_principal
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("access", __name__, description="账户安全：修改密码、用户管理（安全管理员）、审计日志（审计管理员）")


def _services() -> Any:
    return current_services()


@blp.post("/auth/password")
@blp.doc(security=[])
@blp.arguments(PasswordChangeRequest)
@blp.response(204)
def change_password(body: dict[str, Any]) -> None:
    """修改自己的密码（凭当前密码；也用于“须先修改密码”的账户）。其他登录会话和全部 API 令牌随即失效"""
    services = _services()
    with services.uow() as uow:
        credentials.change_own_password(
            uow, body["username"], body["current_password"], body["new_password"], services.ctx.now(), channel="api"
        )


@blp.post("/users")
@blp.arguments(UserCreateRequest)
@blp.response(201, ManagedUserSchema)
def create_user(body: dict[str, Any]) -> Any:
    """新建用户（仅安全管理员）；用户首次登录须修改初始密码"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.create_user(uow, actor, services.ctx.now(), body)


@blp.get("/users/<username>")
@blp.response(200, ManagedUserSchema)
def get_user(username: str) -> Any:
    """一个用户（安全管理员、系统管理员）"""
    actor = current_principal()
    with _services().uow() as uow:
        return user_admin.get_user(uow, actor, username)


@blp.post("/users/<username>/password-reset")
@blp.arguments(PasswordResetRequest)
@blp.response(200, ManagedUserSchema)
def reset_password(body: dict[str, Any], username: str) -> Any:
    """重置密码为临时密码（仅安全管理员）；该用户的全部会话和令牌失效，下次登录须修改密码"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.reset_password(uow, actor, services.ctx.now(), username, body["password"])


@blp.post("/users/<username>/unlock")
@blp.response(200, ManagedUserSchema)
def unlock(username: str) -> Any:
    """解除登录失败锁定（仅安全管理员）"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.unlock(uow, actor, services.ctx.now(), username)


@blp.post("/users/<username>/disable")
@blp.response(200, ManagedUserSchema)
def disable(username: str) -> Any:
    """停用用户（仅安全管理员）；其全部会话和令牌立即失效"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.set_active(uow, actor, services.ctx.now(), username, False)


@blp.post("/users/<username>/enable")
@blp.response(200, ManagedUserSchema)
def enable(username: str) -> Any:
    """启用用户（仅安全管理员）"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.set_active(uow, actor, services.ctx.now(), username, True)


@blp.put("/users/<username>/roles")
@blp.arguments(RolesRequest)
@blp.response(200, ManagedUserSchema)
def set_roles(body: dict[str, Any], username: str) -> Any:
    """变更角色和所属单位（仅安全管理员；三员不可兼任）"""
    actor = current_principal()
    services = _services()
    with services.uow() as uow:
        return user_admin.set_roles(uow, actor, services.ctx.now(), username, body["roles"], body["unit"])


@blp.get("/audit-log")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, page_of(AuditEntrySchema))
def audit(query: dict[str, Any]) -> Any:
    """审计日志：登录、锁定、密码、用户与角色、部署、重试、节假日、考核规则等操作（仅审计管理员；只读）"""
    actor = current_principal()
    filters: dict[str, Any] = {k: query.pop(k) for k in ("action", "target", "day_from", "day_to") if k in query}
    if "actor" in query:
        filters["actor_name"] = query.pop("actor")
    with _services().uow() as uow:
        return paginate(query, partial(audit_log.search, uow, actor, **filters))
