"""Jinja filters for what users read: Asia/Shanghai times, unit names, lights and status in words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, g

from service import ledger, workdays
from service.http.services import current_services
from service.i18n import gettext
from service.workdays import lights

LIGHT_WORDS = ledger.LIGHT_LABELS
# Instance and task statuses, then the ledger's (registering / handling / closed / error).
STATUS_WORDS = {
    "running": "办理中",
    "completed": "已办结",
    "ready": "待办",
    "cancelled": "已取消",
    "pending": "待生成",
    **ledger.STATUS_LABELS,
}


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(workdays.SHANGHAI).strftime(fmt) if value else ""


def local_date(value: datetime | None) -> str:
    return local_time(value, "%Y-%m-%d")


def due_date(value: datetime | None) -> str:
    """A deadline is stored as its first overdue moment (midnight after the day); people read the day itself."""
    return lights.deadline_date(value).isoformat() if value else ""


def unit_names() -> dict[str, str]:
    """code → name for this request (one query per request, only when a page shows units)."""
    names = g.get("unit_names")
    if names is None:
        with current_services().uow() as uow:
            names = g.unit_names = uow.units.names()
    return names


def user_name(username: str | None) -> str:
    if not username:
        return ""
    names = g.get("user_names")
    if names is None:
        with current_services().uow() as uow:
            names = g.user_names = uow.users.display_names()
    return str(names.get(username, username))


def unit_name(code: Any) -> str:
    if not code:
        return ""
    if isinstance(code, list):
        return "、".join(unit_name(c) for c in code)
    return unit_names().get(str(code), str(code))


def light_word(light: str | None) -> str:
    return gettext(LIGHT_WORDS[light]) if light in LIGHT_WORDS else "—"


def status_word(status: str | None) -> str:
    return gettext(STATUS_WORDS.get(status or "", status or ""))


def days_left(value: int | None) -> str:
    if value is None:
        return "—"
    if value < 0:
        return gettext("逾期 {n} 个工作日", n=-value)
    return gettext("剩 {n} 个工作日", n=value)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_time=local_time,
        local_date=local_date,
        due_date=due_date,
        unit_name=unit_name,
        user_name=user_name,
        light_word=light_word,
        status_word=status_word,
        days_left=days_left,
    )
