"""Append-only history with a per-instance sha256 chain, and its verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def append(uow: UnitOfWork, instance_id: int, kind: str, actor: str, at: datetime, payload: dict[str, Any]) -> str:
    """Add an event to the instance's chain and move the chain head anchored on the instance row, in the
    caller's transaction; the new event's hash. The chain continues from the anchor (not from whatever the
    newest row is), so newest events deleted behind the service's back leave a gap the next event cannot hide."""
    head, count = uow.instances.anchor(instance_id)
    if head is None:  # a chain never anchored (a row written before the anchor existed): its newest event
        last = uow.history.last(instance_id)
        head, count = (last.hash, last.seq) if last else (GENESIS, 0)
    seq = count + 1
    # Round-trip through JSON so the stored payload is exactly what was hashed.
    clean = json.loads(_canonical(payload))
    at = at.astimezone(UTC)
    digest = event_hash(instance_id, seq, kind, actor, at, clean, head)
    uow.history.append(
        instance_id=instance_id, seq=seq, kind=kind, actor=actor, at=at, payload=clean, prev_hash=head, hash=digest
    )
    uow.instances.set_anchor(instance_id, digest, seq)
    return digest


PROBLEMS = {
    "changed_payload": "第 {seq} 号事件的内容在记录后被改动（其哈希与内容不符）",
    "missing_event": "第 {seq} 号事件缺失（被删除）",
    "missing_newest": "最新的事件缺失：应有 {expected} 个事件，现只有 {events} 个，自第 {seq} 号起被删除",
    "reordered": "第 {seq} 号事件的位置被调换（顺序与链不符）",
    "forged_hash": "自第 {seq} 号事件起的哈希被重新计算（伪造）：与锚定的链头或每日摘要不符",
}


@dataclass
class Verification:
    ok: bool
    events: int
    first_bad_seq: int | None
    problem: str | None = None
    message: str = ""
    anchored_head: str | None = None
    anchored_count: int = 0
    digests_checked: int = 0


def _bad(events: int, seq: int, problem: str, head: str | None, count: int, digests: int, **extra: int) -> Verification:
    message = PROBLEMS[problem].format(seq=seq, events=events, **extra)
    return Verification(False, events, seq, problem, message, head, count, digests)


def check_chain(
    instance_id: int,
    events: Sequence[Any],
    anchored: tuple[str | None, int],
    digest_leaves: Sequence[tuple[str, int]] = (),
) -> Verification:
    """The one check, on plain rows (the database's, or an export's): the chain links and hashes, seq
    contiguous from 1, the newest hash and the count equal to the anchor, and every digest leaf
    (head, count) of this instance found in the chain. Names the first bad or missing event."""
    head, count = anchored
    n = len(events)
    by_hash = {ev.hash: ev for ev in events}

    def recomputes(ev: Any, seq: int, prev: str) -> bool:
        return bool(ev.hash == event_hash(instance_id, seq, ev.kind, ev.actor, ev.at, ev.payload, prev))

    def bad(seq: int, problem: str, **extra: int) -> Verification:
        return _bad(n, seq, problem, head, count, len(digest_leaves), **extra)

    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            return bad(expected_seq, "missing_event" if ev.seq > expected_seq else "reordered")
        if ev.prev_hash != prev:
            if recomputes(ev, ev.seq, ev.prev_hash):
                # this event is sound, so the one before it was rewritten with a hash of its own making
                return bad(expected_seq - 1, "forged_hash")
            return bad(expected_seq, "reordered" if ev.prev_hash in by_hash else "forged_hash")
        if not recomputes(ev, ev.seq, prev):
            moved = any(recomputes(ev, other, prev) for other in range(1, n + 1) if other != ev.seq)
            return bad(expected_seq, "reordered" if moved else "changed_payload")
        prev = ev.hash
    if count > n:
        return bad(n + 1, "missing_newest", expected=count)
    if head is not None and (count != n or prev != head):
        return bad(n if n else 1, "forged_hash")
    proven = 0  # events up to here are proven by a digest
    for leaf_head, leaf_count in digest_leaves:
        if leaf_count > n:
            return bad(n + 1, "missing_newest", expected=leaf_count)
        if events[leaf_count - 1].hash != leaf_head:
            return bad(proven + 1, "forged_hash")
        proven = max(proven, leaf_count)
    return Verification(True, n, None, None, _ok_message(n, len(digest_leaves)), head, count, len(digest_leaves))


def _ok_message(events: int, digests: int) -> str:
    text = f"历史完整：{events} 个事件，哈希链连续，最新事件与实例上锚定的链头一致"
    return text + (f"，并与 {digests} 份每日摘要相符" if digests else "（尚无每日摘要覆盖）")


def verify(uow: UnitOfWork, instance_id: int) -> Verification:
    events = uow.history.for_instance(instance_id)
    leaves = [(leaf.head, leaf.count) for leaf in uow.digests.leaves_of(instance_id)]
    return check_chain(instance_id, events, uow.instances.anchor(instance_id), leaves)
