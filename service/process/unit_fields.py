"""Unit pickers in forms (`valuesKey: unit_options`): names are shown, unit codes are stored, and a code
that names no unit is refused on its field — at the start of a flow and at every task completion."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.db.session import UnitOfWork

UNIT_OPTIONS = "unit_options"
NOT_A_UNIT = "不是有效的单位代码"


def options(uow: UnitOfWork) -> list[dict[str, str]]:
    """The list a unit picker offers: {label: name, value: code}, in the organisation's order."""
    return [{"label": u.name, "value": u.code} for u in uow.units.all()]


def unit_paths(components: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths of the unit pickers; '*' stands for every element of a dynamic list."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        kind, key, path = component.get("type"), component.get("key"), component.get("path")
        if kind == "group":
            inner = (*prefix, *str(path).split(".")) if path else prefix
            yield from unit_paths(component.get("components"), inner)
        elif kind == "dynamiclist":
            name = path or key
            if name:
                yield from unit_paths(component.get("components"), (*prefix, *str(name).split("."), "*"))
        elif component.get("valuesKey") == UNIT_OPTIONS and isinstance(key, str):
            yield prefix + tuple(key.split("."))


def _values_at(data: Any, path: tuple[str, ...], shown: str = "") -> Iterator[tuple[str, Any]]:
    if not path:
        yield shown, data
        return
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _values_at(item, rest, f"{shown}.{index}" if shown else str(index))
    elif isinstance(data, Mapping) and head in data:
        yield from _values_at(data[head], rest, f"{shown}.{head}" if shown else head)


def unit_errors(uow: UnitOfWork, form: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, list[str]]:
    """{dotted key: [message]} for every unit picker whose value is not the code of a unit."""
    errors: dict[str, list[str]] = {}
    known: set[str] | None = None  # read once, only when the form has a unit picker
    for path in unit_paths((form or {}).get("components")):
        for shown, value in _values_at(data, path):
            codes = value if isinstance(value, list) else [] if value is None or value == "" else [value]
            if known is None:
                known = {u.code for u in uow.units.all()}
            if any(not isinstance(c, str) or c not in known for c in codes):
                errors[shown] = [NOT_A_UNIT]
    return errors
