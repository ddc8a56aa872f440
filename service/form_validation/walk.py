"""One pass over a form-js form: the marshmallow schema of its fields, its labels, its `requiredWhen` rules and
the problems of the definition itself (cached by content)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields

from service.form_validation.values import (
    INPUT_TYPES,
    INVALID,
    NO_DATA_TYPES,
    REQUIRED,
    FormDefinitionError,
    FormSchema,
    ListField,
    PathGroup,
    ValueField,
)

# A requiredWhen rule: (field key, ((other key, value), ...)).
Rule = tuple[str, tuple[tuple[str, str], ...]]


def schema_class(tree: dict[str, Any]) -> type[Schema]:
    nested = {
        k: PathGroup(schema_class(v), error_messages={"type": INVALID}) for k, v in tree.items() if isinstance(v, dict)
    }
    return FormSchema.from_dict({**tree, **nested}, name="FormSchema")


@dataclass
class Walk:
    """One pass over a form: builds the tree of fields, collects definition errors and labels."""

    tree: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    # (field key, ((other key, value), ...)): the field is required when every other key has its value.
    required_when: list[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=list)

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
                item = fields.Nested(schema_class(items), error_messages={"type": INVALID, "null": INVALID})
                messages: dict[str, Any] = {"required": REQUIRED, "invalid": INVALID}
                leaf = ListField(item, required=required, error_messages=messages)
                self.bind(tree, key, leaf, here, full, component)
            elif kind in INPUT_TYPES or (key is not None and kind not in NO_DATA_TYPES):
                self.bind(tree, key, ValueField(component, rules, required), here, full, component)

    def bind(self, tree: dict[str, Any], key: Any, leaf: fields.Field, where: str, full: str, comp: Any) -> None:
        if self.node(tree, key, leaf, where) is not None:
            self.labels[full] = str(comp.get("label") or full)
            self.conditional_rule(comp, full, where)

    def conditional_rule(self, comp: Any, full: str, where: str) -> None:
        """Custom property `requiredWhen: "other_key=value"` (set in the form editor's custom properties):
        a rule form-js cannot express, e.g. a return reason is required when the decision is 'return'.
        Several conditions join with `&` (all must hold); a key the form does not submit is read from the
        task's data, e.g. `conclusion=concluded&must_explain=true`."""
        props = comp.get("properties")
        rule = props.get("requiredWhen") if isinstance(props, Mapping) else None
        if rule is None:
            return
        pairs = []
        for part in str(rule).split("&"):
            other, sep, expected = part.partition("=")
            if not sep or not other.strip():
                self.errors.append(f"{where}: requiredWhen 应写作 字段=值（多个条件以 & 连接）: {rule!r}")
                return
            pairs.append((other.strip(), expected.strip()))
        self.required_when.append((full, tuple(pairs)))


def analyse(form: Any) -> Walk:
    walk = Walk()
    if isinstance(form, Mapping):
        walk.walk(form.get("components"), walk.tree, "", "components")
    else:
        walk.errors.append("表单定义必须是 JSON 对象")
    return walk


@functools.lru_cache(maxsize=256)
def _cachedanalysis(canonical: str) -> tuple[type[Schema], tuple[Rule, ...]]:
    walk = analyse(json.loads(canonical))
    if walk.errors:
        raise FormDefinitionError(walk.errors)
    return schema_class(walk.tree), tuple(walk.required_when)


def analysis(form: Mapping[str, Any]) -> tuple[type[Schema], tuple[Rule, ...]]:
    return _cachedanalysis(json.dumps(form, sort_keys=True, ensure_ascii=False, default=str))


def build_schema(form: Mapping[str, Any]) -> Schema:
    """Marshmallow schema for a form-js form (classes cached by content); FormDefinitionError if unusable."""
    return analysis(form)[0]()
