"""督查专报 use case: the office reports a 办结 item's result to the leader who assigned it (交办领导), who is
told; the .docx is numbered 第N期 per year and kept as the item's attachment, and the act is in its history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service import notifications, workdays
from service.access.principal import SUPERVISORS, Principal
from service.attachments import keep_generated
from service.config import Settings
from service.db.session import UnitOfWork
from service.documents.special_report import SpecialReport, UnitOutcome, build_special_report
from service.errors import Conflict, Forbidden, NotFound
from service.process import history, names
from service.process.context import ServiceContext

EVENT = "special_report_issued"
ROLES = {"lead": "牵头单位", "co": "协办单位"}


def _outcomes(data: Mapping[str, Any], units: Mapping[str, str]) -> list[UnitOutcome]:
    raw = data.get("unit_results")
    rows = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
    return [
        UnitOutcome(
            unit_name=units.get(str(r.get("unit")), str(r.get("unit") or "")),
            role=ROLES.get(str(r.get("role")), "承办单位"),
            rounds=int(r.get("rounds") or 1),
            returns=int(r.get("returns") or 0),
        )
        for r in rows
    ]


def issue(
    uow: UnitOfWork, ctx: ServiceContext, settings: Settings, actor: Principal, instance_id: int
) -> dict[str, Any]:
    """Build, keep and send the 督查专报 of a 办结 督办事项 and commit; returns the history payload."""
    if not actor.roles & SUPERVISORS:
        raise Forbidden("只有督查室可以报送督查专报")
    item = uow.instances.lock(instance_id)
    if item is None or item.process_key != names.SUPERVISION_ITEM:
        raise NotFound(f"督办事项 {instance_id} 不存在")
    if item.status != "completed":
        raise Conflict("事项办结后才能报送督查专报", {"status": item.status})
    data: Mapping[str, Any] = item.data or {}
    now = ctx.now()
    year = now.astimezone(workdays.SHANGHAI).year
    number = uow.counters.next(f"special_report:{year}")
    people, units = uow.users.display_names(), uow.units.names()
    leader = str(data.get("assigning_leader") or "")
    source = "，".join(str(data[k]) for k in ("source_type", "source_ref") if data.get(k)) or "督办事项"
    report = SpecialReport(
        year=year,
        issue_no=number,
        to_leader=people.get(leader, ""),
        business_number=item.business_number,
        title=item.title,
        source=source,
        content=str(data.get("content") or ""),
        lead_unit_name=units.get(str(data.get("lead_unit")), str(data.get("lead_unit") or "")),
        deadline=str(data.get("deadline") or ""),
        closed_on=workdays.as_date(item.completed_at) if item.completed_at else None,
        summary=str(data.get("summary") or ""),
        instruction=str(data.get("instruction") or ""),
        outcomes=_outcomes(data, units),
        issued_on=workdays.as_date(now),
    )
    filename = f"督查专报-{year}年第{number}期-{item.business_number}.docx"
    kept = keep_generated(uow, settings, item.id, filename, build_special_report(report), actor.username, now)
    payload = {"issue": f"{year}年第{number}期", "to_leader": leader, "attachment_id": kept.id}
    history.append(uow, item.id, EVENT, actor.username, now, payload)
    if leader:
        notifications.notify(
            uow,
            ctx,
            usernames=[leader],
            kind="special_report",
            title=f"督查专报 {year}年第{number}期：{item.title}",
            body=f"您交办的事项（{item.business_number}）已办结，办理结果见督查专报。",
            link=f"/items/{item.id}",
            instance_id=item.id,
            now=now,
        )
    uow.commit()
    return payload
