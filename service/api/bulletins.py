"""API: 督查通报 (preview, generate 第N期, list, read, download) and the 督办通知单 of an item."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.api.schemas import Pagination, page_of
from service.documents import bulletins, special_reports
from service.documents.application_form import application_form
from service.documents.bulletin import summary_text
from service.documents.bulletin_figures import Figures
from service.documents.supervision_notice import supervision_notice
from service.http.caller import current_principal
from service.http.files import DOCX, file_response
from service.http.paging import paginate
from service.http.services import current_services

blp = Blueprint("bulletins", __name__, description="督查通报与文书")
_DOCX_RESPONSE = {
    "200": {"description": "Word 文件（.docx）", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}
}


class BulletinPeriodQuery(Schema):
    start = fields.String(load_default="", metadata={"description": "开始日期 YYYY-MM-DD（含）"})
    end = fields.String(load_default="", metadata={"description": "结束日期 YYYY-MM-DD（含）"})


class BulletinMentionIn(Schema):
    unit = fields.String(load_default="", metadata={"description": "单位代码"})
    reason = fields.String(load_default="", metadata={"description": "表扬或批评的理由"})


class BulletinCreateRequest(BulletinPeriodQuery):
    title = fields.String(load_default="", metadata={"description": "通报标题（可选，默认按期间生成）"})
    praise = fields.List(fields.Nested(BulletinMentionIn), load_default=list, metadata={"description": "通报表扬"})
    criticism = fields.List(fields.Nested(BulletinMentionIn), load_default=list, metadata={"description": "通报批评"})
    requirements = fields.String(load_default="", metadata={"description": "整改要求"})


class BulletinMentionOut(Schema):
    unit = fields.String()
    unit_name = fields.String()
    kind = fields.String(metadata={"description": "praise / criticism"})
    reason = fields.String()


class BulletinTotals(Schema):
    due = fields.Integer(metadata={"description": "期内到期事项"})
    on_time = fields.Integer(metadata={"description": "按期办结"})
    overdue = fields.Integer(metadata={"description": "逾期（逾期办结 + 逾期未办结）"})
    overdue_open = fields.Integer(metadata={"description": "逾期未办结"})
    closed = fields.Integer(metadata={"description": "期内销号"})
    returned = fields.Integer(metadata={"description": "期内退回重新办理次数"})
    returned_items = fields.Integer(metadata={"description": "被退回的事项数"})
    open = fields.Integer(metadata={"description": "尚在办理"})
    problems = fields.Integer(metadata={"description": "督查发现的问题数（仅 kind=campaign）"})


class BulletinSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    issue_no = fields.Integer()
    issue = fields.String(metadata={"description": "如 2026年第3期"})
    title = fields.String()
    kind = fields.String(metadata={"description": "period：督办事项定期通报；campaign：综合/专项督查的督查通报"})
    instance_id = fields.Integer(allow_none=True, metadata={"description": "kind=campaign 时，所通报的督查流程实例"})
    period_start = fields.String()
    period_end = fields.String()
    totals = fields.Nested(BulletinTotals)
    requirements = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    mentions = fields.List(fields.Nested(BulletinMentionOut))
    download_url = fields.String()


class BulletinLedgerLine(Schema):
    business_number = fields.String()
    title = fields.String()
    lead_unit_name = fields.String()
    co_unit_names = fields.List(fields.String())
    deadline = fields.String()
    status_label = fields.String()
    light_label = fields.String()
    closed_on = fields.Date(allow_none=True)
    outcome = fields.String(metadata={"description": "on_time / late / overdue / open；空：非期内到期"})


class BulletinPreview(Schema):
    start = fields.String()
    end = fields.String()
    summary = fields.String()
    totals = fields.Nested(BulletinTotals)
    praise = fields.List(fields.Nested(BulletinMentionOut), metadata={"description": "建议表扬（均按期办结的单位）"})
    criticism = fields.List(fields.Nested(BulletinMentionOut), metadata={"description": "建议批评（逾期或退回≥2次）"})
    lines = fields.List(fields.Nested(BulletinLedgerLine))


def view(bulletin: bulletins.Bulletin, names: Mapping[str, str]) -> dict[str, Any]:
    """A bulletin as the API shows it: as described by the use case, plus where to download it."""
    return {
        **bulletins.described(bulletin, names),
        "download_url": url_for("bulletins.document", bulletin_id=bulletin.id),
    }


def _preview(found: Figures) -> dict[str, Any]:
    def suggested(kind: str, items: Any) -> list[dict[str, str]]:
        return [{"unit": s.unit, "unit_name": s.unit_name, "kind": kind, "reason": s.reason} for s in items]

    return {
        "start": found.period.start.isoformat(),
        "end": found.period.end.isoformat(),
        "summary": summary_text(found.period, found.totals),
        "totals": found.totals,
        "praise": suggested("praise", found.praise),
        "criticism": suggested("criticism", found.criticism),
        "lines": found.lines,
    }


@blp.get("/bulletins/preview")
@blp.arguments(BulletinPeriodQuery, location="query")
@blp.response(200, BulletinPreview)
def preview(query: dict[str, Any]) -> Any:
    """通报预览：期间内的统计与建议表扬、批评的单位（不保存）"""
    actor = current_principal()
    services = current_services()
    now, yellow = services.ctx.now(), services.settings.yellow_workdays
    with services.uow() as uow:
        return _preview(bulletins.preview(uow, actor, **query, now=now, yellow_workdays=yellow))


@blp.post("/bulletins")
@blp.arguments(BulletinCreateRequest)
@blp.response(201, BulletinSchema)
def generate(payload: dict[str, Any]) -> Any:
    """生成督查通报（第N期，按年编号；督查室、系统管理员）"""
    actor = current_principal()
    services = current_services()
    now, yellow = services.ctx.now(), services.settings.yellow_workdays
    with services.uow() as uow:
        bulletin = bulletins.generate(
            uow, services.ctx, services.settings, actor, payload, now=now, yellow_workdays=yellow
        )
        return view(bulletin, uow.units.names())


@blp.get("/bulletins")
@blp.arguments(Pagination, location="query")
@blp.response(200, page_of(BulletinSchema))
def list_bulletins(query: dict[str, Any]) -> Any:
    """督查通报列表（新→旧）"""
    actor = current_principal()
    with current_services().uow() as uow:
        page = paginate(query, partial(bulletins.list_page, uow, actor))
        names = uow.units.names()
        return {**page, "items": [view(b, names) for b in page["items"]]}


@blp.get("/bulletins/<int:bulletin_id>")
@blp.response(200, BulletinSchema)
def read(bulletin_id: int) -> Any:
    """督查通报详情"""
    actor = current_principal()
    with current_services().uow() as uow:
        return view(bulletins.get(uow, actor, bulletin_id), uow.units.names())


@blp.get("/bulletins/<int:bulletin_id>/document.docx")
@blp.doc(responses=_DOCX_RESPONSE)
def document(bulletin_id: int) -> Response:
    """下载督查通报（Word；校验 sha256 后发送）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        bulletin, body = bulletins.open_document(uow, services.settings, actor, bulletin_id, now=services.ctx.now())
    label = f"{bulletin.year}-{bulletin.issue_no}"
    name = f"督查通报{bulletins.issue_label(bulletin)}.docx"
    return file_response(body, mimetype=DOCX, filename=name, fallback=f"bulletin-{label}.docx", etag=bulletin.sha256)


@blp.get("/process-instances/<int:instance_id>/supervision-notice.docx")
@blp.doc(responses=_DOCX_RESPONSE)
def notice(instance_id: int) -> Response:
    """督办通知单（Word；能查看该事项的用户均可下载）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        filename, body = supervision_notice(uow, actor, instance_id, now=services.ctx.now())
    return file_response(body, mimetype=DOCX, filename=filename, fallback=f"supervision-notice-{instance_id}.docx")


class SpecialReportIssued(Schema):
    issue = fields.String(metadata={"description": "如 2026年第3期"})
    to_leader = fields.String(metadata={"description": "交办领导的用户名；空：事项未记录交办领导"})
    attachment_id = fields.Integer(metadata={"description": "专报文件（Word）作为该事项的附件"})


@blp.post("/process-instances/<int:instance_id>/special-report")
@blp.response(201, SpecialReportIssued)
def special_report(instance_id: int) -> Any:
    """报送督查专报：事项办结后，督查室向交办领导报告办理结果（生成 Word 存为附件并通知交办领导）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        return special_reports.issue(uow, services.ctx, services.settings, actor, instance_id)


@blp.get("/process-instances/<int:instance_id>/application.docx")
@blp.doc(responses=_DOCX_RESPONSE)
def application_docx(instance_id: int) -> Response:
    """专项督查工作申报表（附件1，Word；含六级签署意见与督查方案）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        filename, body = application_form(uow, actor, instance_id, now=services.ctx.now())
    return file_response(body, mimetype=DOCX, filename=filename, fallback=f"application-{instance_id}.docx")
