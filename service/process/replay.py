"""Replay an instance on its diagram: its history as steps, each with the state after it (issue 13 point 1).

A step is one history event people read (every kind but `checkpoint`). The state after a step is what the
command it belongs to left: the events of one command share their time and actor, and the command's
`checkpoint` (service/process/checkpoints.py) carries the data set and removed, the ready user tasks, the
waiting timers and the status. The elements finished and the flows taken are counted the way the item page
counts them (service/process/item_view.py `item_page`).

Instances whose early commands left no checkpoint (started before checkpoints existed) are still replayed:
their data is rebuilt from what the events carry (the start data, each completion's submitted data) and the
replay says it is partial.

Reading only. Pages of steps are computed from the nearest state already computed for the same instance
(a small in-process cache keyed by the event's seq and verified against its hash), so stepping through a
long history page by page folds each event about once, not once per page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.access import audit_log
from service.access.principal import Principal
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.engine.diagram import sequence_flows
from service.process import checkpoints, history_words, instances, timeline

MAX_LIMIT = 200
LIST_ENTRIES = history_words.LIST_ENTRIES  # a list longer than this travels as its first entries and its length
# The events that change an instance's engine state: a command with one of these and no checkpoint was
# written before checkpoints existed, and the data after it is known only in part.
ENGINE_KINDS = frozenset(
    {
        "instance_started",
        "task_completed",
        "engine_steps",
        "timer_fired",
        "admin_retry",
        "instance_retried",
        "migrated",
        "variable_corrected",
        "task_reassigned",
    }
)
# The events a command begins with (the engine's own steps and the checkpoint follow them).
STARTS = (ENGINE_KINDS - {"engine_steps"}) | {"instance_withdrawn", "instance_suspended", "instance_resumed"}
STATUS_OF = {
    "instance_started": "running",
    "instance_completed": "completed",
    "error": "error",
    "instance_withdrawn": "withdrawn",
    "instance_suspended": "suspended",
    "instance_resumed": "running",
}


@dataclass
class _State:
    """The instance as it was after one command."""

    data: dict[str, Any] = field(default_factory=dict)
    done: frozenset[str] = frozenset()
    ready: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    status: str = "running"
    partial: bool = False  # some earlier command left no checkpoint

    def copy(self) -> _State:
        return _State(
            dict(self.data), self.done, self.ready, self.waiting, self.failed, self.status, self.partial
        )  # fmt: skip


_LOCK = threading.Lock()
_CACHE: OrderedDict[int, dict[int, tuple[str, _State]]] = OrderedDict()  # instance -> seq -> (hash, state)
_CACHE_INSTANCES = 64
_CACHE_PER_INSTANCE = 256


def _cached_before(uow: UnitOfWork, instance_id: int, seq: int) -> tuple[int, _State]:
    """The latest state computed earlier at the end of a command before `seq`, if its event is unchanged."""
    with _LOCK:
        known = dict(_CACHE.get(instance_id) or {})
    for at in sorted((s for s in known if s < seq), reverse=True):
        digest, state = known[at]
        if uow.history.hash_at(instance_id, at) == digest:
            return at, state.copy()
        with _LOCK:
            _CACHE.pop(instance_id, None)  # the history is not what it was: compute from the start
        break
    return 0, _State()


def _remember(instance_id: int, seq: int, digest: str, state: _State) -> None:
    with _LOCK:
        known = _CACHE.setdefault(instance_id, {})
        _CACHE.move_to_end(instance_id)
        known[seq] = (digest, state.copy())
        while len(known) > _CACHE_PER_INSTANCE:
            known.pop(min(known))
        while len(_CACHE) > _CACHE_INSTANCES:
            _CACHE.popitem(last=False)


def forget() -> None:
    """Empty the cache (tests that rewrite history rows directly)."""
    with _LOCK:
        _CACHE.clear()


@dataclass(frozen=True)
class Replay:
    instance: ProcessInstance
    total: int
    offset: int
    limit: int
    steps: list[dict[str, Any]]
    partial: bool


def _changes(
    labels: history_words.DataWords, before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, list[Any]]:
    added, changed, removed = [], [], []
    for key in sorted(after):
        if key not in before:
            added.append(labels.entry(key, after[key]))
        elif before[key] != after[key]:
            old, new = labels.entry(key, before[key]), labels.entry(key, after[key])
            changed.append({**new, "before": old["value"], "before_words": old["words"]})
        # unchanged keys are not part of the step's diff
    for key in sorted(k for k in before if k not in after):
        removed.append(labels.entry(key, before[key]))
    return {"added": added, "changed": changed, "removed": removed}


def _group_key(event: Any) -> tuple[Any, str]:
    return event.at, event.actor


def _apply(state: _State, event: Any, legacy: dict[str, Any]) -> None:
    """One event's effect on the state; data a pre-checkpoint event carries goes to `legacy`."""
    payload = event.payload or {}
    kind = event.kind
    if kind == checkpoints.KIND:
        gone = set(payload.get("removed") or [])
        state.data = {k: v for k, v in state.data.items() if k not in gone}
        state.data.update(payload.get("set") or {})
        state.ready = tuple(payload.get("ready") or ())
        state.waiting = tuple(payload.get("waiting") or ())
        state.status = str(payload.get("status") or state.status)
        return
    done = set(state.done)
    if kind in ("task_completed", "timer_fired") and payload.get("element_id"):
        done.add(str(payload["element_id"]))
    if kind == "engine_steps":
        done.update(str(e.get("element_id")) for e in payload.get("elements", []) if e.get("element_id"))
    state.done = frozenset(done)
    if kind == "error" and payload.get("element_id"):
        state.failed = (str(payload["element_id"]),)
    elif kind == "admin_retry":
        state.failed = ()
    if kind in STATUS_OF:
        state.status = STATUS_OF[kind]
    elif kind == "admin_retry" and isinstance(payload.get("after"), Mapping):
        state.status = str(payload["after"].get("status") or state.status)
    if kind in ("instance_started", "task_completed") and isinstance(payload.get("data"), Mapping):
        legacy.update(payload["data"])
    if kind == "task_completed" and state.ready:
        state.ready = tuple(e for e in state.ready if e != payload.get("element_id"))


def replay(
    uow: UnitOfWork,
    actor: Principal,
    instance_id: int,
    offset: int = 0,
    limit: int = 50,
    *,
    now: datetime | None = None,
) -> Replay:
    """One page of an instance's steps with the state after each; whoever may read the instance. With `now`
    it is a person opening the replay, and an auditor's view of the history is logged (once per opening,
    not per page the slider loads)."""
    found = _replay(uow, actor, instance_id, offset, limit)
    if now is not None:
        details = {"instance_id": found.instance.id, "replay": True}
        audit_log.record_auditor_view(
            uow, actor, audit_log.AUDITOR_VIEWED_HISTORY, now, found.instance.business_number, details
        )
    return found


def _replay(uow: UnitOfWork, actor: Principal, instance_id: int, offset: int, limit: int) -> Replay:
    instance = instances.readable(uow, actor, instance_id)
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    seqs, total = uow.history.step_seqs(instance.id, checkpoints.KIND, offset, limit)
    if not seqs:
        return Replay(instance, total, offset, limit, [], False)
    wanted = set(seqs)
    start_seq, state = _cached_before(uow, instance.id, seqs[0])
    events = _events_through(uow, instance.id, start_seq, seqs[-1])
    words = history_words.reading(uow, instance)
    by_form: dict[str | None, history_words.DataWords] = {}
    flows = sequence_flows(instance.definition.bpmn_xml)
    sees_data = actor.sees_everything or bool(actor.acting_lanes())
    steps: list[dict[str, Any]] = []
    partial_any = False
    previous: Any = None  # the last event of the command before
    kept_start = start_seq >= seqs[0] - 1
    n = 0
    while n < len(events):
        key = _group_key(events[n])
        group: list[Any] = []
        while n < len(events) and _group_key(events[n]) == key:  # one command: its events, its checkpoint
            if events[n].kind in STARTS and group and not any(e.kind in STARTS for e in group):
                break  # what the previous command's subscribers wrote (a generated document) ends here
            group.append(events[n])
            n += 1
            if group[-1].kind == checkpoints.KIND:
                break
        if previous is not None and group[-1].seq >= seqs[0] and not kept_start:
            _remember(instance.id, previous.seq, previous.hash, state)  # where this page begins, for next time
            kept_start = True
        previous = group[-1]
        before = state.data
        legacy: dict[str, Any] = {}
        in_group: list[tuple[Any, frozenset[str], tuple[str, ...], str]] = []
        for event in group:
            _apply(state, event, legacy)
            if event.kind != checkpoints.KIND:
                in_group.append((event, state.done, state.failed, state.status))
        has_checkpoint = any(e.kind == checkpoints.KIND for e in group)
        if not has_checkpoint and any(e.kind in ENGINE_KINDS for e in group):
            state.data = {**state.data, **legacy}
            state.partial = True
            state.ready = ()  # not recorded then
        tasks = (words.tasks.get(str((e.payload or {}).get("task_id"))) for e in group if e.kind == "task_completed")
        form = next((t.form_key for t in tasks if t is not None), None)
        labels = by_form.setdefault(form, history_words.DataWords(words, form))  # the labels of the form it filled
        first = True
        for event, done, failed, status in in_group:
            if event.seq in wanted:
                partial_any = partial_any or state.partial
                steps.append(
                    _step(actor, words, labels, flows, event, state, done, failed, status, before, first, sees_data)
                )
            first = False
        last = group[-1]
        if last.seq >= seqs[-1]:
            _remember(instance.id, last.seq, last.hash, state)
            break
    return Replay(instance, total, offset, limit, steps, partial_any)


def _events_through(uow: UnitOfWork, instance_id: int, after_seq: int, seq: int) -> Sequence[Any]:
    """The events after `after_seq` through the end of the command `seq` belongs to."""
    look = 32
    while True:
        events = uow.history.between(instance_id, after_seq, seq + look)
        ended = len(events) < seq + look - after_seq  # the history ends within the range
        if ended or _command_ends(events, seq):
            return events
        look *= 4


def _command_ends(events: Sequence[Any], seq: int) -> bool:
    """Whether the events hold the end of the command `seq` belongs to (its checkpoint, or another's event)."""
    at_seq = next((e for e in events if e.seq == seq), None)
    if at_seq is None:
        return True
    for event in events:
        if event.seq < seq:
            continue
        if event.kind == checkpoints.KIND or (event.seq > seq and _group_key(event) != _group_key(at_seq)):
            return True
    return False


def _step(
    actor: Principal,
    words: history_words.Reading,
    labels: history_words.DataWords,
    flows: Sequence[tuple[str, str, str]],
    event: Any,
    state: _State,
    done: frozenset[str],
    failed: tuple[str, ...],
    status: str,
    before: Mapping[str, Any],
    first_of_command: bool,
    sees_data: bool,
) -> dict[str, Any]:
    record = timeline.record_of(actor, words, event, labels)
    active = set(state.ready)
    waiting = set(state.waiting)
    taken = [fid for fid, src, dst in flows if src in done and (dst in done or dst in active or dst in waiting)]
    step: dict[str, Any] = {
        "seq": event.seq,
        "kind": event.kind,
        "kind_word": history_words.EVENT_WORDS.get(event.kind, event.kind),
        "actor": words.actor_name(event.actor),
        "at": event.at,
        "hidden": record is None,
        "text": record.step if record else "其他单位的办理情况",
        "unit": record.unit if record else None,
        "fields": [{"label": k, "words": v} for k, v in record.fields] if record else [],
        "return_reason": record.return_reason if record else None,
        "elements": record.elements if record else [],
        "state": {
            "status": status,
            "finished": sorted(done - active),
            "taken": taken,
            "active": sorted(active),
            "waiting": sorted(waiting),
            "failed": list(failed),
            "data_complete": not state.partial,
            "data": None,
        },
        "changes": None,
    }
    if sees_data and record is not None:
        step["state"]["data"] = [labels.entry(k, v) for k, v in sorted(state.data.items())]
        if first_of_command:
            step["changes"] = _changes(labels, before, state.data)
    return step
