"""Who may start a flow and what its start may carry, as the flow itself declares (process properties
`startableBy`, `startVariables`, `startForm`; docs/process-conventions.md). Nothing else is trusted:
a flow that declares no start data accepts none, and one that names no starters is started by the
系统管理员 only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.access.principal import ADMIN, ROLES, Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput, NotFound
from service.process import payload_bounds
from service.process.option_lists import NOT_A_UNIT
from service.process.start_form import UNDECLARED, form_problems, validate_against_form

STARTABLE_BY, START_VARIABLES, START_FORM = "startableBy", "startVariables", "startForm"
STARTED_BY, SERVICE = "startedBy", "service"
DEFAULT_STARTERS = frozenset({ADMIN})
TYPES = ("string", "integer", "number", "boolean", "date", "unit", "units", "starter_unit")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

WRONG_TYPE = {
    "string": "应为文本",
    "integer": "应为整数",
    "number": "应为数字",
    "boolean": "应为 true 或 false",
    "date": "日期格式应为 YYYY-MM-DD",
    "units": "应为单位代码列表",
}


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、]", value) if part.strip()]


def starters(definition: ProcessDefinition) -> frozenset[str]:
    declared = (definition.properties or {}).get(STARTABLE_BY)
    return frozenset(_split(declared)) if declared else DEFAULT_STARTERS


def may_start(actor: Principal, definition: ProcessDefinition) -> bool:
    """Whether the actor may start this flow from 发起 or POST /process-instances."""
    return not definition.started_by_service and bool(actor.roles & starters(definition))


def variables(properties: Mapping[str, str]) -> dict[str, str]:
    """`title:string, lead_unit:unit` -> {key: type}; a missing type is string. Unparseable parts map to ''."""
    declared: dict[str, str] = {}
    for part in _split(properties.get(START_VARIABLES, "")):
        key, _, kind = part.partition(":")
        key, kind = key.strip(), kind.strip() or "string"
        declared[key] = kind if _KEY.fullmatch(key) and kind in TYPES else ""
    return declared


def property_problems(properties: Mapping[str, str], forms: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Mistakes in the start properties, reported at deploy time, as (property name, message)."""
    problems = []
    for part in _split(properties.get(START_VARIABLES, "")):
        key, _, kind = part.partition(":")
        if not _KEY.fullmatch(key.strip()):
            message = f"startVariables 中的变量名 {key.strip()!r} 无效（须以字母开头，只含字母、数字和下划线）"
            problems.append((START_VARIABLES, message))
        if (kind.strip() or "string") not in TYPES:
            message = f"startVariables 中 {key.strip()} 的类型 {kind.strip()!r} 无效（可用：{'、'.join(TYPES)}）"
            problems.append((START_VARIABLES, message))
    form_key = properties.get(START_FORM, "").strip()
    if form_key:
        if form_key not in forms:
            problems.append((START_FORM, f"startForm 指定的表单 {form_key}.form.json 不存在"))
        else:
            problems.extend((START_FORM, f"startForm {form_key}: {p}") for p in form_problems(forms[form_key]))
    for role in _split(properties.get(STARTABLE_BY, "")):
        if role not in ROLES:
            problems.append((STARTABLE_BY, f"startableBy 中的角色 {role} 不存在（可用：{'、'.join(ROLES)}）"))
    started_by = properties.get(STARTED_BY, "").strip()
    if started_by not in ("", SERVICE):
        problems.append((STARTED_BY, f"startedBy 只能为空或 {SERVICE}（由服务在办理中发起，不能从“发起”页发起）"))
    return problems


def _value_error(uow: UnitOfWork, kind: str, value: Any) -> str | None:
    if value is None:
        return None  # no value: the flow's own steps ask for it
    if kind == "string":
        ok = isinstance(value, str)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "date":
        ok = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and _is_date(value)
    elif kind == "unit":
        return None if isinstance(value, str) and _active_unit(uow, value) else NOT_A_UNIT
    elif kind == "units":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return WRONG_TYPE["units"]
        return None if all(_active_unit(uow, v) for v in value) else NOT_A_UNIT
    else:
        return "流程定义的 startVariables 类型无效，请联系系统管理员"
    return None if ok else WRONG_TYPE[kind]


def _active_unit(uow: UnitOfWork, code: str) -> bool:
    """A deactivated unit gets no new items."""
    unit = uow.units.by_code(code)
    return unit is not None and unit.active


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _checked_data(
    uow: UnitOfWork, actor: Principal, definition: ProcessDefinition, data: Mapping[str, Any]
) -> dict[str, Any]:
    properties = definition.properties or {}
    declared = variables(properties)
    form_key = properties.get(START_FORM, "").strip()
    form = (definition.forms or {}).get(form_key) if form_key else None
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, kind in declared.items():
        if kind == "starter_unit":
            given = data.get(key)
            if actor.unit_code is None:
                errors[key] = ["您不属于任何单位，不能发起该流程"]
            elif given is not None and given != actor.unit_code:
                errors[key] = ["只能以本单位名义发起"]
            else:
                cleaned[key] = actor.unit_code
        elif key in data:
            if (problem := _value_error(uow, kind, data[key])) is not None:
                errors[key] = [problem]
            cleaned[key] = data[key]
    rest = {k: v for k, v in data.items() if k not in declared}
    if form is not None:
        form_cleaned, form_errors = validate_against_form(uow, form, rest)
        cleaned.update(form_cleaned)
        errors.update(form_errors)
    else:
        errors.update({key: [UNDECLARED] for key in rest})
    if errors:
        raise InvalidInput(f"发起数据有误：{'、'.join(errors)}", {"errors": errors})
    return cleaned


def checked_start(uow: UnitOfWork, actor: Principal, process_key: str, data: Any) -> dict[str, Any]:
    """The start data to use, once the actor may start the flow and the data is what the flow declares.
    NotFound (404), InvalidInput (422), PayloadTooLarge (413) or Forbidden (403); writes nothing."""
    definition = uow.definitions.latest(process_key)
    if definition is None:
        raise NotFound(f"流程定义 {process_key} 不存在")
    if definition.started_by_service:
        raise InvalidInput(f"流程 {definition.name} 须从相关事项页面发起", {"process_key": ["不能直接发起"]})
    if not may_start(actor, definition):
        raise Forbidden(f"您没有发起流程“{definition.name}”的权限")
    payload_bounds.check(data)
    return _checked_data(uow, actor, definition, data)
