"""The item page's timeline: every history event in words, with what administrative operations changed,
filtered by kind, person and date; a unit's staff see only their own unit's part of a multi-unit item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service import workdays
from service.access.principal import Principal
from service.db.models import HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.process import checkpoints
from service.process.form_data import UNIT_KEYS
from service.process.history_words import (
    EVENT_WORDS,
    HIDDEN_KEYS,
    SERVICE_LABELS,
    STATUS_TEXT,
    SYSTEM_KINDS,
    DataWords,
    Reading,
    reading,
    step_text,
    value_words,
)

TIMELINE_PAGE = 100  # records a page of the timeline shows: an item returned 300 times has 600 and more


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
    page: int = 1  # of TIMELINE_PAGE records, 1 = the newest


@dataclass(frozen=True)
class Timeline:
    filter: TimelineFilter
    kinds: list[tuple[str, str]]  # the kinds this history has: (kind, word)
    people: list[tuple[str, str]]  # who acted in it: (username, name)
    system_steps: int  # how many of the engine's own steps there are
    total: int = 0  # records that match the filters
    page: int = 1
    pages: int = 1


def unit_of(task: HumanTask | None) -> str | None:
    if task is None:
        return None
    value = task.unit_code or task.data.get("unit")
    return str(value) if value else None


def visible_to(actor: Principal, unit: str | None) -> bool:
    """Units see the shared parts of an item and their own unit's part, not other units' reports."""
    if actor.sees_everything or actor.acting_lanes() or unit is None:
        return True
    return unit == actor.staff_unit


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
    unit = _unit(words, event)
    if not visible_to(actor, unit):
        return None
    labels, choices = words.forms.get(task.form_key or "", ({}, {})) if task else ({}, {})
    units = words.units
    raw = payload.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    shown = [
        (
            labels.get(k) or SERVICE_LABELS.get(k, k),
            value_words(v, units if k in UNIT_KEYS or k.endswith("_units") else choices.get(k, {}), labels, k, units),
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
        step=step_text(event.kind, payload),
        unit=unit,
        fields=shown,
        return_reason=reason,
        elements=[e for e in elements if e],
        changes=changes if changes is not None else _before_after(event.kind, payload, words, data_words),
        username=event.actor,
    )


def _unit(words: Reading, event: Any) -> str | None:
    """The unit whose part of the item a history event is: a completed task's unit, else None (shared)."""
    if event.kind != "task_completed":
        return None
    task = words.tasks.get(str((event.payload or {}).get("task_id")))
    return task.unit if task else None


def _checkpoint_changes(
    labelled: DataWords, before: Mapping[str, Any], payload: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """A checkpoint's data changes by label: (label, before, after), set keys then removed ones."""
    gone = sorted(set(payload.get("removed") or []))
    return [
        (labelled.label(k), labelled.words(k, before[k]) if k in before else "（无）", labelled.words(k, v))
        for k, v in sorted((payload.get("set") or {}).items())
        if k not in HIDDEN_KEYS
    ] + [(labelled.label(k), labelled.words(k, before.get(k)), "（删除）") for k in gone]


def timeline(
    uow: UnitOfWork,
    actor: Principal,
    instance: ProcessInstance,
    only: TimelineFilter,
    events: Sequence[Any] | None = None,
) -> tuple[list[Record], Timeline]:
    """The item page's timeline: every event in words with what it changed — administrative operations
    before → after, and with the system steps shown, each checkpoint's data changes by label — filtered,
    one page of TIMELINE_PAGE records (page 1 the newest), oldest first. `events`: the instance's history
    when the caller has read it already.

    One pass decides which events the reader sees and which match the filters (cheap); only the page's
    records are put into words."""
    words = reading(uow, instance)
    data_words = DataWords(words)
    by_form: dict[str | None, DataWords] = {None: data_words}
    form: str | None = None  # the form of the task the current command completed
    kinds: dict[str, str] = {}
    people: dict[str, str] = {}
    system = 0
    matching: list[tuple[Any, str | None, Mapping[str, Any]]] = []  # (event, checkpoint's form, data before)
    data: dict[str, Any] = {}
    for event in uow.history.for_instance(instance.id) if events is None else events:
        payload = event.payload or {}
        system += event.kind in SYSTEM_KINDS
        before: Mapping[str, Any] = data
        checkpoint_form = None
        if event.kind == "task_completed":
            task = words.tasks.get(str(payload.get("task_id")))
            form = task.form_key if task else None
        if event.kind == checkpoints.KIND:
            checkpoint_form, form = form, None
            gone = set(payload.get("removed") or [])
            data = {k: v for k, v in data.items() if k not in gone}
            data.update(payload.get("set") or {})
        if event.kind in SYSTEM_KINDS and not only.system:
            continue
        if not visible_to(actor, _unit(words, event)):
            continue
        kinds.setdefault(event.kind, EVENT_WORDS.get(event.kind, event.kind))
        people.setdefault(event.actor, words.actor_name(event.actor))
        day = event.at.astimezone(workdays.SHANGHAI).date()
        if (
            (only.kind and event.kind != only.kind)
            or (only.person and event.actor != only.person)
            or (only.since and day < only.since)
            or (only.until and day > only.until)
        ):
            continue
        matching.append((event, checkpoint_form, before))
    pages = max(1, -(-len(matching) // TIMELINE_PAGE))
    page = min(max(1, only.page), pages)
    shown = matching[max(0, len(matching) - page * TIMELINE_PAGE) : len(matching) - (page - 1) * TIMELINE_PAGE]
    out = []
    for event, checkpoint_form, before in shown:
        changes = None
        if event.kind == checkpoints.KIND:
            if checkpoint_form not in by_form:
                by_form[checkpoint_form] = DataWords(words, checkpoint_form)
            changes = _checkpoint_changes(by_form[checkpoint_form], before, event.payload or {})
        record = record_of(actor, words, event, data_words, changes)
        assert record is not None  # visible: checked above
        out.append(record)
    found = Timeline(
        only,
        sorted(kinds.items(), key=lambda kv: kv[1]),
        sorted(people.items(), key=lambda kv: kv[1]),
        system,
        total=len(matching),
        page=page,
        pages=pages,
    )
    return out, found


def records(
    uow: UnitOfWork,
    actor: Principal,
    instance: ProcessInstance,
    *,
    kinds: set[str] | None = None,
    newest: int | None = None,
) -> tuple[list[Record], int]:
    """The events the actor may read in words (of `kinds`, read alone from the database), the newest
    `newest` of them when given; and how many there are in all."""
    words = reading(uow, instance)
    visible = [
        event
        for event in uow.history.for_instance(instance.id, kinds)
        # a checkpoint is the engine's own bookkeeping (what the replay reads), not a step people took
        if (kinds is not None or event.kind != checkpoints.KIND) and visible_to(actor, _unit(words, event))
    ]
    shown = visible if newest is None else visible[max(0, len(visible) - newest) :]
    out = [record_of(actor, words, event) for event in shown]
    return [r for r in out if r is not None], len(visible)
