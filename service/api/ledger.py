"""The ledger (督查台账): filtered list with lights, Excel export (a background job when large), statistics."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_smorest import Blueprint

from service import ledger, workdays
from service.api.ledger_schemas import (
    LedgerExportJobSchema,
    LedgerExportRequest,
    LedgerFilterQuery,
    LedgerOverview,
    LedgerPageSchema,
    LedgerQuery,
    OverviewQuery,
)
from service.errors import InvalidInput
from service.http.caller import current_principal
from service.http.files import XLSX, file_response
from service.http.services import current_services
from service.ledger import export_jobs

blp = Blueprint("ledger", __name__, description="督查台账")


@blp.get("/ledger")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, LedgerPageSchema)
def search(query: dict[str, Any]) -> Any:
    """台账列表（可筛选、排序；含亮灯与剩余工作日）。翻页用 after=上一页的 next_after（键集分页，深页同样快）；
    page/per_page 仍可用（按偏移量，深页较慢）"""
    actor = current_principal()
    services = current_services()
    now, yellow = services.ctx.now(), services.settings.yellow_workdays
    page, per_page, after = query.pop("page"), query.pop("per_page"), query.pop("after", None)
    if after and page != 1:
        raise InvalidInput(
            "after 与 page 不能同时使用：按 after 翻页时不传 page（或 page=1）",
            {"errors": {"page": ["与 after 同用时只能为 1"]}},
        )
    with services.uow() as uow:
        found = ledger.search_page(
            uow, actor, offset=(page - 1) * per_page, limit=per_page, after=after, now=now, yellow_workdays=yellow,
            **query,
        )  # fmt: skip
    return {
        "items": found.entries,
        "total": found.total,
        "total_capped": found.total_capped,
        "page": page,
        "per_page": per_page,
        "next_after": found.next_after,
    }


def _job_json(job: Any) -> dict[str, Any]:  # a LedgerExportJob
    base = f"/api/v1/ledger/exports/{job.id}"
    return {
        "id": job.id,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "percent": 100 if job.status == "done" else (min(99, job.done * 100 // job.total) if job.total else 0),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "filename": job.filename,
        "status_url": base,
        "download_url": f"{base}/file" if job.status == "done" else None,
    }


def _accepted(job: Any) -> Any:
    response = jsonify(LedgerExportJobSchema().dump(_job_json(job)))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/ledger/exports/{job.id}"
    return response


@blp.get("/ledger/export.xlsx")
@blp.arguments(LedgerFilterQuery, location="query")
@blp.response(200, description="督查台账 Excel 文件（筛选条件同台账列表）", content_type=XLSX)
@blp.alt_response(
    202,
    schema=LedgerExportJobSchema,
    description=f"超过 {export_jobs.BACKGROUND_ABOVE} 行：已建立后台导出任务，按 status_url 查询进度，"
    "完成后从 download_url 下载",
)
def export(query: dict[str, Any]) -> Any:
    """导出台账（Excel）：不超过 5000 行时直接下载，更多时转为后台导出任务（202）"""
    actor = current_principal()
    services = current_services()
    now, yellow = services.ctx.now(), services.settings.yellow_workdays
    with services.uow() as uow:
        filters = {k: v for k, v in query.items() if k != "sort"}
        total = export_jobs.count_rows(uow, actor, now=now, yellow_workdays=yellow, **filters)
        if total > export_jobs.BACKGROUND_ABOVE:
            job = export_jobs.request_export(uow, actor, now=now, yellow_workdays=yellow, total=total, **query)
            return _accepted(job)
        body = ledger.export_xlsx(uow, actor, now=now, yellow_workdays=yellow, **query)
    day = now.astimezone(workdays.SHANGHAI).strftime("%Y%m%d")
    return file_response(body, mimetype=XLSX, filename=f"督查台账-{day}.xlsx", fallback=f"ledger-{day}.xlsx")


@blp.post("/ledger/exports")
@blp.arguments(LedgerExportRequest)
@blp.response(202, LedgerExportJobSchema)
def request_export(body: dict[str, Any]) -> Any:
    """后台导出台账：建立导出任务（筛选条件同台账列表），由后台进程写出文件；用 status_url 查询进度"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        job = export_jobs.request_export(
            uow, actor, now=services.ctx.now(), yellow_workdays=services.settings.yellow_workdays, **body
        )
        return _job_json(job)


@blp.get("/ledger/exports/<int:job_id>")
@blp.response(200, LedgerExportJobSchema)
def export_status(job_id: int) -> Any:
    """后台导出任务的进度（仅发起人可查看）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return _job_json(export_jobs.get_export(uow, actor, job_id))


@blp.get("/ledger/exports/<int:job_id>/file")
@blp.response(200, description="导出的督查台账 Excel 文件（仅发起人可下载）", content_type=XLSX)
def export_download(job_id: int) -> Any:
    """下载后台导出的台账文件（仅发起人；任务未完成时 409）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        filename, body = export_jobs.export_file(uow, actor, job_id)
    return file_response(body, mimetype=XLSX, filename=filename, fallback=f"ledger-export-{job_id}.xlsx")


@blp.get("/ledger/overview")
@blp.arguments(OverviewQuery, location="query")
@blp.response(200, LedgerOverview)
def overview(query: dict[str, Any]) -> Any:
    """台账统计：按状态、亮灯、牵头单位（含按期办结率）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return ledger.overview(uow, actor, services.ctx.now(), services.settings.yellow_workdays, **query)
