"""After every command that changes an instance's engine state, one `checkpoint` history event: what the
process data became (the keys set and removed against the data before), the user tasks ready and the
timers waiting, a digest of each ready task's own data, the status, and the sha256 of the saved engine
state. It is in the hash chain like every
event, so a replay shows the instance as it was after any step, and a re-execution of the recorded inputs
can be compared with what was stored, step by step.

Payload: {"set": {key: value}, "removed": [key], "ready": [element id], "waiting": [element id],
          "ready_data": [[element id, sha256/16 of the task's data]], "status": str, "state_sha256": hex}
`ready_data` covers what lives only in tasks (a subprocess's values, a unit branch's): checkpoints
written before it existed lack it, and a re-execution then compares the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from service.db.session import UnitOfWork
from service.engine.records import ReadyTask
from service.process import history

KIND = "checkpoint"


def state_digest(state: str | None) -> str:
    return hashlib.sha256((state or "").encode("utf-8")).hexdigest()


def data_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The keys whose value is new or different, and the keys gone (values compared as stored JSON)."""
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    return {"set": changed, "removed": sorted(k for k in before if k not in after)}


def record(
    uow: UnitOfWork,
    instance_id: int,
    *,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    ready: Iterable[ReadyTask],
    ready_data: list[list[str]],
    waiting: Iterable[str],
    status: str,
    state: str | None,
    actor: str,
    now: datetime,
) -> None:
    tasks = list(ready)
    payload = {
        **data_changes(before or {}, after),
        "ready": sorted({t.element_id for t in tasks}),
        "waiting": sorted(set(waiting)),
        "ready_data": ready_data,
        "status": status,
        "state_sha256": state_digest(state),
    }
    history.append(uow, instance_id, KIND, actor, now, payload)


def data_after_each(events: Iterable[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(seq, the process data after it) for each checkpoint of an instance's history, in order."""
    data: dict[str, Any] = {}
    for event in events:
        if event.kind != KIND:
            continue
        payload = event.payload or {}
        data = {k: v for k, v in data.items() if k not in set(payload.get("removed") or [])}
        data.update(payload.get("set") or {})
        yield event.seq, dict(data)
