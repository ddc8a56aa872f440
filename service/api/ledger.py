"""The ledger (督查台账): filtered list with lights, Excel export, statistics overview."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint

from service import ledger, workdays
from service.api.ledger_schemas import LedgerFilterQuery, LedgerItemSchema, LedgerOverview, LedgerQuery, OverviewQuery
from service.api.schemas import page_of
from service.http.caller import current_principal
from service.http.files import XLSX, file_response
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("ledger", __name__, description="督查台账")


@blp.get("/ledger")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, page_of(LedgerItemSchema))
def search(query: dict[str, Any]) -> Any:
    """台账列表（可筛选、排序、分页；含亮灯与剩余工作日）"""
    actor = current_principal()
    services = current_services()
    now, yellow = services.ctx.now(), services.settings.yellow_workdays
    with services.uow() as uow:
        return paginate(query, partial(ledger.search, uow, actor, now=now, yellow_workdays=yellow))


@blp.get("/ledger/export.xlsx")
@blp.arguments(LedgerFilterQuery, location="query")
@blp.response(200, description="督查台账 Excel 文件（筛选条件同台账列表）", content_type=XLSX)
def export(query: dict[str, Any]) -> Any:
    """导出台账（Excel）"""
    actor = current_principal()
    services = current_services()
    now = services.ctx.now()
    with services.uow() as uow:
        body = ledger.export_xlsx(uow, actor, now=now, yellow_workdays=services.settings.yellow_workdays, **query)
    day = now.astimezone(workdays.SHANGHAI).strftime("%Y%m%d")
    return file_response(body, mimetype=XLSX, filename=f"督查台账-{day}.xlsx", fallback=f"ledger-{day}.xlsx")


@blp.get("/ledger/overview")
@blp.arguments(OverviewQuery, location="query")
@blp.response(200, LedgerOverview)
def overview(query: dict[str, Any]) -> Any:
    """台账统计：按状态、亮灯、牵头单位（含按期办结率）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return ledger.overview(uow, actor, services.ctx.now(), services.settings.yellow_workdays, **query)
