"""安全管理员's use cases: users, passwords, lockouts, roles and units — and nothing about flows.

Every change is audited with before/after in the same transaction. A user holds at most one of the
three administrator roles, and no security administrator changes, resets or disables their own account
here (they use 修改密码 like everyone else), so one person cannot quietly widen their own powers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service.access import audit_log, credentials
from service.access.principal import ADMINISTRATORS, ROLES, SECURITY_ADMIN, UNIT_LANE, Principal
from service.db.models import User
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
CLI = Principal("cli", "命令行", frozenset({SECURITY_ADMIN}), None)  # `duban user ...`, run on the server
POSITIONS = ("联络员", "负责人")  # in a unit; tasks naming a position go only to its holders


def check_may_manage(actor: Principal) -> None:
    if not actor.is_security_admin:
        raise Forbidden("只有安全管理员可以管理用户、密码和角色")


def may_list(actor: Principal) -> bool:
    """The security administrator manages users; the system administrator reads the list (read-only)."""
    return actor.is_security_admin or actor.is_admin


def list_users(uow: UnitOfWork, actor: Principal) -> Sequence[User]:
    if not may_list(actor):
        raise Forbidden("只有安全管理员和系统管理员可以查看用户列表")
    return uow.users.all()


def get_user(uow: UnitOfWork, actor: Principal, username: str) -> User:
    if not may_list(actor):
        raise Forbidden("只有安全管理员和系统管理员可以查看用户")
    return _user(uow, username)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {"errors": {field: [message]}})


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def _other_user(uow: UnitOfWork, actor: Principal, username: str) -> User:
    if username == actor.username:
        raise Forbidden("不能在此修改自己的账户（请使用“修改密码”）")
    return _user(uow, username)


def _snapshot(user: User) -> dict[str, Any]:
    return {"roles": [r.name for r in user.roles], "unit": user.unit.code if user.unit else None}


def _profile(user: User) -> dict[str, Any]:
    return {"display_name": user.display_name, "position": user.position, "email": user.email, **_snapshot(user)}


def _checked_profile(fields: dict[str, Any]) -> dict[str, Any]:
    display_name = str(fields.get("display_name") or "").strip()
    if not display_name or len(display_name) > 100:
        raise _invalid("display_name", "请填写姓名（不超过 100 字）")
    position = str(fields.get("position") or "").strip()
    if position and position not in POSITIONS:
        raise _invalid("position", "职务须为：" + "、".join(POSITIONS) + "，或不填")
    email = str(fields.get("email") or "").strip() or None
    if email is not None and (len(email) > 320 or "@" not in email):
        raise _invalid("email", "电子邮箱格式不正确")
    return {"display_name": display_name, "position": position, "email": email}


def _apply_roles(uow: UnitOfWork, user: User, roles: Sequence[str], unit_code: str | None) -> None:
    names = list(dict.fromkeys(roles))
    unknown = [r for r in names if r not in ROLES]
    if not names or unknown:
        raise _invalid("roles", "未知的角色：" + "、".join(unknown) if unknown else "至少选择一个角色")
    if len(set(names) & ADMINISTRATORS) > 1:
        raise _invalid("roles", "三员分立：系统管理员、安全管理员、审计管理员不能由同一用户兼任")
    unit = uow.units.by_code(unit_code) if unit_code else None
    if unit_code and unit is None:
        raise _invalid("unit", f"单位 {unit_code} 不存在")
    if unit is not None and not unit.active and unit is not user.unit:
        raise _invalid("unit", f"单位 {unit.name} 已停用，不能再分配用户")
    if UNIT_LANE in names and unit is None:
        raise _invalid("unit", "承办单位的用户须指定所属单位")
    role_rows = [uow.users.role(name) for name in names]
    if any(row is None for row in role_rows):
        raise _invalid("roles", "角色尚未初始化，请先运行 duban demo 或 duban db upgrade")
    user.roles = [row for row in role_rows if row is not None]
    user.unit = unit


def new_user(uow: UnitOfWork, fields: dict[str, Any]) -> User:
    """A checked user, added and flushed but not committed (create and the import share it)."""
    username = str(fields.get("username", "")).strip()
    if not USERNAME.match(username):
        raise _invalid("username", "用户名须以小写字母开头，由小写字母、数字、_ . - 组成，2–64 位")
    if uow.users.by_username(username) is not None:
        raise Conflict(f"用户名 {username} 已存在", {"errors": {"username": ["用户名已存在"]}})
    user = User(
        username=username,
        password_hash="",
        **_checked_profile(fields),
        active=True,
        failed_logins=0,
        must_change_password=fields.get("must_change_password", True) is not False,
    )
    _apply_roles(uow, user, fields.get("roles") or [], fields.get("unit") or None)
    credentials.set_password(user, str(fields.get("password", "")), "password")
    uow.users.add(user)
    uow.users.flush()
    return user


def create_user(uow: UnitOfWork, actor: Principal, now: datetime, fields: dict[str, Any]) -> User:
    """新建用户 with an initial password, which the user must change at first sign-in; commits."""
    check_may_manage(actor)
    user = new_user(uow, fields)
    audit_log.record(uow, audit_log.USER_CREATED, actor.username, now, user.username, {"after": _profile(user)})
    uow.commit()
    return user


def reset_password(
    uow: UnitOfWork, actor: Principal, now: datetime, username: str, new_password: str, *, must_change: bool = True
) -> User:
    """重置密码: a temporary password the user must change at next sign-in; every session and token ends."""
    check_may_manage(actor)
    user = _other_user(uow, actor, username)
    credentials.set_password(user, new_password, "password")
    user.must_change_password = must_change
    user.failed_logins, user.locked_until = 0, None
    revoked = credentials.revoke_all(uow, user, "password_reset")
    audit_log.record(
        uow, audit_log.PASSWORD_RESET, actor.username, now, username, {**revoked, "must_change": must_change}
    )
    uow.commit()
    return user


def unlock(uow: UnitOfWork, actor: Principal, now: datetime, username: str) -> User:
    """解除锁定 after too many failed sign-ins."""
    check_may_manage(actor)
    user = _other_user(uow, actor, username)
    before = user.locked_until.isoformat() if user.locked_until else None
    user.failed_logins, user.locked_until = 0, None
    audit_log.record(uow, audit_log.USER_UNLOCKED, actor.username, now, username, {"locked_until": before})
    uow.commit()
    return user


def set_active(uow: UnitOfWork, actor: Principal, now: datetime, username: str, active: bool) -> User:
    """停用 (every session and token ends at once) or 启用 a user."""
    check_may_manage(actor)
    user = _other_user(uow, actor, username)
    if user.active == active:
        return user
    user.active = active
    details: dict[str, Any] = {"before": not active, "after": active}
    if not active:
        details.update(credentials.revoke_all(uow, user, "disabled"))
    action = audit_log.USER_ENABLED if active else audit_log.USER_DISABLED
    audit_log.record(uow, action, actor.username, now, username, details)
    uow.commit()
    return user


def set_roles(
    uow: UnitOfWork, actor: Principal, now: datetime, username: str, roles: Sequence[str], unit_code: str | None
) -> User:
    """变更角色或单位; takes effect on the user's next request (principals are read on every request)."""
    check_may_manage(actor)
    user = _other_user(uow, actor, username)
    before = _snapshot(user)
    _apply_roles(uow, user, roles, unit_code)
    after = _snapshot(user)
    if after != before:
        audit_log.record(
            uow, audit_log.USER_ROLES_CHANGED, actor.username, now, username, {"before": before, "after": after}
        )
    uow.commit()
    return user


def update_user(uow: UnitOfWork, actor: Principal, now: datetime, username: str, fields: dict[str, Any]) -> User:
    """修改姓名、职务、邮箱, and roles and unit when given; audited with before/after."""
    check_may_manage(actor)
    user = _other_user(uow, actor, username)
    before = _profile(user)
    for key, value in _checked_profile(fields).items():
        setattr(user, key, value)
    if fields.get("roles") is not None:
        _apply_roles(uow, user, fields["roles"], fields.get("unit") or None)
    after = _profile(user)
    if after != before:
        audit_log.record(uow, audit_log.USER_CHANGED, actor.username, now, username, {"before": before, "after": after})
    uow.commit()
    return user
