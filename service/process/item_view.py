"""What the task page and the item page show: the 督办单 facts, earlier rounds, the timeline, diagram marks.

Read-only use cases; a unit's staff see only their own unit's part of a multi-unit item. The timeline is
service.process.timeline, the words of its events service.process.history_words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import Bulletin, HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.diagram import sequence_flows
from service.process import form_data, instances, tasks, time_limits
from service.process.names import INSPECTION_CAMPAIGN, LEAD_UNIT
from service.process.timeline import Record, Timeline, TimelineFilter, records, timeline, unit_of, visible_to

TASK_RECORDS = 100  # the task page's 办理记录: an item returned 300 times has 600 and more

# The well-known item keys of docs/process-conventions.md, in the order of a 督办通知单.
FACT_KEYS = (
    ("title", "事项名称"),
    ("content", "事项内容"),
    ("source_type", "来源类型"),
    ("source_ref", "来源依据"),
    ("priority", "督查类别"),
    ("requirements", "工作要求"),
    ("responsible_leader", "责任县领导"),
    ("lead_unit", "牵头单位"),
    ("co_units", "协办单位"),
    ("unit", "本单位"),
    ("time_limit", "办理时限"),
    ("deadline", "完成时限"),
    ("round", "办理轮次"),
)


@dataclass(frozen=True)
class TaskPage:
    task: HumanTask
    instance: ProcessInstance
    form: dict[str, Any] | None
    facts: list[tuple[str, str, Any]]  # (key, label, value)
    records: list[Record]  # the newest TASK_RECORDS steps people took
    form_data: dict[str, Any]
    draft_saved_at: datetime | None
    may_act: bool
    records_total: int = 0  # all the steps; the item page's timeline pages through them


@dataclass(frozen=True)
class ItemPage:
    instance: ProcessInstance
    ready: list[HumanTask]
    facts: list[tuple[str, str, Any]]
    records: list[Record]
    done_elements: list[str]
    current_elements: list[str]
    taken_flows: list[str]
    failed_elements: list[str] = field(default_factory=list)  # where the instance stopped in 异常
    bulletin: Bulletin | None = None  # the 督查通报 this campaign published
    feedback: list[Feedback] = field(default_factory=list)  # a campaign's 反馈意见 the reader may see
    timeline: Timeline | None = None  # the filters of `records`


@dataclass(frozen=True)
class Feedback:
    """A 督查组's 反馈意见 to one inspected unit."""

    unit: str  # the unit's name
    group: str
    text: str
    by: str
    at: datetime


def facts_of(data: dict[str, Any]) -> list[tuple[str, str, Any]]:
    values = {**data, "time_limit": time_limits.time_limit_text(data)}
    return [(k, label, values[k]) for k, label in FACT_KEYS if values.get(k) not in (None, "", [])]


def task_page(uow: UnitOfWork, actor: Principal, task_id: str, now: datetime) -> TaskPage:
    task, form = tasks.get(uow, actor, task_id)
    instance = uow.instances.get(task.instance_id)
    assert instance is not None
    data, draft_saved_at = form_data.for_task(uow, actor, task, form, now)
    earlier, total = records(uow, actor, instance, kinds={"task_completed"}, newest=TASK_RECORDS)
    details = {"instance_id": instance.id, "what": "task", "task_id": task.id, "element_id": task.element_id}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_VIEWED_INSTANCE, now, instance.business_number, details)
    return TaskPage(
        task=task,
        instance=instance,
        form=form,
        facts=facts_of(task.data),
        records=earlier,
        records_total=total,
        form_data=data,
        draft_saved_at=draft_saved_at,
        may_act=task.state == "ready" and actor.may_act_on(task),
    )


def item_page(
    uow: UnitOfWork,
    actor: Principal,
    instance_id: int,
    only: TimelineFilter | None = None,
    *,
    now: datetime | None = None,
) -> ItemPage:
    """What the item page shows. With `now` it is a person's view of the page, and an auditor's is logged."""
    instance, ready = instances.get(uow, actor, instance_id)
    events = uow.history.for_instance(instance.id)  # read once: the timeline and the diagram's marks
    history, found = timeline(uow, actor, instance, only or TimelineFilter(), events)
    done: set[str] = set()
    failed: list[str] = []
    for event in events:
        payload = event.payload or {}
        if event.kind == "error" and payload.get("element_id"):
            failed = [str(payload["element_id"])]
        elif event.kind == "admin_retry":
            failed = []
        if event.kind in ("task_completed", "timer_fired"):
            done.add(str(payload.get("element_id")))
        for element in payload.get("elements", []) if event.kind == "engine_steps" else []:
            done.add(str(element.get("element_id")))
    visible_ready = [t for t in ready if visible_to(actor, unit_of(t))]
    current = {t.element_id for t in visible_ready}
    taken = [
        fid
        for fid, src, dst in sequence_flows(instance.definition.bpmn_xml)
        if src in done and (dst in done or dst in current)
    ]
    page = ItemPage(
        instance=instance,
        ready=visible_ready,
        facts=facts_of(instance.data or {}),
        records=history,
        done_elements=sorted(done - current),
        current_elements=sorted(current),
        taken_flows=taken,
        failed_elements=failed if instance.status == "error" else [],
        bulletin=uow.bulletins.for_instance(instance.id),
        feedback=_feedback(uow, actor, instance),
        timeline=found,
    )
    if now is not None:
        audit_log.record_auditor_view(
            uow, actor, audit_log.AUDITOR_VIEWED_INSTANCE, now, instance.business_number, {"instance_id": instance.id}
        )
    return page


def _feedback(uow: UnitOfWork, actor: Principal, instance: ProcessInstance) -> list[Feedback]:
    """The campaign's 反馈意见: all of it for those who read every item and for the lead unit's staff; an
    inspected unit's staff only what their own unit was told."""
    if instance.process_key != INSPECTION_CAMPAIGN:
        return []
    unit = actor.staff_unit
    lead = unit is not None and (instance.data or {}).get(LEAD_UNIT) == unit
    if actor.reads_every_item or lead:
        only = None
    elif unit is not None:
        only = unit
    else:
        return []
    names, people = uow.units.names(), uow.users.display_names()
    return [
        Feedback(
            names.get(f.unit_code, f.unit_code),
            f.group_name,
            f.feedback,
            people.get(f.given_by, f.given_by),
            f.given_at,
        )  # fmt: skip
        for f in uow.campaigns.feedback(instance.id, only)
    ]
