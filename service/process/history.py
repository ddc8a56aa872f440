"""Append-only history with a per-instance sha256 chain, and its verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.db.models import HistoryEvent
from service.db.session import UnitOfWork

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(instance_id: int, seq: int, kind: str, actor: str, at: datetime, payload: Any, prev_hash: str) -> str:
    body = _canonical(
        {
            "instance_id": instance_id,
            "seq": seq,
            "kind": kind,
            "actor": actor,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "payload": payload,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    uow: UnitOfWork, instance_id: int, kind: str, actor: str, at: datetime, payload: dict[str, Any]
) -> HistoryEvent:
    last = uow.history.last(instance_id)
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    # Round-trip through JSON so the stored payload is exactly what was hashed.
    clean = json.loads(_canonical(payload))
    at = at.astimezone(UTC)
    event = HistoryEvent(
        instance_id=instance_id,
        seq=seq,
        kind=kind,
        actor=actor,
        at=at,
        payload=clean,
        prev_hash=prev,
        hash=event_hash(instance_id, seq, kind, actor, at, clean, prev),
    )
    uow.history.add(event)
    uow.history.flush()
    return event


@dataclass
class Verification:
    ok: bool
    events: int
    first_bad_seq: int | None


def verify(uow: UnitOfWork, instance_id: int) -> Verification:
    events = uow.history.for_instance(instance_id)
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        good = (
            ev.seq == expected_seq
            and ev.prev_hash == prev
            and ev.hash == event_hash(ev.instance_id, ev.seq, ev.kind, ev.actor, ev.at, ev.payload, prev)
        )
        if not good:
            return Verification(False, len(events), ev.seq)
        prev = ev.hash
    return Verification(True, len(events), None)
