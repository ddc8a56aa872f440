"""A campaign's field work (炎陵 §三(一)2–3): the 督查通知 is issued when the groups and the plan are set, and
each group's 反馈意见 reaches the units it inspected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service import notifications, workdays
from service.attachments import keep_generated_at
from service.db.models import InspectionFeedback
from service.db.session import UnitOfWork
from service.documents.inspection_notice import Group, InspectionNotice, build_inspection_notice
from service.process import option_lists
from service.process.context import ServiceContext
from service.process.events import StepSaved
from service.process.names import INSPECTION_CAMPAIGN, INSPECTION_FEEDBACK, INSPECTION_PLAN, INVITED


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    task = step.completed_task
    if task is None or step.instance.process_key != INSPECTION_CAMPAIGN:
        return
    if task.element_id == INSPECTION_PLAN and ctx.data_dir is not None:
        _issue_notice(uow, ctx, step)
    elif task.element_id == INSPECTION_FEEDBACK:
        _tell_units(uow, ctx, step, task.data or {}, step.submitted or {})


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _issue_notice(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    assert ctx.data_dir is not None
    data = step.data
    people = {o["value"]: o["label"] for o in option_lists.cadre_options(uow)}
    raw = data.get("groups")
    groups = [
        Group(
            name=_text(g, "name"),
            leader=people.get(str(g.get("leader")), str(g.get("leader") or "")),
            members=[people.get(str(m), str(m)) for m in (g.get("members") or []) if m],
        )
        for g in (raw if isinstance(raw, list) else [])
        if isinstance(g, Mapping)
    ]
    notice = InspectionNotice(
        business_number=step.instance.business_number,
        title=_text(data, "title") or step.instance.title,
        purpose=_text(data, "purpose"),
        basis=_text(data, "basis"),
        period=_text(data, "period"),
        targets=_text(data, "targets"),
        content=_text(data, "content"),
        method=_text(data, "method"),
        groups=groups,
        result_use=_text(data, "result_use"),
        issued_on=workdays.as_date(step.now),
    )
    invited = data.get(INVITED)
    if isinstance(invited, list) and invited:  # 004 §三.3: the invited deputies and members are told
        notifications.notify(
            uow,
            ctx,
            usernames=[str(u) for u in invited],
            kind="campaign_invitation",
            title=f"邀请参加督查：{notice.title}",
            body=f"督查时间：{notice.period}；督查对象：{notice.targets}",
            link=f"/items/{step.instance.id}",
            instance_id=step.instance.id,
            now=step.now,
        )
    filename = f"督查通知-{step.instance.business_number}.docx"
    keep_generated_at(
        uow, ctx.data_dir, step.instance.id, filename, build_inspection_notice(notice), step.actor, step.now
    )


def _tell_units(
    uow: UnitOfWork, ctx: ServiceContext, step: StepSaved, task_data: Mapping[str, Any], submitted: Mapping[str, Any]
) -> None:
    """The units named in the group's 反馈意见 are told what it says (the group's data lives in its branch)."""
    group = task_data.get("group")
    name = group.get("name") if isinstance(group, Mapping) else ""
    feedback = _text(submitted, "feedback")
    units = submitted.get("feedback_units")
    told = sorted({str(u) for u in units}) if isinstance(units, list) else []
    uow.campaigns.add_all(
        [
            InspectionFeedback(
                campaign_id=step.instance.id,
                unit_code=unit,
                group_name=str(name or "")[:200],
                feedback=feedback,
                given_by=step.actor,
                given_at=step.now,
            )
            for unit in told
        ]
    )
    for unit in told:
        notifications.notify_unit(
            uow,
            ctx,
            unit_code=unit,
            kind="inspection_feedback",
            title=f"督查反馈意见：{step.instance.title}（{name or '督查组'}）",
            body=feedback,
            link=f"/items/{step.instance.id}#feedback",
            instance_id=step.instance.id,
            now=step.now,
        )
