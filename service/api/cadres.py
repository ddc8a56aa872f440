"""API: 督查人员信息库 — 附件2 分管领导, 附件3 督查干部 (with the 人员标准 check) and the 轮训抽选."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_smorest import Blueprint

from service.access.principal import Principal
from service.api import cadre_schemas as s
from service.api.schemas import page_of
from service.cadres import draws, present, records
from service.db.session import UnitOfWork
from service.http.caller import current_principal
from service.http.paging import Pager
from service.http.services import Services, current_services

blp = Blueprint("cadres", __name__, description="督查人员信息库")
PREFIX = "/cadre-db"


def _context() -> tuple[Principal, Services, datetime]:
    services: Services = current_services()
    return current_principal(), services, services.ctx.now()


def _cadre(uow: UnitOfWork, view: records.CadreView, now: datetime) -> dict[str, Any]:
    return present.cadre_dict(view, records.local_date(now), uow.units.names())


def _leader(uow: UnitOfWork, leader: Any, now: datetime) -> dict[str, Any]:
    return present.leader_dict(leader, records.local_date(now), uow.units.names())


@blp.get(f"{PREFIX}/cadres")
@blp.arguments(s.CadreQuery, location="query")
@blp.response(200, page_of(s.CadreSchema))
def list_cadres(query: dict[str, Any]) -> Any:
    """督查干部列表（附件3；单位人员只见本单位；可按单位、是否符合人员标准筛选）"""
    actor, services, now = _context()
    with services.uow() as uow:
        found = records.list_cadres(
            uow, actor, now, unit=query.get("unit"), eligible=query.get("eligible"), on=query.get("on")
        )
        return Pager.from_query(query).slice([_cadre(uow, v, now) for v in found])


@blp.post(f"{PREFIX}/cadres")
@blp.arguments(s.CadreInput)
@blp.response(201, s.CadreSchema)
def create_cadre(body: dict[str, Any]) -> Any:
    """登记督查干部（附件3）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _cadre(uow, records.create_cadre(uow, actor, body, now), now)


@blp.get(f"{PREFIX}/cadres/<int:cadre_id>")
@blp.response(200, s.CadreSchema)
def get_cadre(cadre_id: int) -> Any:
    """督查干部信息表"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _cadre(uow, records.cadre_view(uow, actor, cadre_id, now), now)


@blp.put(f"{PREFIX}/cadres/<int:cadre_id>")
@blp.arguments(s.CadreInput)
@blp.response(200, s.CadreSchema)
def update_cadre(body: dict[str, Any], cadre_id: int) -> Any:
    """修改督查干部信息（整表替换；处分与考核记录以提交的为准）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _cadre(uow, records.update_cadre(uow, actor, cadre_id, body, now), now)


@blp.delete(f"{PREFIX}/cadres/<int:cadre_id>")
@blp.response(204)
def remove_cadre(cadre_id: int) -> None:
    """移出信息库（记录保留，供历次抽选查证）"""
    actor, services, now = _context()
    with services.uow() as uow:
        records.remove_cadre(uow, actor, cadre_id, now)


@blp.get(f"{PREFIX}/cadres/<int:cadre_id>/eligibility")
@blp.arguments(s.CadreOnQuery, location="query")
@blp.response(200, s.CadreCheckSchema)
def eligibility(query: dict[str, Any], cadre_id: int) -> Any:
    """按人员标准核对（列出全部不符合的条件）"""
    actor, services, now = _context()
    with services.uow() as uow:
        found = records.eligibility_of(uow, actor, cadre_id, query.get("on") or records.local_date(now))
    return {"cadre_id": cadre_id, **found.as_dict()}


@blp.get(f"{PREFIX}/leaders")
@blp.arguments(s.CadreUnitQuery, location="query")
@blp.response(200, page_of(s.CadreLeaderSchema))
def list_leaders(query: dict[str, Any]) -> Any:
    """分管领导列表（附件2）"""
    actor, services, now = _context()
    with services.uow() as uow:
        leaders = records.list_leaders(uow, actor, query.get("unit"))
        return Pager.from_query(query).slice([_leader(uow, x, now) for x in leaders])


@blp.post(f"{PREFIX}/leaders")
@blp.arguments(s.CadreLeaderInput)
@blp.response(201, s.CadreLeaderSchema)
def create_leader(body: dict[str, Any]) -> Any:
    """登记分管领导（附件2）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _leader(uow, records.create_leader(uow, actor, body, now), now)


@blp.get(f"{PREFIX}/leaders/<int:leader_id>")
@blp.response(200, s.CadreLeaderSchema)
def get_leader(leader_id: int) -> Any:
    """分管领导信息表"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _leader(uow, records.get_leader(uow, actor, leader_id), now)


@blp.put(f"{PREFIX}/leaders/<int:leader_id>")
@blp.arguments(s.CadreLeaderInput)
@blp.response(200, s.CadreLeaderSchema)
def update_leader(body: dict[str, Any], leader_id: int) -> Any:
    """修改分管领导信息（整表替换）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return _leader(uow, records.update_leader(uow, actor, leader_id, body, now), now)


@blp.delete(f"{PREFIX}/leaders/<int:leader_id>")
@blp.response(204)
def remove_leader(leader_id: int) -> None:
    """移出信息库"""
    actor, services, now = _context()
    with services.uow() as uow:
        records.remove_leader(uow, actor, leader_id, now)


@blp.get(f"{PREFIX}/draws")
@blp.response(200, s.CadreDrawSchema(many=True))
def list_draws() -> Any:
    """历次轮训抽选（含已作废的）"""
    actor, services, _ = _context()
    with services.uow() as uow:
        return [present.draw_dict(d) for d in draws.list_draws(uow, actor)]


@blp.post(f"{PREFIX}/draws")
@blp.arguments(s.CadreDrawRequest)
@blp.response(201, s.CadreDrawSchema)
@blp.doc(description="每半年一次；该半年度已有未作废的抽选时 409")
def create_draw(body: dict[str, Any]) -> Any:
    """轮训抽选（县政府督查室、系统管理员）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return present.draw_dict(draws.draw(uow, actor, body.get("half"), body.get("count"), now))


@blp.get(f"{PREFIX}/draws/<int:draw_id>")
@blp.response(200, s.CadreDrawSchema)
def get_draw(draw_id: int) -> Any:
    """一次抽选的记录：种子、候选名单、结果"""
    actor, services, _ = _context()
    with services.uow() as uow:
        return present.draw_dict(draws.get_draw(uow, actor, draw_id))


@blp.get(f"{PREFIX}/draws/<int:draw_id>/verify")
@blp.response(200, s.CadreDrawVerifySchema)
def verify_draw(draw_id: int) -> Any:
    """按记录的种子和候选名单重新抽选，核对结果是否一致"""
    actor, services, _ = _context()
    with services.uow() as uow:
        return draws.verify(uow, actor, draw_id)


@blp.post(f"{PREFIX}/draws/<int:draw_id>/void")
@blp.arguments(s.CadreVoidRequest)
@blp.response(200, s.CadreDrawSchema)
def void_draw(body: dict[str, Any], draw_id: int) -> Any:
    """作废抽选（须说明理由；作废后该半年度可重新抽选）"""
    actor, services, now = _context()
    with services.uow() as uow:
        return present.draw_dict(draws.void(uow, actor, draw_id, body.get("reason"), now))
