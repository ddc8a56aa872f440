"""Users and units."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service.access import organisation
from service.api.schemas import UnitSchema, UserSchema
from service.http.caller import current_principal
from service.http.services import current_services

blp = Blueprint("organisation", __name__, description="组织：用户与单位")


@blp.get("/users")
@blp.response(200, UserSchema(many=True))
def users() -> Any:
    """全部用户及其角色、单位（安全管理员；系统管理员只读）"""
    actor = current_principal()
    with current_services().uow() as uow:
        return organisation.list_users(uow, actor)


@blp.get("/units")
@blp.response(200, UnitSchema(many=True))
def units() -> Any:
    """承办单位列表"""
    current_principal()
    with current_services().uow() as uow:
        return organisation.list_units(uow)
