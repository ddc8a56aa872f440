"""One submitted value against its form-js component: the Chinese messages, the emptiness rule and the
per-type checks, as marshmallow fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing

REQUIRED, INVALID, CHOICE, UNKNOWN = "此项为必填项", "格式不正确", "不是有效的选项", "未知字段"
NUMBER, EMAIL, PHONE = "不是有效的数字", "不是有效的电子邮箱地址", "不是有效的电话号码"
MIN_LENGTH, MAX_LENGTH = "长度不能少于 {min} 个字符", "长度不能超过 {max} 个字符"
MIN_VALUE, MAX_VALUE, DECIMALS = "不能小于 {min}", "不能大于 {max}", "小数位数不能超过 {n} 位"
_TIME = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
_DATETIME = {  # datetime subtype -> (full-match pattern, message)
    "date": (r"\d{4}-\d{2}-\d{2}", "日期格式应为 YYYY-MM-DD"),
    "time": (_TIME, "时间格式应为 HH:mm"),
    "datetime": (r"\d{4}-\d{2}-\d{2}T" + _TIME, "日期时间格式应为 YYYY-MM-DDTHH:mm"),
}
_EMAIL_RE = re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]{2,}")
_PHONE_RE = re.compile(r"(\+|00)[1-9]\d{6,14}|1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")  # intl, CN mobile, landline
NO_DATA_TYPES = frozenset(
    {"text", "html", "spacer", "separator", "image", "button", "iframe", "table", "documentPreview"}
)
INPUT_TYPES = frozenset(
    {"textfield", "textarea", "number", "checkbox", "checklist", "taglist", "select", "radio", "datetime"}
)


class FormValidationError(Exception):
    """Submitted data violates the form; `errors` maps dotted field keys to Chinese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class FormDefinitionError(ValueError):
    """The form JSON itself is unusable; `errors` as returned by `check_form_definition`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class FormSchema(Schema):
    error_messages = {"type": INVALID, "unknown": UNKNOWN}

    class Meta:
        unknown = RAISE


def is_empty(value: Any) -> bool:
    """None, [] and blank text are 'no answer' (form-js accepts spaces as an answer; we do not)."""
    return value is None or (isinstance(value, list) and not value) or (isinstance(value, str) and not value.strip())


class EmptyAware(fields.Field):
    """No answer (see `is_empty`): an error when required, else kept without further checks."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if is_empty(value):
            if self.required:
                raise ValidationError(REQUIRED)
            return value
        return super().deserialize(value, attr, data, **kwargs)


class ListField(EmptyAware, fields.List):
    pass


class PathGroup(fields.Nested):
    """Object made by a group `path` / dotted key; loaded even when absent so inner required fields report."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        out = super().deserialize({} if value is missing or value is None else value, attr, data, **kwargs)
        return out if out or value is not missing else missing


class ValueField(EmptyAware):
    def __init__(self, component: Mapping[str, Any], rules: Mapping[str, Any], required: bool) -> None:
        super().__init__(required=required, error_messages={"required": REQUIRED})
        self.component, self.rules = component, rules

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        errors = check_value(self.component, self.rules, self.required, value)
        if errors:
            raise ValidationError(errors)
        return value


def _decimal(value: Any) -> Decimal | None:
    """Finite number as Decimal; None for FEEL expressions ('=...'), booleans and other non-numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _limits(amount: Any, rules: Mapping[str, Any], low: str, high: str, texts: tuple[str, str]) -> list[str]:
    errors = []
    if (bound := _decimal(rules.get(low))) is not None and amount < bound:
        errors.append(texts[0].format(min=rules[low]))
    if (bound := _decimal(rules.get(high))) is not None and amount > bound:
        errors.append(texts[1].format(max=rules[high]))
    return errors


def check_value(component: Mapping[str, Any], rules: Mapping[str, Any], required: bool, value: Any) -> list[str]:
    """Error messages for one non-empty submitted value."""
    kind = component["type"]
    if kind in ("textfield", "textarea"):
        if not isinstance(value, str):
            return [INVALID]
        errors = _limits(len(value), rules, "minLength", "maxLength", (MIN_LENGTH, MAX_LENGTH))
        pattern, check = rules.get("pattern"), rules.get("validationType")
        if isinstance(pattern, str) and pattern and not re.search(pattern, value):  # JS RegExp.test()
            errors.append(INVALID)
        if check == "email" and not _EMAIL_RE.fullmatch(value):
            errors.append(EMAIL)
        if check == "phone" and not _PHONE_RE.fullmatch(value.replace(" ", "")):
            errors.append(PHONE)
        return errors
    if kind == "number":  # JSON numbers; numeric strings only when the form has `serializeToString`
        as_text = component.get("serializeToString")
        number = _decimal(value) if isinstance(value, int | float) or as_text else None
        if number is None:
            return [NUMBER]
        errors = _limits(number, rules, "min", "max", (MIN_VALUE, MAX_VALUE))
        digits, exponent = component.get("decimalDigits"), number.normalize().as_tuple().exponent
        if isinstance(digits, int) and isinstance(exponent, int) and -exponent > max(digits, 0):
            errors.append(DECIMALS.format(n=digits))
        return errors
    if kind == "checkbox":  # a required checkbox must be ticked, as in form-js
        return [INVALID] if not isinstance(value, bool) else [REQUIRED] if required and not value else []
    if kind in ("select", "radio", "checklist", "taglist"):
        multiple, options = kind in ("checklist", "taglist"), component.get("values")
        if multiple and not isinstance(value, list):
            return [INVALID]
        if component.get("valuesKey") or component.get("valuesExpression") or not isinstance(options, list):
            allowed = None  # options come from process data at runtime: accept any string or number
        else:
            allowed = [option.get("value") for option in options if isinstance(option, Mapping)]
        for item in value if multiple else [value]:
            if allowed is None and (isinstance(item, bool) or not isinstance(item, str | int | float)):
                return [CHOICE]
            if allowed is not None and not any(type(item) is type(o) and item == o for o in allowed):
                return [CHOICE]
        return []
    if kind == "datetime":
        subtype = str(component.get("subtype") or "date")
        pattern, message = _DATETIME.get(subtype, _DATETIME["date"])
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            return [message]
        try:
            if subtype != "time":
                date.fromisoformat(value[:10])  # rejects 2024-02-30
        except ValueError:
            return [message]
    return []  # unknown types (expression, filepicker, ...): value kept as submitted
