"""What every page shares: sign-in required, CSRF on posts, the navigation counts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.access.authentication import PasswordChangeRequired
from service.access.principal import Principal
from service.http import sessions
from service.http.services import Services, current_services
from service.i18n import gettext
from service.process import inbox


def services() -> Services:
    return current_services()


def page(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """The view gets the signed-in Principal first; anonymous or timed-out browsers go to the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            principal = sessions.session_principal()
        except sessions.SessionExpired:
            flash(gettext("登录已超时，请重新登录"), "warning")
            principal = None
        except PasswordChangeRequired:
            return redirect(url_for("web.password_page", next=request.full_path.rstrip("?")))
        if principal is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        sessions.check_csrf()
        g.principal = principal
        return view(principal, *args, **kwargs)

    return wrapper


def nav_context() -> dict[str, Any]:
    principal: Principal | None = g.get("principal")
    max_mb = services().settings.max_upload_bytes // (1024 * 1024)
    if principal is None:
        return {"principal": None, "nav_counts": {}, "max_upload_mb": max_mb}
    counts = g.get("nav_counts")
    if counts is None:
        with services().uow() as uow:
            counts = g.nav_counts = inbox.counts(uow, principal)
            counts["unread"] = uow.notifications.unread_count(principal.username)  # nav link 通知
    return {"principal": principal, "nav_counts": counts, "max_upload_mb": max_mb}
