"""Credentials over time: server-side browser sessions, changing one's own password, and revoking
every session and API token of a user (password change, reset, disable).

Session rows use the wall clock, like the cookie's idle and absolute timeouts (service.web.sessions):
tests move the service clock by months.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from service.access import audit_log, password_policy
from service.access import authentication as auth
from service.db.models import User
from service.db.models.access import WebSession
from service.db.session import UnitOfWork
from service.errors import InvalidInput
from service.workdays import system_clock as _wall_clock  # the real time, never the service's clock

SESSION_ROWS_KEPT = timedelta(hours=13)  # longer than any session lives (12 h absolute)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(uow: UnitOfWork, user_id: int, session_id: str, ip: str = "") -> None:
    now = _wall_clock()
    repo = uow.access
    repo.forget_sessions_before(user_id, now - SESSION_ROWS_KEPT)
    repo.open_session(WebSession(id=session_hash(session_id), user_id=user_id, created_at=now, ip=ip[:64]))


def session_is_live(uow: UnitOfWork, user_id: int, session_id: str) -> bool:
    return uow.access.live_session(session_hash(session_id), user_id) is not None


def end_session(uow: UnitOfWork, session_id: str, why: str) -> None:
    uow.access.end_session(session_hash(session_id), _wall_clock(), why)


def sign_in_browser(
    uow: UnitOfWork, username: str, password: str, now: datetime, *, demo_mode: bool, session_id: str, ip: str
) -> auth.SignIn:
    """Check the password and open a server-side browser session; commits."""
    signed_in = auth.check_credentials(uow, username, password, now, demo_mode=demo_mode, channel="web")
    open_session(uow, signed_in.user_id, session_id, ip)
    uow.commit()
    return signed_in


def sign_out_browser(uow: UnitOfWork, session_id: str, username: str | None, why: str, now: datetime) -> None:
    """End a browser session on the server (logout is audited; a timeout is not an act); commits."""
    end_session(uow, session_id, why)
    if why == "logout" and username:
        audit_log.record(uow, audit_log.SIGN_OUT, username, now, username)
    uow.commit()


def revoke_all(uow: UnitOfWork, user: User, why: str, keep_session: str | None = None) -> dict[str, int]:
    """End every browser session of the user (but `keep_session`) and delete every API token."""
    repo = uow.access
    keep = session_hash(keep_session) if keep_session else None
    return {
        "sessions_ended": repo.end_sessions_of(user.id, _wall_clock(), why, keep),
        "tokens_revoked": repo.revoke_tokens_of(user.id),
    }


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    """Hash and store a new password that meets the policy (InvalidInput naming `field` otherwise)."""
    password_policy.check(new_password, user.username, field)
    user.password_hash = auth.hash_password(new_password)


def change_own_password(
    uow: UnitOfWork,
    username: str,
    current_password: str,
    new_password: str,
    now: datetime,
    *,
    keep_session: str | None = None,
    channel: str = "web",
) -> None:
    """修改密码: the current password (failures count toward the lockout), the policy, then every other
    session and every API token of the user are revoked; commits."""
    user = auth.verify_password(uow, username, current_password, now, channel)
    password_policy.check(new_password, username)
    if new_password == current_password:
        raise InvalidInput("新密码不能与当前密码相同", {"errors": {"new_password": ["新密码不能与当前密码相同"]}})
    set_password(user, new_password)
    user.must_change_password = False
    revoked = revoke_all(uow, user, "password_changed", keep_session)
    audit_log.record(uow, audit_log.PASSWORD_CHANGED, username, now, username, {"channel": channel, **revoked})
    uow.commit()
