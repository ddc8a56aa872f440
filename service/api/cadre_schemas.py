"""Marshmallow schemas of the 督查人员信息库 endpoints.

Request bodies are parsed leniently (any JSON value per field): service.cadres.validation checks them
and answers every field error in Chinese, the same for the API and the pages.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from service.api.schemas import Pagination
from service.cadres.vocabulary import GRADES, LABELS, RANKS


def _raw(name: str, description: str = "") -> fields.Raw:
    return fields.Raw(allow_none=True, metadata={"description": description or LABELS[name]})


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class CadrePersonInput(_Lenient):
    unit = _raw("unit", "单位代码（单位人员可省略：本单位）")
    name = _raw("name")
    gender = _raw("gender", "男 / 女")
    birth_month = _raw("birth_month", "出生年月 YYYY-MM")
    ethnicity = _raw("ethnicity")
    native_place = _raw("native_place")
    work_start = _raw("work_start", "参加工作时间 YYYY-MM")
    party_joined = _raw("party_joined", "入党时间 YYYY-MM（可空）")
    mobile = _raw("mobile", "11 位手机号码")
    position = _raw("position")
    unit_opinion = _raw("unit_opinion", "推荐单位意见（填写时须同时填写单位负责人和日期）")
    unit_head = _raw("unit_head")
    opinion_date = _raw("opinion_date", "意见日期 YYYY-MM-DD")
    version = _raw("version", "修改时：读取时的版本号，他人已修改则 409")


class CadreLeaderInput(CadrePersonInput):
    duties = _raw("duties")


class CadreInput(CadrePersonInput):
    birthplace = _raw("birthplace")
    health_status = _raw("health_status", "健康状况：健康 / 良好 / 一般 / 较差 …（健康、良好为身体健康）")
    specialty = _raw("specialty")
    fulltime_education = _raw("fulltime_education")
    fulltime_school = _raw("fulltime_school")
    inservice_education = _raw("inservice_education")
    inservice_school = _raw("inservice_school")
    rank = _raw("rank", f"职级：{' / '.join(RANKS)}")
    resume = _raw("resume")
    disciplines = _raw("disciplines", "党政纪处分 [{date: YYYY-MM-DD, kind, issuer}]")
    evaluations = _raw("evaluations", f"年度考核 [{{year, grade: {' / '.join(GRADES)}}}]")


def _date(description: str) -> fields.Date:
    return fields.Date(error_messages={"invalid": "日期格式应为 YYYY-MM-DD"}, metadata={"description": description})


class CadreUnitQuery(Pagination):
    unit = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "单位代码"})


class CadreQuery(CadreUnitQuery):
    eligible = fields.Boolean(
        error_messages={"invalid": "应为 true 或 false"}, metadata={"description": "只看符合/不符合人员标准的"}
    )
    on = _date("按此日期核对人员标准（默认今天）")


class CadreOnQuery(Schema):
    on = _date("按此日期核对人员标准（默认今天）")


class CadreFailure(Schema):
    rule = fields.String(metadata={"description": "age / experience / health / discipline / evaluation"})
    message = fields.String()


class CadreEligibilitySchema(Schema):
    on = fields.String()
    eligible = fields.Boolean()
    failed = fields.List(fields.Nested(CadreFailure))


class CadreCheckSchema(CadreEligibilitySchema):
    cadre_id = fields.Integer()


class _Person(Schema):
    id = fields.Integer()
    unit = fields.String()
    unit_name = fields.String()
    name = fields.String()
    gender = fields.String()
    birth_month = fields.String()
    age = fields.Integer(metadata={"description": "今天的周岁（按出生年月）"})
    ethnicity = fields.String()
    native_place = fields.String()
    work_start = fields.String()
    party_joined = fields.String(allow_none=True)
    mobile = fields.String()
    position = fields.String()
    unit_opinion = fields.String()
    unit_head = fields.String()
    opinion_date = fields.String(allow_none=True)
    version = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_by = fields.String()
    updated_at = fields.DateTime()


class CadreLeaderSchema(_Person):
    duties = fields.String()


class CadreDisciplineSchema(Schema):
    date = fields.String()
    kind = fields.String()
    issuer = fields.String()


class CadreEvaluationSchema(Schema):
    year = fields.Integer()
    grade = fields.String()


class CadreSchema(_Person):
    birthplace = fields.String()
    health_status = fields.String()
    healthy = fields.Boolean(metadata={"description": "身体健康（由健康状况判断）"})
    specialty = fields.String()
    fulltime_education = fields.String()
    fulltime_school = fields.String()
    inservice_education = fields.String()
    inservice_school = fields.String()
    rank = fields.String()
    resume = fields.String()
    disciplines = fields.List(fields.Nested(CadreDisciplineSchema))
    evaluations = fields.List(fields.Nested(CadreEvaluationSchema))
    eligible = fields.Boolean()
    eligibility = fields.Nested(CadreEligibilitySchema)
    last_drawn = fields.String(allow_none=True, metadata={"description": "最近一次被抽中参加轮训的半年度"})
    drawn_halves = fields.List(fields.String())


class CadreDrawRequest(_Lenient):
    half = fields.Raw(allow_none=True, metadata={"description": "半年度，如 2026H2"})
    count = fields.Raw(load_default=1, allow_none=True, metadata={"description": "抽选人数 1 或 2"})


class CadreVoidRequest(_Lenient):
    reason = fields.Raw(allow_none=True, metadata={"description": "作废理由"})


class CadreCandidateSchema(Schema):
    cadre_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    eligible = fields.Boolean()
    failed = fields.List(fields.Nested(CadreFailure))
    last_drawn = fields.String(allow_none=True)


class CadreDrawSchema(Schema):
    id = fields.Integer()
    half = fields.String()
    count = fields.Integer()
    seed = fields.String(metadata={"description": "随机种子（secrets 生成），可据此复现抽选"})
    checked_on = fields.String(metadata={"description": "核对人员标准的日期"})
    candidates = fields.List(fields.Nested(CadreCandidateSchema))
    result = fields.List(fields.Integer(), metadata={"description": "抽中的督查干部 id，按抽中顺序"})
    drawn = fields.List(fields.Nested(CadreCandidateSchema))
    digest = fields.String()
    drawn_by = fields.String()
    drawn_at = fields.DateTime()
    voided = fields.Boolean()
    voided_by = fields.String(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    reproducible = fields.Boolean()


class CadreDrawVerifySchema(Schema):
    draw_id = fields.Integer()
    half = fields.String()
    seed = fields.String()
    recorded = fields.List(fields.Integer())
    recomputed = fields.List(fields.Integer())
    intact = fields.Boolean(metadata={"description": "记录未被改动（摘要一致）"})
    reproducible = fields.Boolean()
