"""督办通知单 (assignment notice) of a supervised item: what the handling units receive when it is 交办.

`build_supervision_notice` prints the facts; `supervision_notice` gathers them from the item's process data
and its ledger row, for whoever may read the item (the same check as its page and attachments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models.ledger import co_unit_codes
from service.db.session import UnitOfWork
from service.documents import layout
from service.errors import Conflict, NotFound
from service.process import instances, names, time_limits

PROCESS_KEY = names.SUPERVISION_ITEM


@dataclass(frozen=True)
class SupervisionNotice:
    business_number: str
    title: str
    source_type: str
    source_ref: str
    content: str
    requirements: str
    lead_unit_name: str
    co_unit_names: list[str]
    time_limit: str  # "15个工作日" / "3个月" / ""
    deadline: date
    responsible_leader: str
    issued_on: date
    issuer: str = layout.ISSUER


def build_supervision_notice(notice: SupervisionNotice) -> bytes:
    """The .docx bytes of the notice (A4, 公文 style)."""
    doc = layout.new_document()
    layout.title(doc, "督办通知单")
    layout.right(doc, f"编号：{notice.business_number}")
    fields = [
        ("事项名称", notice.title),
        ("来源类型", notice.source_type or "—"),
        ("来源依据", notice.source_ref or "—"),
        ("事项内容", notice.content or "—"),
        ("工作要求", notice.requirements or "—"),
        ("牵头单位", notice.lead_unit_name or "—"),
        ("协办单位", "、".join(notice.co_unit_names) or "无"),
        ("办理时限", notice.time_limit or "—"),
        ("截止日期", layout.cn_date(notice.deadline)),
        ("责任县领导", notice.responsible_leader or "—"),
    ]
    layout.field_table(doc, fields)
    units = "、".join([notice.lead_unit_name, *notice.co_unit_names]) if notice.lead_unit_name else "各承办单位"
    layout.body(
        doc,
        f"请{units}按照工作要求认真办理，牵头单位统筹协调，协办单位密切配合，"
        f"于{layout.cn_date(notice.deadline)}前将办理情况书面报送{notice.issuer}。"
        "不能按期办结的，应在办理时限届满前提出延期申请。",
    )
    layout.signature(doc, notice.issuer, notice.issued_on)
    return layout.to_bytes(doc)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def time_limit_text(data: Mapping[str, Any], days: int | None, assigned: date | None, deadline: date) -> str:
    """办理时限 as the notice prints it (service.process.time_limits, unspaced), agreeing with its deadline."""
    return time_limits.time_limit_text(data, days=days, assigned=assigned, deadline=deadline, spaced=False)


def supervision_notice(
    uow: UnitOfWork, actor: Principal, instance_id: int, *, now: datetime | None = None
) -> tuple[str, bytes]:
    """(file name, .docx bytes) of the item's 督办通知单; 404 when the actor may not read the item, 409 before
    it is 交办 (no units and deadline yet)."""
    instance = instances.readable(uow, actor, instance_id)
    if instance.process_key != PROCESS_KEY:
        raise NotFound("该流程没有督办通知单")
    row = uow.ledger.get(instance.id)
    if row is None or row.status == "registering" or not row.deadline or not row.lead_unit:
        raise Conflict("事项尚未立项交办，还没有督办通知单", {"instance_id": instance.id})
    data = instance.data or {}
    names = uow.units.names()
    deadline = date.fromisoformat(row.deadline)
    assigned = _day(data.get("assigned_at"))
    notice = SupervisionNotice(
        business_number=instance.business_number,
        title=row.title or instance.title,
        source_type=row.source_type,
        source_ref=row.source_ref,
        content=row.content,
        requirements=str(data.get("requirements") or "").strip(),
        lead_unit_name=names.get(row.lead_unit, row.lead_unit),
        co_unit_names=[names.get(c, c) for c in co_unit_codes(row.co_units)],
        time_limit=time_limit_text(data, row.time_limit_days, assigned, deadline),
        deadline=deadline,
        responsible_leader=row.responsible_leader,
        issued_on=assigned or workdays.as_date(now or workdays.system_clock()),
    )
    body = build_supervision_notice(notice)
    audit_log.record_auditor_view(
        uow,
        actor,
        audit_log.AUDITOR_VIEWED_DOCUMENT,
        now or workdays.system_clock(),
        instance.business_number,
        {"instance_id": instance.id, "document": "督办通知单"},
    )
    return f"督办通知单-{instance.business_number}.docx", body
