"""What a form may ask the service to fill in before the person sees it (`properties.prefill` on a field):

    today          the date in Asia/Shanghai (YYYY-MM-DD)
    my_name        the person's own name
    my_unit_name   the name of the person's unit
    my_unit_head   the name of their unit's 负责人 (the active user of that unit whose position is 负责人)

A prefilled value is only a proposal: it is shown in the field, the person may change it, and what is
submitted is validated like anything typed. Values already in the task's data win."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from service import workdays
from service.access.principal import Principal
from service.db.session import UnitOfWork

PREFILL = "prefill"
UNIT_HEAD = "负责人"
SOURCES = ("today", "my_name", "my_unit_name", "my_unit_head")


def _fields(components: Any) -> Iterator[tuple[str, str]]:
    """(key, source) of every top-level or grouped field that asks for a prefill."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == "group" and not component.get("path"):
            yield from _fields(component.get("components"))
        properties = component.get("properties")
        key = component.get("key")
        if isinstance(properties, Mapping) and isinstance(key, str) and properties.get(PREFILL) in SOURCES:
            yield key, str(properties[PREFILL])


def _value(uow: UnitOfWork, actor: Principal, source: str, now: datetime) -> str | None:
    if source == "today":
        return workdays.as_date(now).isoformat()
    if source == "my_name":
        return actor.display_name
    if actor.unit_code is None:
        return None
    if source == "my_unit_name":
        return uow.units.names().get(actor.unit_code)
    heads = uow.users.in_unit(actor.unit_code, UNIT_HEAD)
    return heads[0].display_name if heads else None


def defaults(
    uow: UnitOfWork, actor: Principal, form: Mapping[str, Any] | None, data: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    """{field key: proposed value} for the fields that ask for one and have no value yet."""
    found: dict[str, str] = {}
    for key, source in _fields((form or {}).get("components")):
        if data.get(key) in (None, ""):
            value = _value(uow, actor, source, now)
            if value:
                found[key] = value
    return found
