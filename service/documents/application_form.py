"""《炎陵县人民政府专项督查工作申报表》(附件1) printed as the paper form: the applicant's header, 事项名称,
督查依据, 督查内容, the six signers' opinions in the regulation's order (each the latest they signed, with who
and when), and the 督查方案 with the elements 说明(2) requires. Whoever may read the application may print it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.documents import layout
from service.errors import NotFound
from service.process import instances, names

SIGNERS = (
    ("sign_office", "县政府督查室意见"),
    ("sign_supervising_leader", "县政府办分管督查领导意见"),
    ("sign_office_director", "县政府办主任意见"),
    ("sign_vice_magistrate", "分管副县长意见"),
    ("sign_executive_vice", "常务副县长意见"),
    ("sign_magistrate", "县长意见"),
)
PLAN_ELEMENTS = (
    ("plan_purpose", "督查目的"),
    ("basis", "督查依据"),
    ("content", "督查内容"),
    ("plan_period", "督查时间"),
    ("plan_targets", "督查对象"),
    ("plan_method", "督查方式"),
    ("plan_participants", "参加人员"),
    ("plan_result_use", "督查结果运用"),
)
DECISIONS = {"agree": "同意", "reject": "不同意，退回"}


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if value not in (None, "") else ""


def _day(value: Any) -> str:
    try:
        return layout.cn_date(workdays.as_date(value))
    except (TypeError, ValueError):
        return "    年    月    日"


def application_form(
    uow: UnitOfWork, actor: Principal, instance_id: int, *, now: datetime | None = None
) -> tuple[str, bytes]:
    """(file name, .docx bytes); 404 when the actor may not read it or it is no 附件1."""
    application = instances.readable(uow, actor, instance_id)
    if application.process_key != names.SPECIAL_APPLICATION:
        raise NotFound("该流程不是专项督查工作申报")
    data: Mapping[str, Any] = application.data or {}
    people = uow.users.display_names()
    signed: dict[str, str] = {}
    for event in uow.history.for_instance(application.id):
        payload = event.payload or {}
        element = str(payload.get("element_id"))
        if event.kind == "task_completed" and element in dict(SIGNERS):
            raw = payload.get("data")
            given: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            words = DECISIONS.get(str(given.get("decision")), "")
            opinion = _text(given, "opinion")
            who = people.get(event.actor, event.actor)
            signed[element] = f"{words}。{opinion}\n签署：{who}　{_day(given.get('signed_on') or event.at)}".replace(
                "。。", "。"
            )
    doc = layout.new_document()
    layout.title(doc, "炎陵县人民政府专项督查工作申报表")
    layout.body(
        doc,
        f"呈报单位（盖章）：{_text(data, 'reporting_unit')}　　负责人：{_text(data, 'person_in_charge')}　　"
        f"呈报日期：{_day(data.get('report_date'))}",
        indent=False,
    )
    rows = [
        ("事项名称", _text(data, "item_name")),
        ("督查依据", _text(data, "basis")),
        ("督查内容", _text(data, "content")),
    ]
    rows += [(label, signed.get(element, "")) for element, label in SIGNERS]
    layout.field_table(doc, rows)
    layout.body(
        doc,
        "说明：(1) 本表由申报单位填写，经县政府分管副县长、常务副县长、县长签署明确意见后，连同督查方案和相关文件，"
        "提前一周送县政府督查室。(2) 督查方案须明确督查目的、督查依据、督查内容、督查时间、督查对象、督查方式、"
        "参加人员、督查结果运用等。(3) 督查方案作为附件一并呈报。",
        indent=False,
    )
    layout.heading(doc, "附：督查方案")
    plan = [(label, _text(data, key)) for key, label in PLAN_ELEMENTS]
    if _text(data, "plan"):
        plan.append(("其他说明", _text(data, "plan")))
    plan.append(("拟开始日期", _day(data.get("start_date"))))
    layout.field_table(doc, plan)
    body = layout.to_bytes(doc)
    audit_log.record_auditor_view(
        uow,
        actor,
        audit_log.AUDITOR_VIEWED_DOCUMENT,
        now or workdays.system_clock(),
        application.business_number,
        {"instance_id": application.id, "document": "专项督查工作申报表"},
    )
    return f"专项督查工作申报表-{application.business_number}.docx", body
