"""Users and units; the organisation's Excel import (安全管理员; 系统管理员 reads)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service.access import organisation, organisation_import, unit_admin, user_admin
from service.api.access_schemas import ManagedUserSchema
from service.api.organisation_schemas import (
    ImportFile,
    ImportQuery,
    ImportReport,
    ManagedUnitSchema,
    UnitCreateRequest,
    UnitEditRequest,
    UserEditRequest,
)
from service.api.schemas import UserSchema
from service.http.caller import current_principal
from service.http.files import XLSX, file_response
from service.http.services import current_services

blp = Blueprint("organisation", __name__, description="组织：用户与单位")


@blp.get("/users")
@blp.response(200, UserSchema(many=True))
def users() -> Any:
    """全部用户及其角色、单位（安全管理员；系统管理员只读）"""
    actor = current_principal()
    with current_services().uow() as uow:
        return organisation.list_users(uow, actor)


@blp.put("/users/<username>")
@blp.arguments(UserEditRequest)
@blp.response(200, ManagedUserSchema)
def edit_user(body: dict[str, Any], username: str) -> Any:
    """修改用户的姓名、职务（联络员 / 负责人）、邮箱，以及（如传入）角色和单位（仅安全管理员）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return user_admin.update_user(uow, actor, services.ctx.now(), username, body)


@blp.get("/units")
@blp.response(200, ManagedUnitSchema(many=True))
def units() -> Any:
    """单位列表（含已停用的单位，按排序）"""
    current_principal()
    with current_services().uow() as uow:
        return organisation.list_units(uow)


@blp.post("/units")
@blp.arguments(UnitCreateRequest)
@blp.response(201, ManagedUnitSchema)
def create_unit(body: dict[str, Any]) -> Any:
    """新建单位（仅安全管理员）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return unit_admin.create_unit(uow, actor, services.ctx.now(), body)


@blp.get("/units/<code>")
@blp.response(200, ManagedUnitSchema)
def get_unit(code: str) -> Any:
    """一个单位（安全管理员、系统管理员）"""
    actor = current_principal()
    with current_services().uow() as uow:
        return unit_admin.get_unit(uow, actor, code)


@blp.put("/units/<code>")
@blp.arguments(UnitEditRequest)
@blp.response(200, ManagedUnitSchema)
def edit_unit(body: dict[str, Any], code: str) -> Any:
    """修改单位名称、类型、排序（仅安全管理员；单位代码不变）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return unit_admin.update_unit(uow, actor, services.ctx.now(), code, body)


def _set_active(code: str, active: bool) -> Any:
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return unit_admin.set_active(uow, actor, services.ctx.now(), code, active)


@blp.post("/units/<code>/deactivate")
@blp.response(200, ManagedUnitSchema)
def deactivate_unit(code: str) -> Any:
    """停用单位（仅安全管理员）：不再出现在选择列表中，不能再交办新事项；已有事项仍显示其名称"""
    return _set_active(code, False)


@blp.post("/units/<code>/activate")
@blp.response(200, ManagedUnitSchema)
def activate_unit(code: str) -> Any:
    """启用单位（仅安全管理员）"""
    return _set_active(code, True)


@blp.get("/organisation/import-template.xlsx")
@blp.response(200, description="导入模板：工作表“单位”和“用户”，中文表头", content_type=XLSX)
def import_template() -> Any:
    """下载单位和用户的导入模板（安全管理员）"""
    user_admin.check_may_manage(current_principal())
    body = organisation_import.template()
    return file_response(body, mimetype=XLSX, filename="单位和用户导入模板.xlsx", fallback="organisation-import.xlsx")


@blp.post("/organisation/import")
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReport)
def import_organisation(query: dict[str, Any], files: dict[str, Any]) -> Any:
    """从 Excel 导入单位和用户（仅安全管理员）：dry_run=true 预览并逐行报错；任何一行有误则全部不保存"""
    actor = current_principal()
    services = current_services()
    data = files["file"].read(organisation_import.MAX_BYTES + 1)
    with services.uow() as uow:
        return organisation_import.import_sheet(uow, actor, services.ctx.now(), data, dry_run=query["dry_run"])
