"""API: 考核评分 — unit scores per period with explained lines, the Excel export, and the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service import scoring, workdays
from service.api.schemas import ID_RANGE
from service.errors import Forbidden
from service.http.caller import current_principal
from service.http.files import XLSX, file_response
from service.http.services import current_services
from service.scoring import periods

blp = Blueprint("scoring", __name__, description="考核评分")


class ScoreQuery(Schema):
    period = fields.String(
        validate=validate.Length(max=20), metadata={"description": f"考核期间，{periods.PERIOD_HINT}；不填为本年"}
    )
    start = fields.Date(metadata={"description": "开始日期（含），与 end 同用，代替 period"})
    end = fields.Date(metadata={"description": "结束日期（含）"})
    unit = fields.String(validate=validate.Length(max=64), metadata={"description": "只看某个单位（编码）"})


class ScoreLineSchema(Schema):
    rule = fields.String(metadata={"description": "规则项，如 overdue_lead"})
    points = fields.Float(metadata={"description": "分值（扣分为负）"})
    number = fields.String(metadata={"description": "督办编号，或通报期号（2026年第3期）"})
    title = fields.String()
    date = fields.Date(attribute="day")
    explanation = fields.String()
    instance_id = fields.Integer(allow_none=True)


class UnitScoreSchema(Schema):
    unit = fields.String()
    unit_name = fields.String()
    unit_kind = fields.String()
    rank = fields.Integer(allow_none=True, metadata={"description": "名次（只看本单位时为空）"})
    base = fields.Float()
    score = fields.Float(metadata={"description": "得分 = 基础分 + 各条分值之和"})
    deductions = fields.Float()
    additions = fields.Float()
    due = fields.Integer(metadata={"description": "期间内到期（或已办结）的事项数（牵头或协办）"})
    on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    rule_version = fields.Integer()
    lines = fields.List(fields.Nested(ScoreLineSchema))


class ScoreSheetSchema(Schema):
    start = fields.Date()
    end = fields.Date()
    period = fields.String(allow_none=True)
    label = fields.String()
    rule_version = fields.Integer()
    rules = fields.Function(lambda sheet: sheet.rules.as_json())
    computed_at = fields.DateTime()
    units = fields.List(fields.Nested(UnitScoreSchema))


class ScoreRuleFieldSchema(Schema):
    key = fields.String()
    label = fields.String()
    default = fields.Float()
    min = fields.Float(attribute="low")
    max = fields.Float(attribute="high")
    integer = fields.Boolean()


class ScoreRuleVersionSchema(Schema):
    version = fields.Integer()
    rules = fields.Function(lambda rule_set: rule_set.as_json())
    created_by = fields.String()
    created_at = fields.DateTime(allow_none=True)


class ScoreRulesSchema(Schema):
    version = fields.Integer(metadata={"description": "现行版本号"})
    rules = fields.Dict(keys=fields.String(), metadata={"description": "规则项 → 数值"})
    created_by = fields.String()
    created_at = fields.DateTime(allow_none=True)
    fields_ = fields.List(fields.Nested(ScoreRuleFieldSchema), data_key="fields")
    history = fields.List(fields.Nested(ScoreRuleVersionSchema), metadata={"description": "最近的版本，新→旧"})
    changed = fields.Boolean(metadata={"description": "本次保存是否产生了新版本"})


class ScoreRulesUpdate(Schema):
    rules = fields.Dict(required=True, metadata={"description": "规则项 → 数值；未给出的项沿用现行值"})
    based_on = fields.Integer(validate=ID_RANGE, metadata={"description": "编辑时看到的版本号；已被他人改过则返回 409"})


def _sheet(uow: Any, query: dict[str, Any], now: datetime) -> scoring.ScoreSheet:
    period = periods.resolve(query.get("period"), query.get("start"), query.get("end"), workdays.as_date(now))
    return scoring.scores(
        uow, current_principal(), start=period.start, end=period.end, unit=query.get("unit") or None, now=now,
        period=period,
    )  # fmt: skip


@blp.get("/scores")
@blp.arguments(ScoreQuery, location="query")
@blp.response(200, ScoreSheetSchema)
def scores(query: dict[str, Any]) -> Any:
    """各单位考核得分（按期间；每条扣分、加分都有说明）"""
    services = current_services()
    with services.uow() as uow:
        return _sheet(uow, query, services.ctx.now())


@blp.get("/scores/export.xlsx")
@blp.arguments(ScoreQuery, location="query")
@blp.response(200, description="考核得分 Excel 文件（“得分”与“明细”两个工作表）", content_type=XLSX)
def export(query: dict[str, Any]) -> Any:
    """导出考核得分（Excel）"""
    services = current_services()
    now = services.ctx.now()
    with services.uow() as uow:
        sheet = _sheet(uow, query, now)
        body = scoring.export_xlsx(uow, current_principal(), sheet, now)
    label = sheet.period or f"{sheet.start:%Y%m%d}-{sheet.end:%Y%m%d}"
    return file_response(body, mimetype=XLSX, filename=f"考核得分-{label}.xlsx", fallback=f"scores-{label}.xlsx")


def _rules_body(rule_set: scoring.RuleSet, changed: bool | None = None) -> dict[str, Any]:
    services = current_services()
    with services.uow() as uow:
        versions = scoring.history(uow)
    body: dict[str, Any] = {
        "version": rule_set.version,
        "rules": rule_set.as_json(),
        "created_by": rule_set.created_by,
        "created_at": rule_set.created_at,
        "fields_": scoring.RULE_FIELDS,
        "history": versions,
    }
    if changed is not None:
        body["changed"] = changed
    return body


@blp.get("/scores/rules")
@blp.response(200, ScoreRulesSchema)
def get_rules() -> Any:
    """现行考核规则（含各项说明、取值范围和历史版本）"""
    actor = current_principal()
    services = current_services()
    if not scoring.may_view(actor):
        raise Forbidden("没有查看考核规则的权限")
    with services.uow() as uow:
        rule_set = scoring.in_force(uow, services.ctx.now())
    return _rules_body(rule_set)


@blp.put("/scores/rules")
@blp.arguments(ScoreRulesUpdate)
@blp.response(200, ScoreRulesSchema)
@blp.doc(description="保存为新版本（仅系统管理员、督查室）；旧版本保留，之后计算的得分记录所用版本")
def put_rules(body: dict[str, Any]) -> Any:
    """修改考核规则"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        rule_set, changed = scoring.save(uow, actor, body["rules"], services.ctx.now(), based_on=body.get("based_on"))
    return _rules_body(rule_set, changed)
