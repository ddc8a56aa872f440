"""Server-side re-validation of form-js (bpmn.io) user-task submissions against the form JSON.

Error keys are flat dotted paths ('addr.city', 'items.0.name'), messages are Chinese. Dotted keys and group
`path`s nest the data as in form-js; undeclared keys are rejected.

    values.py   one value against its component (messages, per-type checks, marshmallow fields)
    walk.py     one pass over a form (schema, labels, requiredWhen rules, definition errors)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from service.form_validation.values import REQUIRED, FormDefinitionError, FormValidationError, is_empty
from service.form_validation.walk import Rule, analyse, analysis, build_schema

__all__ = [
    "REQUIRED",
    "FormDefinitionError",
    "FormValidationError",
    "build_schema",
    "check_form_definition",
    "field_choices",
    "field_labels",
    "validate_submission",
]


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _holds(data: Mapping[str, Any], context: Mapping[str, Any], other: str, expected: str) -> bool:
    actual = _lookup(data, other)
    if actual is None:
        actual = _lookup(context, other)  # not submitted by this form: the task's data
    shown = str(actual).lower() if isinstance(actual, bool) else str(actual)
    return actual is not None and shown == expected


def _conditional_errors(
    rules: tuple[Rule, ...], data: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, conditions in rules:
        if all(_holds(data, context, o, e) for o, e in conditions) and is_empty(_lookup(data, key)):
            errors[key] = [REQUIRED]
    return errors


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if not isinstance(messages, Mapping):
        return {prefix.rstrip(".") or "_schema": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        # marshmallow reports a wrongly typed nested object under '_schema': report it on the object itself
        for key, texts in _flatten(value, prefix if name == "_schema" else f"{prefix}{name}.").items():
            flat.setdefault(key, []).extend(texts)
    return flat


def validate_submission(
    form: Mapping[str, Any], data: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Cleaned data (declared keys only), or FormValidationError with flat dotted keys ('items.0.name').
    `context` (the task's data) answers `requiredWhen` conditions on keys the form does not submit."""
    schema, rules = analysis(form)
    conditional = _conditional_errors(rules, data, context or {}) if isinstance(data, Mapping) else {}
    try:
        cleaned = dict(schema().load(data))
    except ValidationError as exc:
        errors = _flatten(exc.normalized_messages())
        for key, texts in conditional.items():
            errors.setdefault(key, texts)
        raise FormValidationError(errors) from None
    if conditional:
        raise FormValidationError(conditional)
    return cleaned


def field_labels(form: Mapping[str, Any]) -> dict[str, str]:
    """Dotted key -> label; list indices omitted ('items.name' labels error key 'items.0.name')."""
    return analyse(form).labels


def field_choices(form: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Key -> {option value: option label} for fields with fixed options, to show answers in words."""
    out: dict[str, dict[str, str]] = {}

    def walk(components: Any) -> None:
        for comp in components if isinstance(components, list) else []:
            if isinstance(comp, Mapping):
                values = comp.get("values")
                if isinstance(comp.get("key"), str) and isinstance(values, list):
                    out[comp["key"]] = {
                        str(v.get("value")): str(v.get("label", v.get("value")))
                        for v in values
                        if isinstance(v, Mapping)
                    }
                walk(comp.get("components"))

    walk(form.get("components"))
    return out


def check_form_definition(form: Any) -> list[str]:
    """Problems in the form JSON itself (for deploy time); empty when the form is usable."""
    return analyse(form).errors
