"""Server-side re-validation of form-js (bpmn.io) user-task submissions against the form JSON.

Error keys are flat dotted paths ('addr.city', 'items.0.name'), messages are Chinese. Dotted keys and group
`path`s nest the data as in form-js; undeclared keys are rejected.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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


class _FormSchema(Schema):
    error_messages = {"type": INVALID, "unknown": UNKNOWN}

    class Meta:
        unknown = RAISE


def _empty(value: Any) -> bool:
    """None, [] and blank text are 'no answer' (form-js accepts spaces as an answer; we do not)."""
    return value is None or (isinstance(value, list) and not value) or (isinstance(value, str) and not value.strip())


class _EmptyAware(fields.Field):
    """No answer (see `_empty`): an error when required, else kept without further checks."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if _empty(value):
            if self.required:
                raise ValidationError(REQUIRED)
            return value
        return super().deserialize(value, attr, data, **kwargs)


class _List(_EmptyAware, fields.List):
    pass


class _PathGroup(fields.Nested):
    """Object made by a group `path` / dotted key; loaded even when absent so inner required fields report."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        out = super().deserialize({} if value is missing or value is None else value, attr, data, **kwargs)
        return out if out or value is not missing else missing


class _Value(_EmptyAware):
    def __init__(self, component: Mapping[str, Any], rules: Mapping[str, Any], required: bool) -> None:
        super().__init__(required=required, error_messages={"required": REQUIRED})
        self.component, self.rules = component, rules

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        errors = _check(self.component, self.rules, self.required, value)
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


def _check(component: Mapping[str, Any], rules: Mapping[str, Any], required: bool, value: Any) -> list[str]:
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


def _schema_class(tree: dict[str, Any]) -> type[Schema]:
    nested = {
        k: _PathGroup(_schema_class(v), error_messages={"type": INVALID})
        for k, v in tree.items()
        if isinstance(v, dict)
    }
    return _FormSchema.from_dict({**tree, **nested}, name="FormSchema")


@dataclass
class _Walk:
    """One pass over a form: builds the tree of fields, collects definition errors and labels."""

    tree: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    # (field key, other key, value): the field is required when the other field has that value.
    required_when: list[tuple[str, str, str]] = field(default_factory=list)

    def node(self, tree: dict[str, Any], path: Any, leaf: fields.Field | None, where: str) -> Any:
        """Create `path` in `tree` and put `leaf` at its end, or (leaf None) return the sub-tree there."""
        parts = path.split(".") if isinstance(path, str) else []
        if not all(parts) or not parts:
            self.errors.append(f"{where}: key/path 无效: {path!r}")
            return None
        for part in parts[:-1]:
            tree = tree.setdefault(part, {})
            if not isinstance(tree, dict):
                break
        else:
            if leaf is None and isinstance(tree.setdefault(parts[-1], {}), dict):
                return tree[parts[-1]]
            if leaf is not None and parts[-1] not in tree:
                tree[parts[-1]] = leaf
                return leaf
        self.errors.append(f"{where}: key 重复或与其他字段冲突: {path!r}")
        return None

    def walk(self, components: Any, tree: dict[str, Any], scope: str, where: str, hidden: Any = False) -> None:
        if not isinstance(components, list):
            self.errors.append(f"{where}: 必须是组件列表")
            return
        for index, component in enumerate(components):
            here = f"{where}[{index}]"
            if not isinstance(component, Mapping) or not isinstance(component.get("type"), str):
                self.errors.append(f"{here}: 组件必须是带 type 的对象")
                continue
            kind, rules = component["type"], component.get("validate")
            rules = rules if isinstance(rules, Mapping) else {}
            try:
                re.compile(rules["pattern"]) if isinstance(rules.get("pattern"), str) else None
            except re.error as exc:
                self.errors.append(f"{here}: 正则表达式无效 {rules['pattern']!r}: {exc}")
            # Fields hidden by a FEEL `conditional` (or inside a hidden container) or disabled are left out by
            # form-js: we cannot evaluate FEEL, so they are never required here.
            conditional = component.get("conditional")
            off = hidden or (isinstance(conditional, Mapping) and conditional.get("hide")) or component.get("disabled")
            required = bool(rules.get("required")) and not off
            key = component.get("path") if kind in ("group", "dynamiclist") else component.get("key")
            key = component.get("key") if kind == "dynamiclist" and not key else key
            full, children = f"{scope}.{key}" if scope else str(key), component.get("components", [])
            if kind == "group":  # without a path its fields are flattened into the parent
                sub = self.node(tree, key, None, here) if key else tree
                if sub is not None:
                    self.walk(children, sub, full if key else scope, f"{here}.components", off)
            elif kind == "dynamiclist":  # list of objects, each validated by the child components
                items: dict[str, Any] = {}
                self.walk(children, items, full, f"{here}.components", off)
                item = fields.Nested(_schema_class(items), error_messages={"type": INVALID, "null": INVALID})
                messages: dict[str, Any] = {"required": REQUIRED, "invalid": INVALID}
                leaf = _List(item, required=required, error_messages=messages)
                self.bind(tree, key, leaf, here, full, component)
            elif kind in INPUT_TYPES or (key is not None and kind not in NO_DATA_TYPES):
                self.bind(tree, key, _Value(component, rules, required), here, full, component)

    def bind(self, tree: dict[str, Any], key: Any, leaf: fields.Field, where: str, full: str, comp: Any) -> None:
        if self.node(tree, key, leaf, where) is not None:
            self.labels[full] = str(comp.get("label") or full)
            self.conditional_rule(comp, full, where)

    def conditional_rule(self, comp: Any, full: str, where: str) -> None:
        """Custom property `requiredWhen: "other_key=value"` (set in the form editor's custom properties):
        a rule form-js cannot express, e.g. a return reason is required when the decision is 'return'."""
        props = comp.get("properties")
        rule = props.get("requiredWhen") if isinstance(props, Mapping) else None
        if rule is None:
            return
        other, sep, expected = str(rule).partition("=")
        if not sep or not other.strip():
            self.errors.append(f"{where}: requiredWhen 应写作 字段=值: {rule!r}")
            return
        self.required_when.append((full, other.strip(), expected.strip()))


def _analyse(form: Any) -> _Walk:
    walk = _Walk()
    if isinstance(form, Mapping):
        walk.walk(form.get("components"), walk.tree, "", "components")
    else:
        walk.errors.append("表单定义必须是 JSON 对象")
    return walk


@functools.lru_cache(maxsize=256)
def _cached_analysis(canonical: str) -> tuple[type[Schema], tuple[tuple[str, str, str], ...]]:
    walk = _analyse(json.loads(canonical))
    if walk.errors:
        raise FormDefinitionError(walk.errors)
    return _schema_class(walk.tree), tuple(walk.required_when)


def _analysis(form: Mapping[str, Any]) -> tuple[type[Schema], tuple[tuple[str, str, str], ...]]:
    return _cached_analysis(json.dumps(form, sort_keys=True, ensure_ascii=False, default=str))


def build_schema(form: Mapping[str, Any]) -> Schema:
    """Marshmallow schema for a form-js form (classes cached by content); FormDefinitionError if unusable."""
    return _analysis(form)[0]()


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _conditional_errors(rules: tuple[tuple[str, str, str], ...], data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, other, expected in rules:
        actual = _lookup(data, other)
        shown = str(actual).lower() if isinstance(actual, bool) else str(actual)
        if actual is not None and shown == expected and _empty(_lookup(data, key)):
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


def validate_submission(form: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned data (declared keys only), or FormValidationError with flat dotted keys ('items.0.name')."""
    schema, rules = _analysis(form)
    conditional = _conditional_errors(rules, data) if isinstance(data, Mapping) else {}
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
    return _analyse(form).labels


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
    return _analyse(form).errors
