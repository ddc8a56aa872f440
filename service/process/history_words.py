"""History events and process data in words: event names, the labels of form fields and options, units and
people by name — what the timeline, the task page's earlier rounds and the replay show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.access.principal import SYSTEM
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.form_validation import field_choices, field_labels
from service.process import checkpoints
from service.process.form_data import UNIT_KEYS

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


# Labels of keys the service itself writes into a step's data (no form names them).
SERVICE_LABELS = {
    "rectification_results": "整改事项",
    "business_number": "编号",
    "title": "事项",
    "lead_unit": "责任单位",
    "unit": "责任单位",
}
HIDDEN_KEYS = frozenset({"item_id", "status", "unit_options", "leader_options"})  # ids and codes people do not read


def value_words(
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
            parts.append(f"{label}：{value_words(inner, named or {}, labels, path, units)}")
        return "；".join(parts)
    if isinstance(value, list):
        if any(isinstance(v, Mapping) for v in value):
            return "\n".join(f"（{n}）{value_words(v, choices, labels, path, units)}" for n, v in enumerate(value, 1))
        return "、".join(value_words(v, choices) for v in value)
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


def step_text(kind: str, payload: dict[str, Any]) -> str:
    template = STEP_TEXTS.get(kind)
    if template is not None:
        try:
            return template.format(**payload)
        except (KeyError, IndexError, ValueError):
            pass
    return str(payload.get("name") or payload.get("filename") or payload.get("message") or "")


@dataclass(frozen=True)
class TaskBrief:
    """What the words of a history event need of the task it completed: its form and its unit."""

    id: str
    form_key: str | None
    unit: str | None  # the task's unit (a co-handling unit's branch), else its data's `unit`


@dataclass(frozen=True)
class Reading:
    """What turns an instance's history events into words: its forms' labels, its tasks, people, units."""

    forms: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]
    tasks: dict[str, TaskBrief]
    names: dict[str, str]
    units: dict[str, str]

    def actor_name(self, username: str) -> str:
        return self.names.get(username) or ("系统" if username == SYSTEM.username else username)


def reading(uow: UnitOfWork, instance: ProcessInstance) -> Reading:
    """Every task of the instance by id, as a brief: each task's whole data (~13 KB) would be read and
    decoded for nothing, 600 times for an item returned 300 times."""
    briefs = {
        task_id: TaskBrief(task_id, form_key, str(unit_code or unit) if unit_code or unit else None)
        for task_id, form_key, unit_code, unit in uow.tasks.briefs(instance.id)
    }
    return Reading(_readers(instance), briefs, uow.users.display_names(), uow.units.names())


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
        text = value_words(shown, named, self.labels, key, self.units)
        if len(text) > WORDS_CHARS:
            text = text[:WORDS_CHARS] + "……"
        if count is not None and count > LIST_ENTRIES:  # after the cut, so the length always shows
            text += f"\n……共 {count} 项，仅显示前 {LIST_ENTRIES} 项"
        return {"key": key, "label": self.label(key), "value": shown, "count": count, "words": text}

    def words(self, key: str, value: Any) -> str:
        return str(self.entry(key, value)["words"])
