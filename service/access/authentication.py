"""Passwords, sign-in and API tokens. Secrets are stored hashed, never in clear.

Every sign-in, failure and lockout is written to the audit log in the same transaction. Outside demo
mode (DUBAN_DEMO_MODE) the demo password signs nobody in for work: the user must change it first.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from service.access import audit_log
from service.access.password_policy import DEMO_PASSWORD
from service.access.principal import Principal
from service.db.models import ApiToken, User
from service.db.session import UnitOfWork
from service.errors import Forbidden, Unauthorized

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the user does not exist, so timing does not reveal valid usernames. Made on
    first use: hashing costs ~0.1 s, which every start of the service paid at import time."""
    return generate_password_hash("duban-dummy-password")


WRONG = "用户名或密码错误"


class PasswordChangeRequired(Forbidden):
    """Signed in with a password that must be changed first (a reset, or the demo password outside demo mode)."""

    code = "password_change_required"


@dataclass(frozen=True)
class SignIn:
    principal: Principal
    user_id: int
    must_change_password: bool


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_password(uow: UnitOfWork, username: str, password: str, now: datetime, channel: str) -> User:
    """The active user whose password this is; otherwise Unauthorized, with the failure counted toward
    the lockout and audited (committed)."""
    user = uow.users.by_username(username)
    failed = {"channel": channel}
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        audit_log.record(uow, audit_log.SIGN_IN_FAILED, username, now, username, {**failed, "reason": "unknown"})
        uow.commit()
        raise Unauthorized(WRONG)
    if user.locked_until is not None and user.locked_until > now:
        audit_log.record(uow, audit_log.SIGN_IN_FAILED, username, now, username, {**failed, "reason": "locked"})
        uow.commit()
        raise Unauthorized(
            "登录失败次数过多，账户已暂时锁定，请稍后再试", {"locked_until": user.locked_until.isoformat()}
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        audit_log.record(uow, audit_log.SIGN_IN_FAILED, username, now, username, {**failed, "reason": "password"})
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            details = {"until": user.locked_until.isoformat(), "after_failures": MAX_FAILED_LOGINS}
            audit_log.record(uow, audit_log.ACCOUNT_LOCKED, "系统", now, username, details)
        uow.commit()
        raise Unauthorized(WRONG)
    user.failed_logins = 0
    user.locked_until = None
    return user


def check_credentials(
    uow: UnitOfWork, username: str, password: str, now: datetime, *, demo_mode: bool = True, channel: str = "web"
) -> SignIn:
    """Who signs in, with lockout after repeated failures; the caller commits the success."""
    user = verify_password(uow, username, password, now, channel)
    if not demo_mode and password == DEMO_PASSWORD:
        user.must_change_password = True
    details = {"channel": channel, "must_change_password": user.must_change_password}
    audit_log.record(uow, audit_log.SIGN_IN, user.username, now, user.username, details)
    return SignIn(Principal.of(user), user.id, user.must_change_password)


def issue_token(
    uow: UnitOfWork, username: str, password: str, now: datetime, ttl: timedelta, *, demo_mode: bool = True
) -> str:
    signed_in = check_credentials(uow, username, password, now, demo_mode=demo_mode, channel="api")
    if signed_in.must_change_password:
        uow.commit()
        raise PasswordChangeRequired(
            "须先修改密码才能使用：POST /api/v1/auth/password，或在网页登录后修改", {"username": username}
        )
    token = secrets.token_urlsafe(32)
    uow.users.add(
        ApiToken(user_id=signed_in.user_id, token_hash=_token_digest(token), created_at=now, expires_at=now + ttl)
    )
    uow.commit()
    return token


def principal_for_token(uow: UnitOfWork, token: str, now: datetime) -> Principal:
    holder = uow.users.token_holder(_token_digest(token))
    if holder is None or holder.expires_at <= now or not holder.active:
        raise Unauthorized("令牌无效或已过期")
    if holder.must_change_password:
        raise PasswordChangeRequired("须先修改密码")
    return Principal(holder.username, holder.display_name, holder.roles, holder.unit_code, holder.position)
