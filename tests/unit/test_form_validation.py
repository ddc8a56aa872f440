"""Tests for service.form_validation (server-side re-validation of form-js submissions)."""

from __future__ import annotations

from typing import Any

import pytest

from service.form_validation import (
    REQUIRED,
    FormDefinitionError,
    FormValidationError,
    build_schema,
    check_form_definition,
    field_labels,
    validate_submission,
)


def form(*components: Any) -> dict[str, Any]:
    return {"id": "f", "type": "default", "components": list(components)}


def errors_of(form_json: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(FormValidationError) as info:
        validate_submission(form_json, data)
    return info.value.errors


OPTIONS = [{"label": "高", "value": "high"}, {"label": "低", "value": "low"}]
TITLE = {
    "type": "textfield",
    "key": "title",
    "label": "标题",
    "validate": {"required": True, "minLength": 2, "maxLength": 5},
}


def test_valid_submission_returns_cleaned_data() -> None:
    f = form(TITLE, {"type": "number", "key": "n"}, {"type": "text", "text": "# 说明"})
    assert validate_submission(f, {"title": "督办事项", "n": 3}) == {"title": "督办事项", "n": 3}


def test_required_missing_and_empty_values() -> None:
    f = form(TITLE, {"type": "checklist", "key": "tags", "values": OPTIONS, "validate": {"required": True}})
    assert errors_of(f, {}) == {"title": ["此项为必填项"], "tags": ["此项为必填项"]}
    assert errors_of(f, {"title": "", "tags": []}) == {"title": ["此项为必填项"], "tags": ["此项为必填项"]}
    assert errors_of(f, {"title": None, "tags": ["high"]}) == {"title": ["此项为必填项"]}


def test_optional_fields_may_be_absent_or_empty() -> None:
    f = form(
        {"type": "textfield", "key": "memo", "validate": {"minLength": 3}},
        {"type": "number", "key": "n", "validate": {"min": 1}},
        {"type": "select", "key": "level", "values": OPTIONS},
        {"type": "datetime", "key": "due", "subtype": "date"},
    )
    assert validate_submission(f, {}) == {}
    empty = {"memo": "", "n": None, "level": None, "due": ""}
    assert validate_submission(f, empty) == empty


def test_length_limits() -> None:
    assert errors_of(form(TITLE), {"title": "短"}) == {"title": ["长度不能少于 2 个字符"]}
    assert errors_of(form(TITLE), {"title": "一二三四五六"}) == {"title": ["长度不能超过 5 个字符"]}
    assert errors_of(form(TITLE), {"title": 12}) == {"title": ["格式不正确"]}


def test_pattern_and_validation_types() -> None:
    f = form(
        {"type": "textfield", "key": "code", "validate": {"pattern": "^[A-Z]{2}-\\d+$"}},
        {"type": "textfield", "key": "mail", "validate": {"validationType": "email"}},
        {"type": "textfield", "key": "tel", "validate": {"validationType": "phone"}},
    )
    ok = {"code": "DB-12", "mail": "a.b@example.gov.cn", "tel": "13812345678"}
    assert validate_submission(f, ok) == ok
    assert validate_submission(f, {"tel": "+8613812345678"}) == {"tel": "+8613812345678"}
    assert errors_of(f, {"code": "db-12", "mail": "nope", "tel": "12"}) == {
        "code": ["格式不正确"],
        "mail": ["不是有效的电子邮箱地址"],
        "tel": ["不是有效的电话号码"],
    }


def test_number_bounds_and_decimal_digits() -> None:
    f = form({"type": "number", "key": "n", "decimalDigits": 1, "validate": {"min": 1, "max": 10}})
    assert validate_submission(f, {"n": 2.5}) == {"n": 2.5}
    assert errors_of(f, {"n": 0}) == {"n": ["不能小于 1"]}
    assert errors_of(f, {"n": 11}) == {"n": ["不能大于 10"]}
    assert errors_of(f, {"n": 1.25}) == {"n": ["小数位数不能超过 1 位"]}
    assert errors_of(f, {"n": True}) == {"n": ["不是有效的数字"]}


def test_numeric_strings_rejected_unless_form_serializes_to_string() -> None:
    # form-js submits JSON numbers; strings are only legitimate with `serializeToString`.
    plain = form({"type": "number", "key": "n"})
    assert errors_of(plain, {"n": "5"}) == {"n": ["不是有效的数字"]}
    as_text = form({"type": "number", "key": "n", "serializeToString": True, "validate": {"max": 9}})
    assert validate_submission(as_text, {"n": "5.5"}) == {"n": "5.5"}
    assert errors_of(as_text, {"n": "abc"}) == {"n": ["不是有效的数字"]}
    assert errors_of(as_text, {"n": "10"}) == {"n": ["不能大于 9"]}


def test_feel_expressions_in_rules_are_ignored() -> None:
    f = form({"type": "number", "key": "n", "validate": {"min": "=lower"}})
    assert validate_submission(f, {"n": -5}) == {"n": -5}


def test_select_radio_checklist_taglist_options() -> None:
    f = form(
        {"type": "select", "key": "s", "values": OPTIONS},
        {"type": "radio", "key": "r", "values": OPTIONS},
        {"type": "checklist", "key": "c", "values": OPTIONS},
        {"type": "taglist", "key": "t", "values": OPTIONS},
    )
    ok = {"s": "high", "r": "low", "c": ["high", "low"], "t": ["low"]}
    assert validate_submission(f, ok) == ok
    bad = {"s": "mid", "r": "高", "c": ["high", "x"], "t": "low"}
    assert errors_of(f, bad) == {
        "s": ["不是有效的选项"],
        "r": ["不是有效的选项"],
        "c": ["不是有效的选项"],
        "t": ["格式不正确"],
    }


def test_dynamic_option_sources_accept_any_value() -> None:
    f = form(
        {"type": "select", "key": "s", "valuesKey": "people"},
        {"type": "taglist", "key": "t", "valuesKey": "x"},
    )
    assert validate_submission(f, {"s": "张三", "t": ["a", 2]}) == {"s": "张三", "t": ["a", 2]}
    assert errors_of(f, {"s": {"id": 1}}) == {"s": ["不是有效的选项"]}


def test_datetime_formats() -> None:
    f = form(
        {"type": "datetime", "key": "d", "subtype": "date"},
        {"type": "datetime", "key": "t", "subtype": "time"},
        {"type": "datetime", "key": "dt", "subtype": "datetime"},
    )
    ok = {"d": "2024-02-29", "t": "09:30", "dt": "2024-05-01T18:00+08:00"}
    assert validate_submission(f, ok) == ok
    assert errors_of(f, {"d": "2024/02/01", "t": "25:00", "dt": "2024-05-01"}) == {
        "d": ["日期格式应为 YYYY-MM-DD"],
        "t": ["时间格式应为 HH:mm"],
        "dt": ["日期时间格式应为 YYYY-MM-DDTHH:mm"],
    }
    assert errors_of(f, {"d": "2023-02-29"}) == {"d": ["日期格式应为 YYYY-MM-DD"]}


def test_checkbox_is_strict_boolean_and_required_means_ticked() -> None:
    f = form({"type": "checkbox", "key": "agree", "validate": {"required": True}}, {"type": "checkbox", "key": "x"})
    assert validate_submission(f, {"agree": True, "x": False}) == {"agree": True, "x": False}
    assert errors_of(f, {"agree": False, "x": "true"}) == {"agree": ["此项为必填项"], "x": ["格式不正确"]}


def test_unknown_keys_are_rejected() -> None:
    assert errors_of(form(TITLE), {"title": "督办", "admin": True}) == {"admin": ["未知字段"]}


def test_unknown_component_type_keeps_value_unchecked() -> None:
    f = form({"type": "expression", "key": "total"}, {"type": "filepicker", "key": "files"})
    data = {"total": {"any": [1, "x"]}, "files": "file-1"}
    assert validate_submission(f, data) == data


def test_group_flattened_or_nested_by_path() -> None:
    f = form(
        {"type": "group", "components": [TITLE]},
        {
            "type": "group",
            "path": "addr",
            "components": [{"type": "textfield", "key": "city", "validate": {"required": True}}],
        },
        {"type": "textfield", "key": "contact.name"},
    )
    data = {"title": "督办", "addr": {"city": "北京"}, "contact": {"name": "李"}}
    assert validate_submission(f, data) == data
    assert errors_of(f, {"title": "督办"}) == {"addr.city": ["此项为必填项"]}
    assert errors_of(f, {"title": "督办", "addr": {"city": "x", "zip": 1}}) == {"addr.zip": ["未知字段"]}
    assert errors_of(f, {"title": "督办", "addr": "北京"}) == {"addr": ["格式不正确"]}


def test_dynamiclist_errors_use_dotted_keys() -> None:
    row = [
        {"type": "textfield", "key": "name", "validate": {"required": True}},
        {"type": "number", "key": "qty"},
    ]
    f = form({"type": "dynamiclist", "path": "items", "isRepeating": True, "components": row})
    ok = {"items": [{"name": "甲", "qty": 1}, {"name": "乙"}]}
    assert validate_submission(f, ok) == ok
    assert validate_submission(f, {}) == {}
    errors = errors_of(f, {"items": [{"name": "甲"}, {"name": "", "qty": "x"}, {"extra": 1, "name": "丙"}]})
    assert errors == {
        "items.1.name": ["此项为必填项"],
        "items.1.qty": ["不是有效的数字"],
        "items.2.extra": ["未知字段"],
    }
    assert errors_of(f, {"items": "x"}) == {"items": ["格式不正确"]}
    assert errors_of(f, {"items": ["x"]}) == {"items.0": ["格式不正确"]}
    assert errors_of(f, {"items": [None]}) == {"items.0": ["格式不正确"]}


def test_hidden_or_disabled_fields_are_not_required() -> None:
    f = form(
        {"type": "textfield", "key": "a", "validate": {"required": True}, "conditional": {"hide": "=x"}},
        {"type": "textfield", "key": "b", "validate": {"required": True}, "disabled": True},
        {"type": "group", "path": "g", "conditional": {"hide": "=y"}, "components": [TITLE]},
    )
    assert validate_submission(f, {}) == {}


def test_non_mapping_submission() -> None:
    assert errors_of(form(TITLE), ["x"]) == {"_schema": ["格式不正确"]}  # type: ignore[arg-type]


def test_field_labels() -> None:
    row = [{"type": "textfield", "key": "name", "label": "名称"}]
    f = form(
        TITLE,
        {"type": "dynamiclist", "path": "items", "label": "明细", "components": row},
        {"type": "number", "key": "n"},
    )
    assert field_labels(f) == {"title": "标题", "items": "明细", "items.name": "名称", "n": "n"}


def test_build_schema_is_cached_and_usable() -> None:
    f = form(TITLE)
    schema = build_schema(f)
    assert type(schema) is type(build_schema(dict(f)))
    assert schema.load({"title": "督办"}) == {"title": "督办"}


def test_check_form_definition() -> None:
    assert check_form_definition(form(TITLE)) == []
    assert check_form_definition(["x"]) == ["表单定义必须是 JSON 对象"]
    assert check_form_definition({"id": "f"}) == ["components: 必须是组件列表"]
    problems = check_form_definition(
        form(
            TITLE,
            {"type": "group", "components": [{"type": "textarea", "key": "title"}]},
            {"type": "textfield", "label": "no key"},
            {"type": "textfield", "key": "code", "validate": {"pattern": "([a-z"}},
            {"type": "dynamiclist", "components": []},
            "not a component",
        )
    )
    assert len(problems) == 5
    assert "components[1].components[0]" in problems[0] and "重复" in problems[0]
    assert problems[1].startswith("components[2]")
    assert "正则表达式无效" in problems[2]
    assert problems[3].startswith("components[4]")
    assert problems[4].startswith("components[5]")


def test_invalid_definition_raises_on_build() -> None:
    bad = form({"type": "textfield", "key": "a"}, {"type": "textfield", "key": "a"})
    with pytest.raises(FormDefinitionError) as info:
        validate_submission(bad, {})
    assert "重复" in info.value.errors[0]
    assert check_form_definition(form({"type": "textfield", "key": "a.b"}, {"type": "textfield", "key": "a"}))


def test_required_when_rule_applies_only_when_the_other_field_has_that_value() -> None:
    form = {
        "components": [
            {"type": "radio", "key": "decision", "values": [{"value": "accept"}, {"value": "return"}]},
            {"type": "textarea", "key": "reason", "properties": {"requiredWhen": "decision=return"}},
            {"type": "checkbox", "key": "help"},
            {"type": "textarea", "key": "why", "properties": {"requiredWhen": "help=true"}},
        ]
    }
    assert validate_submission(form, {"decision": "accept", "help": False}) == {"decision": "accept", "help": False}
    with pytest.raises(FormValidationError) as caught:
        validate_submission(form, {"decision": "return", "reason": "  ", "help": True})
    assert caught.value.errors == {"reason": [REQUIRED], "why": [REQUIRED]}


def test_blank_text_is_no_answer_for_a_required_field() -> None:
    form = {"components": [{"type": "textfield", "key": "t", "validate": {"required": True}}]}
    with pytest.raises(FormValidationError) as caught:
        validate_submission(form, {"t": "   "})
    assert caught.value.errors == {"t": [REQUIRED]}


def test_malformed_required_when_is_a_definition_error() -> None:
    form = {"components": [{"type": "textfield", "key": "t", "properties": {"requiredWhen": "no-equals"}}]}
    assert check_form_definition(form) and "requiredWhen" in check_form_definition(form)[0]
