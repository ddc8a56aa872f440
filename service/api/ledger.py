"""The ledger (督查台账): filtered list with lights, Excel export, statistics overview."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_smorest import Blueprint

from service import ledger, workdays
from service.api.ledger_schemas import LedgerFilterQuery, LedgerItemSchema, LedgerOverview, LedgerQuery, OverviewQuery
from service.api.schemas import page_of, paginate
from service.http.caller import current_principal
from service.http.services import current_services

blp = Blueprint("ledger", __name__, description="督查台账")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266 / RFC 5987: an ASCII name for old clients, the UTF-8 name for everyone else."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


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
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(f"督查台账-{day}.xlsx", f"ledger-{day}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/ledger/overview")
@blp.arguments(OverviewQuery, location="query")
@blp.response(200, LedgerOverview)
def overview(query: dict[str, Any]) -> Any:
    """台账统计：按状态、亮灯、牵头单位（含按期办结率）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return ledger.overview(uow, actor, services.ctx.now(), services.settings.yellow_workdays, **query)
