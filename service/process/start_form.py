"""Start data checked against a form-js form (process property `startForm`): the form's fields and rules,
with nothing required (the start only pre-fills; the flow's own task asks for what is missing), and unit
pickers (`valuesKey: unit_options`) holding real unit codes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from service.db.session import UnitOfWork
from service.form_validation import FormValidationError, check_form_definition, validate_submission
from service.form_validation.values import UNKNOWN
from service.process.option_lists import unit_errors

UNDECLARED = "该流程发起时不接受此项数据（未在流程的 startVariables / startForm 中声明）"


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
    return cleaned, unit_errors(uow, form, cleaned)
