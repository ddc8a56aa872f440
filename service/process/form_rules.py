"""Form rules the service checks besides form-js' own (custom properties set in the form editor):

    properties.notPast: true         a date field may not be before today (Asia/Shanghai), e.g. 完成日期
    properties.excludes: "lead_unit" a list field may not contain the value of that other field, e.g. the
                                     co-handling units may not include the lead unit

Checked at every task completion, after the form's own validation; errors are keyed by the field."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

NOT_PAST = "不能早于今天"


def _fields(components: Any) -> Iterator[Mapping[str, Any]]:
    for component in components if isinstance(components, list) else []:
        if isinstance(component, Mapping):
            if component.get("type") == "group" and not component.get("path"):
                yield from _fields(component.get("components"))
            elif isinstance(component.get("key"), str) and isinstance(component.get("properties"), Mapping):
                yield component


def _labels(components: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for component in components if isinstance(components, list) else []:
        if isinstance(component, Mapping):
            if isinstance(component.get("key"), str):
                out[component["key"]] = str(component.get("label") or component.get("dateLabel") or component["key"])
            out.update(_labels(component.get("components")))
    return out


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) and len(value) >= 10 else None
    except ValueError:
        return None


def rule_errors(form: Mapping[str, Any] | None, data: Mapping[str, Any], today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    components = (form or {}).get("components")
    for component in _fields(components):
        key, properties = component["key"], component["properties"]
        value = data.get(key)
        if properties.get("notPast") in (True, "true") and (day := _day(value)) is not None and day < today:
            errors[key] = [NOT_PAST]
        other = properties.get("excludes")
        excluded = data.get(other) if isinstance(other, str) else None
        if isinstance(value, list) and excluded not in (None, "") and excluded in value:
            errors[key] = [f"不能包含{_labels(components).get(str(other), str(other))}"]
    return errors
