"""The daily history digest: a Merkle root over the head of every history chain as of the end of a day
(Asia/Shanghai), in an append-only table, each digest chaining the previous one's hash.

Which chains: every instance with at least one event before the end of the day; its leaf is
(instance id, hash of its newest event before then, that event's seq = the chain's length then). So a
digest speaks for everything up to its day, and a copy of it held outside the system later proves that
no event up to then was removed or rewritten — including the newest — even by someone who rewrote the
events, their hashes and the anchor on the instance row (decision 0018).

The tree: leaf = sha256("leaf|<id>|<head>|<count>"), node = sha256("node|<left>|<right>"), an odd node at
the end of a level goes up unchanged; the root of no leaves is sha256("empty"). A proof is the list of
sibling hashes from the leaf up, each with its side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import workdays
from service.access import audit_log
from service.access.principal import AUDITOR, Principal
from service.db.models import HistoryDigest, HistoryDigestLeaf
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.process.context import ServiceContext
from service.process.history import GENESIS


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf_hash(instance_id: int, head: str, count: int) -> str:
    return _sha(f"leaf|{instance_id}|{head}|{count}")


def node_hash(left: str, right: str) -> str:
    return _sha(f"node|{left}|{right}")


EMPTY_ROOT = _sha("empty")


def merkle_root(leaves: Sequence[str]) -> str:
    level = list(leaves)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]


def merkle_path(leaves: Sequence[str], index: int) -> list[dict[str, str]]:
    """Sibling hashes from leaf `index` up to the root: [{"side": "left"|"right", "hash": …}, …]."""
    path: list[dict[str, str]] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append({"side": "left" if sibling < index else "right", "hash": level[sibling]})
        level = [node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        index //= 2
    return path


def root_from_path(leaf: str, path: Sequence[dict[str, str]]) -> str:
    value = leaf
    for step in path:
        value = node_hash(step["hash"], value) if step["side"] == "left" else node_hash(value, step["hash"])
    return value


def digest_hash(day: date, root: str, leaves: int, prev_hash: str) -> str:
    body = json.dumps({"day": day.isoformat(), "root": root, "leaves": leaves, "prev": prev_hash}, sort_keys=True)
    return _sha(body)


def day_end(day: date) -> datetime:
    """The first instant after `day` in Asia/Shanghai."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=workdays.SHANGHAI)


def today(ctx: ServiceContext) -> date:
    return ctx.now().astimezone(workdays.SHANGHAI).date()


def may_read(actor: Principal) -> bool:
    """Auditors and the system administrator read digests, proofs and exports."""
    return actor.is_admin or AUDITOR in actor.roles


def require_reader(actor: Principal) -> None:
    if not may_read(actor):
        raise Forbidden("仅审计人员与系统管理员可查看历史摘要与证明")


def create(uow: UnitOfWork, ctx: ServiceContext, actor: str, day: date | None = None) -> HistoryDigest:
    """The digest of `day` (default: yesterday in Asia/Shanghai), committed. Only a day that is over, only
    once, and only after the newest digest's day (they form a chain in day order)."""
    day = day or today(ctx) - timedelta(days=1)
    if day >= today(ctx):
        raise InvalidInput(f"{day} 尚未结束，只能为已过去的日期生成摘要")
    uow.begin_write()
    latest = uow.digests.latest()
    if latest is not None and latest.day >= day:
        raise Conflict(f"已有 {latest.day} 的摘要；摘要按日期顺序生成，{day} 不能再生成")
    heads = uow.history.heads_before(day_end(day))
    hashes = [leaf_hash(iid, head, count) for iid, head, count in heads]
    root = merkle_root(hashes)
    prev = latest.hash if latest else GENESIS
    digest = HistoryDigest(
        day=day,
        root=root,
        leaves=len(heads),
        prev_hash=prev,
        hash=digest_hash(day, root, len(heads), prev),
        created_at=ctx.now(),
        created_by=actor,
    )
    leaves = [
        HistoryDigestLeaf(day=day, position=n, instance_id=iid, head=head, count=count)
        for n, (iid, head, count) in enumerate(heads)
    ]
    uow.digests.add_digest(digest, leaves)
    details = {"root": root, "leaves": len(heads), "hash": digest.hash}
    audit_log.record(uow, audit_log.HISTORY_DIGEST_CREATED, actor, ctx.now(), day.isoformat(), details)
    uow.commit()
    return digest


def create_daily(uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext) -> date | None:
    """The background pass: yesterday's digest if it is not made yet (another worker may make it first)."""
    yesterday = today(ctx) - timedelta(days=1)
    with uow_factory() as uow:
        latest = uow.digests.latest()
        if latest is not None and latest.day >= yesterday:
            return None
        try:
            return create(uow, ctx, "system", yesterday).day
        except (Conflict, IntegrityError):
            return None


def as_dict(digest: HistoryDigest) -> dict[str, Any]:
    return {
        "day": digest.day.isoformat(),
        "root": digest.root,
        "leaves": digest.leaves,
        "prev_hash": digest.prev_hash,
        "hash": digest.hash,
        "created_at": digest.created_at.isoformat(),
        "created_by": digest.created_by,
    }


def listing(uow: UnitOfWork, actor: Principal) -> list[dict[str, Any]]:
    require_reader(actor)
    return [as_dict(d) for d in uow.digests.all()]


def check_digest_chain(digests: Sequence[dict[str, Any]]) -> str | None:
    """None when each digest's hash recomputes and chains the previous one's; else the problem in words."""
    prev = None
    for d in digests:
        day = date.fromisoformat(d["day"])
        if d["hash"] != digest_hash(day, d["root"], d["leaves"], d["prev_hash"]):
            return f"{d['day']} 的摘要哈希与其内容不符"
        if prev is not None and d["prev_hash"] != prev:
            return f"{d['day']} 的摘要未接续前一份摘要"
        prev = d["hash"]
    return None


def proof(uow: UnitOfWork, instance_id: int, day: date | None = None) -> dict[str, Any]:
    """The Merkle path from the instance's leaf to the root of the digest of `day` (default: the newest
    digest that covers the instance)."""
    leaves = uow.digests.leaves_of(instance_id)
    if day is not None:
        leaves = [leaf for leaf in leaves if leaf.day == day]
    if not leaves:
        raise NotFound(f"流程实例 {instance_id} 尚无{f' {day} 的' if day else ''}每日摘要覆盖")
    mine = leaves[-1]
    digest = uow.digests.get(mine.day)
    assert digest is not None  # a leaf's digest row (foreign key)
    every = [leaf_hash(leaf.instance_id, leaf.head, leaf.count) for leaf in uow.digests.leaves(mine.day)]
    return {
        "day": mine.day.isoformat(),
        "instance_id": instance_id,
        "head": mine.head,
        "count": mine.count,
        "leaf": every[mine.position],
        "path": merkle_path(every, mine.position),
        "root": digest.root,
        "digest": as_dict(digest),
    }


def proofs(uow: UnitOfWork, instance_id: int) -> list[dict[str, Any]]:
    """A proof from every digest that covers the instance, oldest first."""
    return [proof(uow, instance_id, leaf.day) for leaf in uow.digests.leaves_of(instance_id)]


def check_proof(instance_id: int, p: dict[str, Any]) -> str | None:
    """None when the proof's leaf is the instance's (head, count) and its path leads to the digest's root."""
    leaf = leaf_hash(instance_id, p["head"], p["count"])
    if leaf != p["leaf"]:
        return f"{p['day']} 的证明中叶子哈希与链头不符"
    if root_from_path(leaf, p["path"]) != p["digest"]["root"] or p["root"] != p["digest"]["root"]:
        return f"{p['day']} 的默克尔路径不能通到该日摘要的根"
    if check_digest_chain([p["digest"]]):
        return f"{p['day']} 的摘要哈希与其内容不符"
    return None
