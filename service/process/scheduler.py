"""Fires due timers: a pass over every due instance (`tick`), or one instance (`wake`). Run by the
background loop of `duban serve` and `duban worker` (service/background.py); safe with several at once.

A pass claims the due instances in batches (`CLAIM_BATCH`): one short write transaction marks them claimed
by this pass for a lease (`ctx.timer_lease_seconds`, wall-clock time) — on PostgreSQL with FOR UPDATE SKIP
LOCKED, so two workers claiming at once take different rows and neither waits. The batch's rows and ready
task ids are read in one query each, the engine steps run in the engine processes (as many at once as the
pool has), and each instance is saved in its own transaction, which also ends its claim: a failure of one
loses nobody else's. A claim left by a crashed worker runs out after the lease. The optimistic version check
on save is the last line of defence either way. See docs/decisions/0024-timers-at-scale.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from service import workdays
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest
from service.errors import Conflict
from service.process import progress
from service.process.context import ServiceContext

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "系统定时器"


def _due(instance: ProcessInstance | None, now: datetime) -> bool:
    return (
        instance is not None
        and instance.status == "running"
        and instance.next_wake_at is not None
        and instance.next_wake_at <= now
    )


def fire_one(uow: UnitOfWork, ctx: ServiceContext, instance_id: int, now: datetime) -> bool:
    """Read → engine (no transaction open) → write if nobody saved the instance meanwhile.
    Two workers may compute the same firing; the version check lets exactly one of them save it."""
    uow.begin_read()
    instance = uow.instances.get(instance_id)
    if instance is None or not _due(instance, now):
        return False  # another worker got there first
    expected = instance.version
    files, request = ctx.engine_command(uow, instance, op="advance", now=now)
    uow.end_read()
    outcome = ctx.run_engine(files, request)
    uow.begin_write()
    instance = uow.instances.lock(instance_id)
    if instance is None or instance.version != expected or not _due(instance, now):
        return False
    progress.persist(uow, ctx, instance, outcome, SYSTEM_ACTOR, now, expected)
    uow.commit()
    return True


CLAIM_BATCH = 50  # instances claimed in one transaction: a few seconds of work for one worker
PASS_SECONDS = 30.0  # a pass stops claiming after this, so the worker's other duties get their turn
PER_INSTANCE = 100  # firings of one instance in one pass (a firing may make the next timer due at once)


def _claimant() -> str:
    """Names one pass: host, process and a random part (two passes of one process never share a name)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid4().hex[:12]}"


def _wall() -> datetime:
    """Real time, for the leases: the service clock (`ctx.now`, injected in tests) says what is due."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Prepared:
    """One claimed instance, read in the batch's read phase: what its engine step needs."""

    instance_id: int
    expected: int
    files: Mapping[str, bytes]
    request: EngineRequest


def prepare(uow: UnitOfWork, ctx: ServiceContext, ids: Sequence[int], now: datetime) -> list[Prepared]:
    """The read phase of a batch: the instances and their ready task ids in one query each (no N+1);
    those no longer due (fired or changed by someone else meanwhile) are left out."""
    known = uow.tasks.ready_ids_for_instances(ids)
    prepared = []
    order = {instance_id: n for n, instance_id in enumerate(ids)}
    for instance in sorted(uow.instances.many(ids), key=lambda i: order[i.id]):
        if _due(instance, now):
            files, request = ctx.engine_command(uow, instance, op="advance", now=now, known_ready=known[instance.id])
            prepared.append(Prepared(instance.id, instance.version, files, request))
    return prepared


def fire_prepared(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    item: Prepared,
    now: datetime,
    claimant: str,
    release: bool = True,
    outcome: EngineOutcome | None = None,
) -> bool:
    """Engine step (no transaction open; `outcome`: already run ahead by the pass), then the instance's own
    write transaction: saved only if nobody saved the instance since it was read; the claim ends with it
    (unless `release` is False)."""
    if outcome is None:
        outcome = ctx.run_engine(item.files, item.request)
    with uow_factory() as uow:
        uow.begin_write()
        instance = uow.instances.lock(item.instance_id)
        if instance is None or instance.version != item.expected or not _due(instance, now):
            return False
        # the claim ends with the versioned save: ours, or a lapsed one's successor's, whose own save of
        # this version then fails its check anyway
        ended = {"timer_claimed_by": None, "timer_claim_until": None} if release else {}
        progress.persist(uow, ctx, instance, outcome, SYSTEM_ACTOR, now, item.expected, also_set=ended)
        uow.commit()
    return True


def tick(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    now: datetime | None = None,
    limit: int | None = None,
    budget_seconds: float | None = PASS_SECONDS,
    parallel: int | None = None,
) -> int:
    """One pass: fire every instance whose timer is due at `now` (at most `limit` firings; no new claims
    after `budget_seconds`), writing `parallel` instances at once (default: the engine pool's size on
    PostgreSQL, one on SQLite). The engine steps of a batch run ahead of its writes, as many at once as
    the pool has: while one instance is written, the next ones are already being computed.
    Returns how many firings were saved. An instance whose firing fails is left for the next pass."""
    now = now or ctx.now()
    with uow_factory() as uow:
        workdays.reload_if_changed(uow)  # a year entered through another process
        # SQLite has one writer at a time: a second thread only waits for the write lock (measured slower)
        default_width = 1 if uow.dialect == "sqlite" else getattr(ctx.engines, "size", 1)
    claimant = _claimant()
    fired: Counter[int] = Counter()
    counting = threading.Lock()
    started = time.monotonic()
    width = max(1, parallel or default_width)
    lease = timedelta(seconds=ctx.timer_lease_seconds)  # far longer than a batch takes
    pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="duban-timers") if width > 1 else None
    # Threads that only wait on the engine processes, one fewer than there are: under `duban serve` people's
    # commands share the pool. One ahead keeps up with the writes (measured: 146–150 firings/s, two: 143–153).
    ahead_width = max(1, getattr(ctx.engines, "size", 1) - 1)
    ahead = ThreadPoolExecutor(max_workers=ahead_width, thread_name_prefix="duban-steps")

    def one(item: Prepared, step: Future[EngineOutcome]) -> bool:
        try:
            outcome = step.result()
            # an instance fired again and again in one pass keeps its claim: the pass moves on
            saved = fire_prepared(
                uow_factory,
                ctx,
                item,
                now,
                claimant,
                release=fired[item.instance_id] + 1 < PER_INSTANCE,
                outcome=outcome,
            )
        except Conflict:
            return False  # saved by someone else meanwhile; the next pass sees the new state
        except Exception:
            log.exception("timer pass failed for instance %s", item.instance_id)
            return False  # keeps its claim until the pass ends: not retried in this pass
        if saved:
            with counting:
                fired[item.instance_id] += 1
        return saved

    claimed_any = False
    try:
        while limit is None or sum(fired.values()) < limit:
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                break
            want = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sum(fired.values()))
            with uow_factory() as uow:
                uow.begin_write()
                wall = _wall()
                ids = uow.instances.claim_due(now, want, claimant, wall, wall + lease)
                uow.commit()
            if not ids:
                break
            claimed_any = True
            with uow_factory() as uow:
                uow.begin_read()
                batch = prepare(uow, ctx, ids, now)
                uow.end_read()
            steps = [ahead.submit(ctx.run_engine, item.files, item.request) for item in batch]
            if pool is None:
                for item, step in zip(batch, steps, strict=True):
                    one(item, step)
            else:
                list(pool.map(one, batch, steps))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        ahead.shutdown(wait=True, cancel_futures=True)
        if claimed_any:
            with uow_factory() as uow:  # the claims of what failed, was skipped or was not due any more
                uow.begin_write()
                uow.instances.release_claims(claimant)
                uow.commit()
    return sum(fired.values())


def wake(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, instance_id: int, now: datetime | None = None
) -> int:
    """Fire one instance's timers due at `now`, as a pass would, until none is due (a firing may make the
    next timer due at once). Returns how many firings were saved. Other instances are left alone: an
    operator repairing one item, or a test about one item, does not move anyone else's."""
    now = now or ctx.now()
    with uow_factory() as uow:
        workdays.reload_if_changed(uow)
    fired = 0
    for _ in range(100):  # the bound of one pass's batch
        with uow_factory() as uow:
            try:
                if not fire_one(uow, ctx, instance_id, now):
                    return fired
            except Conflict:
                continue  # saved by someone else meanwhile: look again
        fired += 1
    return fired
