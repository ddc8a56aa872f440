"""Start data checked against a form-js form (process property `startForm`): the form's fields and rules,
with nothing required (the start only pre-fills; the flow's own task asks for what is missing), and unit
pickers (`valuesKey: unit_options`) holding real unit codes."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from service.db.session import UnitOfWork
from service.form_validation import FormValidationError, check_form_definition, validate_submission
from service.form_validation.values import UNKNOWN

UNDECLARED = "该流程发起时不接受此项数据（未在流程的 startVariables / startForm 中声明）"
NOT_A_UNIT = "不是有效的单位代码"
UNIT_OPTIONS = "unit_options"


def form_problems(form: Any) -> list[str]:
    return check_form_definition(form)


def _optional(components: Any) -> None:
    """Drop `validate.required` and `properties.requiredWhen` everywhere, in place."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        if isinstance(component.get("validate"), dict):
            component["validate"].pop("required", None)
        if isinstance(component.get("properties"), dict):
            component["properties"].pop("requiredWhen", None)
        _optional(component.get("components"))


def _unit_paths(components: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths of the unit pickers; '*' stands for every element of a dynamic list."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        kind, key, path = component.get("type"), component.get("key"), component.get("path")
        if kind == "group":
            inner = (*prefix, *str(path).split(".")) if path else prefix
            yield from _unit_paths(component.get("components"), inner)
        elif kind == "dynamiclist":
            name = path or key
            if name:
                yield from _unit_paths(component.get("components"), (*prefix, *str(name).split("."), "*"))
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


def _unit_errors(uow: UnitOfWork, form: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for path in _unit_paths(form.get("components")):
        for shown, value in _values_at(data, path):
            codes = value if isinstance(value, list) else [] if value is None or value == "" else [value]
            if any(not isinstance(c, str) or uow.units.by_code(c) is None for c in codes):
                errors[shown] = [NOT_A_UNIT]
    return errors


def validate_against_form(
    uow: UnitOfWork, form: Mapping[str, Any], data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(cleaned data, errors by dotted key); errors empty when the data fits the form."""
    optional = copy.deepcopy(dict(form))
    _optional(optional.get("components"))
    try:
        cleaned = validate_submission(optional, data)
    except FormValidationError as exc:
        errors = {key: [UNDECLARED if text == UNKNOWN else text for text in texts] for key, texts in exc.errors.items()}
        return {}, errors
    return cleaned, _unit_errors(uow, form, cleaned)
