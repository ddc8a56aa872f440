"""Passwords and API tokens. Secrets are stored hashed, never in clear."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from service.db.models import ApiToken
from service.db.session import UnitOfWork
from service.errors import Unauthorized
from service.principal import Principal

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Compared against when the user does not exist, so timing does not reveal valid usernames.
_DUMMY_HASH = generate_password_hash("duban-dummy-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_credentials(uow: UnitOfWork, username: str, password: str, now: datetime) -> Principal:
    """The principal for a username/password, with lockout after repeated failures."""
    user = uow.users.by_username(username)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("用户名或密码错误")
    if user.locked_until is not None and user.locked_until > now:
        raise Unauthorized(
            "登录失败次数过多，账户已暂时锁定，请稍后再试", {"locked_until": user.locked_until.isoformat()}
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        uow.commit()
        raise Unauthorized("用户名或密码错误")
    user.failed_logins = 0
    user.locked_until = None
    return Principal.of(user)


def issue_token(uow: UnitOfWork, username: str, password: str, now: datetime, ttl: timedelta) -> str:
    principal = check_credentials(uow, username, password, now)
    user = uow.users.by_username(principal.username)
    assert user is not None
    token = secrets.token_urlsafe(32)
    uow.users.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), created_at=now, expires_at=now + ttl))
    uow.commit()
    return token


def principal_for_token(uow: UnitOfWork, token: str, now: datetime) -> Principal:
    row = uow.users.token(_token_digest(token))
    if row is None or row.expires_at <= now:
        raise Unauthorized("令牌无效或已过期")
    user = uow.users.get(row.user_id)
    if user is None or not user.active:
        raise Unauthorized("令牌无效或已过期")
    return Principal.of(user)
