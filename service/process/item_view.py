"""What the task page and the item page show: the 督办单 facts, earlier rounds, the timeline, diagram marks.

Read-only use cases; a unit's staff see only their own unit's part of a multi-unit item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import SYSTEM, Principal
from service.db.models import Bulletin, HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.diagram import sequence_flows
from service.form_validation import field_choices, field_labels
from service.process import checkpoints, form_data, instances, tasks, time_limits
from service.process.form_data import UNIT_KEYS
from service.process.names import INSPECTION_CAMPAIGN, LEAD_UNIT

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
EVENT_WORDS = {
    "instance_started": "发起",
    "task_completed": "办理",
    "engine_steps": "系统流转",
    "timer_fired": "定时触发",
    "instance_completed": "办结",
    "error": "出错",
    "instance_retried": "重试",
    "migrated": "迁移到新版本",
    "admin_retry": "重试",
    "instance_suspended": "挂起",
    "instance_resumed": "恢复",
    "instance_withdrawn": "撤回",
    "task_reassigned": "转办",
    "variable_corrected": "更正流程变量",
    "attachment_added": "上传附件",
    "deadline_recomputed": "时限重算",
    "deadline_extended": "延期",
    "reminder_sent": "催办",
    "extension_requested": "申请延期",
    "extension_rejected": "延期未批准",
    "checkpoint": "检查点",
}
# The engine's own steps: hidden from the timeline unless 显示系统步骤 is ticked.
SYSTEM_KINDS = frozenset({"engine_steps", checkpoints.KIND})
# How an instance's status reads in a before/after of the timeline.
STATUS_TEXT = {
    "running": "办理中",
    "completed": "已办结",
    "error": "异常",
    "suspended": "已挂起",
    "withdrawn": "已撤回",
}


@dataclass(frozen=True)
class Record:
    """One history event as people read it."""

    seq: int
    kind: str
    kind_word: str
    at: datetime
    actor: str
    step: str
    unit: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    return_reason: str | None = None
    elements: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after) in words
    username: str = ""


@dataclass(frozen=True)
class TimelineFilter:
    """The item page's timeline filters (GET parameters): one kind, one person, a date range (Shanghai
    days, inclusive), and whether the engine's own steps show."""

    kind: str | None = None
    person: str | None = None
    since: date | None = None
    until: date | None = None
    system: bool = False


@dataclass(frozen=True)
class Timeline:
    filter: TimelineFilter
    kinds: list[tuple[str, str]]  # the kinds this history has: (kind, word)
    people: list[tuple[str, str]]  # who acted in it: (username, name)
    system_steps: int  # how many of the engine's own steps there are


@dataclass(frozen=True)
class TaskPage:
    task: HumanTask
    instance: ProcessInstance
    form: dict[str, Any] | None
    facts: list[tuple[str, str, Any]]  # (key, label, value)
    records: list[Record]
    form_data: dict[str, Any]
    draft_saved_at: datetime | None
    may_act: bool


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


def _unit_of(task: HumanTask | None) -> str | None:
    if task is None:
        return None
    value = task.unit_code or task.data.get("unit")
    return str(value) if value else None


def _visible_to(actor: Principal, unit: str | None) -> bool:
    """Units see the shared parts of an item and their own unit's part, not other units' reports."""
    if actor.sees_everything or actor.acting_lanes() or unit is None:
        return True
    return unit == actor.staff_unit


# Labels of keys the service itself writes into a step's data (no form names them).
SERVICE_LABELS = {
    "rectification_results": "整改事项",
    "business_number": "编号",
    "title": "事项",
    "lead_unit": "责任单位",
    "unit": "责任单位",
}
HIDDEN_KEYS = frozenset({"item_id", "status", "unit_options", "leader_options"})  # ids and codes people do not read


def _words(
    value: Any,
    choices: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    path: str = "",
    units: Mapping[str, str] | None = None,
) -> str:
    """A submitted value in words: options and units by name, yes/no, and lists of rows (a dynamic list,
    the service's results) one per line with their fields labelled — never a Python repr."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping):
        parts = []
        # the form's order of its fields, then the service's (PostgreSQL's JSONB keeps no key order)
        order = {name: n for n, name in enumerate(labels or {})}
        known = {name: len(order) + n for n, name in enumerate(SERVICE_LABELS)}

        def rank(key: str) -> tuple[int, str]:
            return order.get(f"{path}.{key}", known.get(key, len(order) + len(known))), key

        for key, inner in sorted(value.items(), key=lambda kv: rank(kv[0])):
            if key in HIDDEN_KEYS or inner in (None, "", [], False):
                continue
            label = (labels or {}).get(f"{path}.{key}") or SERVICE_LABELS.get(key, key)
            named = units if units is not None and (key in UNIT_KEYS or key == "unit") else choices
            parts.append(f"{label}：{_words(inner, named or {}, labels, path, units)}")
        return "；".join(parts)
    if isinstance(value, list):
        if any(isinstance(v, Mapping) for v in value):
            return "\n".join(f"（{n}）{_words(v, choices, labels, path, units)}" for n, v in enumerate(value, 1))
        return "、".join(_words(v, choices) for v in value)
    return choices.get(str(value), str(value)) if value is not None else ""


def _readers(instance: ProcessInstance) -> dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]:
    """Per form key: field labels and option labels, to show submitted data in words."""
    return {key: (field_labels(form), field_choices(form)) for key, form in instance.definition.forms.items()}


# How the deadline events read in the timeline (their payloads: service/deadlines/).
STEP_TEXTS = {
    "deadline_recomputed": "完成时限 {old} → {new}",
    "deadline_extended": "完成时限 {old} → {new}（{extension_number}）",
    "extension_requested": "申请延至 {requested_deadline}：{reason}",
    "extension_rejected": "{extension_number} 未获批准",
    "reminder_sent": "第{reminder_no}次催办：{message}",
    # the instance operations (service.operations): what was done and why
    "admin_retry": "原因：{reason}",
    "instance_suspended": "原因：{reason}",
    "instance_resumed": "原因：{reason}",
    "instance_withdrawn": "原因：{reason}",
    "task_reassigned": "{name}，原因：{reason}",
    "variable_corrected": "{name}，原因：{reason}",
    "migrated": "第{from_version}版 → 第{to_version}版，原因：{reason}",
}


def _step(kind: str, payload: dict[str, Any]) -> str:
    template = STEP_TEXTS.get(kind)
    if template is not None:
        try:
            return template.format(**payload)
        except (KeyError, IndexError, ValueError):
            pass
    return str(payload.get("name") or payload.get("filename") or payload.get("message") or "")


@dataclass(frozen=True)
class Reading:
    """What turns an instance's history events into words: its forms' labels, its tasks, people, units."""

    forms: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]
    tasks: dict[str, HumanTask]
    names: dict[str, str]
    units: dict[str, str]

    def actor_name(self, username: str) -> str:
        return self.names.get(username) or ("系统" if username == SYSTEM.username else username)


def reading(uow: UnitOfWork, instance: ProcessInstance) -> Reading:
    task_rows, _ = uow.tasks.search(state=None, instance_id=instance.id, limit=100_000)
    return Reading(_readers(instance), {t.id: t for t in task_rows}, uow.users.display_names(), uow.units.names())


LIST_ENTRIES = 50  # a list longer than this is shown (and sent) as its first entries and its length
WORDS_CHARS = 2000


class DataWords:
    """The process data in words, key by key: the label of the form field (any of the instance's forms)
    or the service's own name, and the value with options and units by name."""

    def __init__(self, words: Reading, prefer: str | None = None) -> None:
        """`prefer`: the form whose labels come first (the one the step's task filled in); then the
        others in the order of their keys, so the same key reads the same on both databases."""
        self.labels: dict[str, str] = {}
        self.choices: dict[str, dict[str, str]] = {}
        order = sorted(words.forms, key=lambda key: (key != prefer, key))
        for labels, choices in (words.forms[key] for key in order):
            for key, label in labels.items():
                self.labels.setdefault(key, label)
            for key, options in choices.items():
                self.choices.setdefault(key, options)
        self.units = words.units

    def label(self, key: str) -> str:
        return self.labels.get(key) or SERVICE_LABELS.get(key, key)

    def entry(self, key: str, value: Any) -> dict[str, Any]:
        """{key, label, value (a long list cut to its first entries), count (a list's length), words}."""
        count = len(value) if isinstance(value, list) else None
        shown = value[:LIST_ENTRIES] if isinstance(value, list) else value
        named = self.units if key in UNIT_KEYS or key.endswith("_units") else self.choices.get(key, {})
        text = _words(shown, named, self.labels, key, self.units)
        if len(text) > WORDS_CHARS:
            text = text[:WORDS_CHARS] + "……"
        if count is not None and count > LIST_ENTRIES:  # after the cut, so the length always shows
            text += f"\n……共 {count} 项，仅显示前 {LIST_ENTRIES} 项"
        return {"key": key, "label": self.label(key), "value": shown, "count": count, "words": text}

    def words(self, key: str, value: Any) -> str:
        return str(self.entry(key, value)["words"])


def _before_after(
    kind: str, payload: Mapping[str, Any], words: Reading, data: DataWords | None
) -> list[tuple[str, str, str]]:
    """What an administrative operation changed, in words: (label, before, after)."""
    before = payload.get("before") if isinstance(payload.get("before"), Mapping) else {}
    after = payload.get("after") if isinstance(payload.get("after"), Mapping) else {}
    assert isinstance(before, Mapping) and isinstance(after, Mapping)
    out: list[tuple[str, str, str]] = []
    if kind in ("instance_suspended", "instance_resumed", "instance_withdrawn", "admin_retry"):
        old, new = str(before.get("status") or ""), str(after.get("status") or "")
        out.append(("状态", STATUS_TEXT.get(old, old), STATUS_TEXT.get(new, new)))
        if before.get("error") or after.get("error"):
            out.append(("错误", str(before.get("error") or "无"), str(after.get("error") or "无")))
        if payload.get("cancelled_tasks"):
            out.append(("取消的待办", "", f"{len(payload['cancelled_tasks'])} 项"))
    elif kind == "task_reassigned":
        if before.get("unit") != after.get("unit"):
            unit = lambda c: words.units.get(str(c), str(c)) if c else "无"  # noqa: E731
            out.append(("承办单位", unit(before.get("unit")), unit(after.get("unit"))))
        if before.get("assignee") != after.get("assignee"):
            person = lambda u: words.actor_name(str(u)) if u else "无"  # noqa: E731
            out.append(("承办人", person(before.get("assignee")), person(after.get("assignee"))))
    elif kind == "variable_corrected":
        key = str(payload.get("name") or "")
        data = data or DataWords(words)
        old_text = data.words(key, before.get("value")) if before.get("present", True) else "（无）"
        out.append((data.label(key), old_text or "（空）", data.words(key, after.get("value")) or "（空）"))
    elif kind == "migrated":
        out.append(("流程版本", f"第{payload.get('from_version')}版", f"第{payload.get('to_version')}版"))
    return out


def record_of(
    actor: Principal,
    words: Reading,
    event: Any,
    data_words: DataWords | None = None,
    changes: list[tuple[str, str, str]] | None = None,
) -> Record | None:
    """One history event in words, or None when it is another unit's part the actor may not read;
    administrative operations with what they changed (before → after)."""
    payload = event.payload or {}
    task = words.tasks.get(str(payload.get("task_id")))
    unit = _unit_of(task) if event.kind == "task_completed" else None
    if not _visible_to(actor, unit):
        return None
    labels, choices = words.forms.get(task.form_key or "", ({}, {})) if task else ({}, {})
    units = words.units
    raw = payload.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    shown = [
        (
            labels.get(k) or SERVICE_LABELS.get(k, k),
            _words(v, units if k in UNIT_KEYS or k.endswith("_units") else choices.get(k, {}), labels, k, units),
        )
        for k, v in data.items()
        if v not in (None, "", [], False) and k not in HIDDEN_KEYS
    ]
    reason = data.get("return_reason") if data.get("review_decision") == "return" else None
    elements = [e.get("name") or e.get("element_id", "") for e in payload.get("elements", [])]
    return Record(
        seq=event.seq,
        kind=event.kind,
        kind_word=EVENT_WORDS.get(event.kind, event.kind),
        at=event.at,
        actor=words.actor_name(event.actor),
        step=_step(event.kind, payload),
        unit=unit,
        fields=shown,
        return_reason=reason,
        elements=[e for e in elements if e],
        changes=changes if changes is not None else _before_after(event.kind, payload, words, data_words),
        username=event.actor,
    )


def timeline(
    uow: UnitOfWork, actor: Principal, instance: ProcessInstance, only: TimelineFilter
) -> tuple[list[Record], Timeline]:
    """The item page's timeline: every event in words with what it changed — administrative operations
    before → after, and with the system steps shown, each checkpoint's data changes by label — filtered."""
    words = reading(uow, instance)
    data_words = DataWords(words)
    by_form: dict[str | None, DataWords] = {None: data_words}
    form: str | None = None  # the form of the task the current command completed
    kinds: dict[str, str] = {}
    people: dict[str, str] = {}
    system = 0
    out = []
    data: dict[str, Any] = {}
    for event in uow.history.for_instance(instance.id):
        payload = event.payload or {}
        changes = None
        system += event.kind in SYSTEM_KINDS
        if event.kind == "task_completed":
            task = words.tasks.get(str(payload.get("task_id")))
            form = task.form_key if task else None
        if event.kind == checkpoints.KIND:
            labelled = by_form.setdefault(form, DataWords(words, form))
            form = None
            before = data
            gone = set(payload.get("removed") or [])
            data = {k: v for k, v in data.items() if k not in gone}
            data.update(payload.get("set") or {})
            if not only.system:
                continue
            changes = [
                (
                    labelled.label(k),
                    labelled.words(k, before[k]) if k in before else "（无）",
                    labelled.words(k, v),
                )
                for k, v in sorted((payload.get("set") or {}).items())
                if k not in HIDDEN_KEYS
            ] + [(labelled.label(k), labelled.words(k, before.get(k)), "（删除）") for k in sorted(gone)]
        if event.kind in SYSTEM_KINDS and not only.system:
            continue
        record = record_of(actor, words, event, data_words, changes)
        if record is None:
            continue
        kinds.setdefault(event.kind, record.kind_word)
        people.setdefault(event.actor, record.actor)
        day = event.at.astimezone(workdays.SHANGHAI).date()
        if (
            (only.kind and event.kind != only.kind)
            or (only.person and event.actor != only.person)
            or (only.since and day < only.since)
            or (only.until and day > only.until)
        ):
            continue
        out.append(record)
    found = Timeline(
        only, sorted(kinds.items(), key=lambda kv: kv[1]), sorted(people.items(), key=lambda kv: kv[1]), system
    )
    return out, found


def records(
    uow: UnitOfWork, actor: Principal, instance: ProcessInstance, *, kinds: set[str] | None = None
) -> list[Record]:
    words = reading(uow, instance)
    out = []
    for event in uow.history.for_instance(instance.id):
        if kinds is not None and event.kind not in kinds:
            continue
        if event.kind == checkpoints.KIND and kinds is None:
            continue  # the engine's own bookkeeping (what the replay reads), not a step people took
        record = record_of(actor, words, event)
        if record is not None:
            out.append(record)
    return out


def task_page(uow: UnitOfWork, actor: Principal, task_id: str, now: datetime) -> TaskPage:
    task, form = tasks.get(uow, actor, task_id)
    instance = uow.instances.get(task.instance_id)
    assert instance is not None
    data, draft_saved_at = form_data.for_task(uow, actor, task, form, now)
    return TaskPage(
        task=task,
        instance=instance,
        form=form,
        facts=facts_of(task.data),
        records=[r for r in records(uow, actor, instance, kinds={"task_completed"})],
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
    history, found = timeline(uow, actor, instance, only or TimelineFilter())
    done: set[str] = set()
    failed: list[str] = []
    for event in uow.history.for_instance(instance.id):
        payload = event.payload or {}
        if event.kind == "error" and payload.get("element_id"):
            failed = [str(payload["element_id"])]
        elif event.kind == "admin_retry":
            failed = []
        if event.kind in ("task_completed", "timer_fired"):
            done.add(str(payload.get("element_id")))
        for element in payload.get("elements", []) if event.kind == "engine_steps" else []:
            done.add(str(element.get("element_id")))
    visible_ready = [t for t in ready if _visible_to(actor, _unit_of(t))]
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
