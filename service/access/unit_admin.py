"""安全管理员's units (乡镇, 县直部门, 高新区, 驻县机构): list, create, edit, deactivate and reactivate.

Units are part of the organisation, so 三员分立 gives them to the security administrator; the system
administrator reads them. A deactivated unit is kept (old items show its name) but is offered nowhere
and can be given no new work. Every change is audited with before/after in its own transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from service.access import audit_log, user_admin
from service.access.principal import Principal
from service.db.models import Unit
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound

UNIT_KINDS = ("乡镇", "县直部门", "高新区", "驻县机构", "县政府办")
UNIT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
CODE_RULE = "单位代码须以小写字母开头，由小写字母、数字、_ 组成，2–64 位"


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {"errors": {field: [message]}})


def list_units(uow: UnitOfWork, actor: Principal) -> Sequence[Unit]:
    if not user_admin.may_list(actor):
        raise Forbidden("只有安全管理员和系统管理员可以管理单位")
    return uow.units.all()


def get_unit(uow: UnitOfWork, actor: Principal, code: str) -> Unit:
    if not user_admin.may_list(actor):
        raise Forbidden("只有安全管理员和系统管理员可以查看单位")
    return _unit(uow, code)


def _unit(uow: UnitOfWork, code: str) -> Unit:
    unit = uow.units.by_code(code)
    if unit is None:
        raise NotFound(f"单位 {code} 不存在")
    return unit


def snapshot(unit: Unit) -> dict[str, Any]:
    return {"name": unit.name, "kind": unit.kind, "sort_order": unit.sort_order, "active": unit.active}


def checked_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """name, kind and sort_order of a unit, or InvalidInput naming the field (also used by the import)."""
    name = str(fields.get("name") or "").strip()
    if not name or len(name) > 200:
        raise _invalid("name", "请填写单位名称（不超过 200 字）")
    kind = str(fields.get("kind") or "").strip()
    if kind not in UNIT_KINDS:
        raise _invalid("kind", "单位类型须为：" + "、".join(UNIT_KINDS))
    raw_order = fields.get("sort_order")
    try:
        sort_order = int(raw_order) if raw_order not in (None, "") else 0
    except (TypeError, ValueError):
        raise _invalid("sort_order", "排序须为整数") from None
    if not 0 <= sort_order <= 100000:
        raise _invalid("sort_order", "排序须在 0 到 100000 之间")
    return {"name": name, "kind": kind, "sort_order": sort_order}


def new_unit(uow: UnitOfWork, fields: Mapping[str, Any]) -> Unit:
    """A checked, not yet added unit (create and the import share it)."""
    code = str(fields.get("code") or "").strip()
    if not UNIT_CODE.match(code):
        raise _invalid("code", CODE_RULE)
    if uow.units.by_code(code) is not None:
        raise Conflict(f"单位代码 {code} 已存在", {"errors": {"code": ["单位代码已存在"]}})
    return Unit(code=code, active=True, **checked_fields(fields))


def create_unit(uow: UnitOfWork, actor: Principal, now: datetime, fields: Mapping[str, Any]) -> Unit:
    user_admin.check_may_manage(actor)
    unit = new_unit(uow, fields)
    uow.units.add(unit)
    uow.units.flush()
    audit_log.record(uow, audit_log.UNIT_CREATED, actor.username, now, unit.code, {"after": snapshot(unit)})
    uow.commit()
    return unit


def update_unit(uow: UnitOfWork, actor: Principal, now: datetime, code: str, fields: Mapping[str, Any]) -> Unit:
    """修改单位名称、类型、排序; the code never changes (items and users refer to it)."""
    user_admin.check_may_manage(actor)
    unit = _unit(uow, code)
    before = snapshot(unit)
    for key, value in checked_fields(fields).items():
        setattr(unit, key, value)
    after = snapshot(unit)
    if after != before:
        audit_log.record(uow, audit_log.UNIT_CHANGED, actor.username, now, code, {"before": before, "after": after})
    uow.commit()
    return unit


def set_active(uow: UnitOfWork, actor: Principal, now: datetime, code: str, active: bool) -> Unit:
    """停用 or 启用 a unit; its users keep their accounts (the security administrator decides on them)."""
    user_admin.check_may_manage(actor)
    unit = _unit(uow, code)
    if unit.active == active:
        return unit
    unit.active = active
    action = audit_log.UNIT_ACTIVATED if active else audit_log.UNIT_DEACTIVATED
    audit_log.record(uow, action, actor.username, now, code, {"before": not active, "after": active})
    uow.commit()
    return unit
