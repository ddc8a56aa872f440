"""Fires due timers: a pass over every due instance (`tick`), or one instance (`wake`). Run by the
background loop of `duban serve` and `duban worker` (service/background.py); safe with several at once.

A pass claims the due instances in batches (`CLAIM_BATCH`): one short write transaction marks them claimed
by this pass for a lease (`ctx.timer_lease_seconds`, wall-clock time) — on PostgreSQL with FOR UPDATE SKIP
LOCKED, so two workers claiming at once take different rows and neither waits. The batch's rows and ready
task ids are read in one query each, the engine steps run ahead in the engine processes (all but one of
them), and the instances are written GROUP_WRITE to a transaction on PostgreSQL (one on SQLite), each
with its own version check, its save ending its claim; when one of a group fails, the group is written
again one instance to a transaction, so a failure of one loses nobody else's (service/process/
timer_firing.py). A claim left by a crashed worker runs out after the lease. The optimistic version check
on save is the last line of defence either way.
See docs/decisions/0024-timers-at-scale.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from service import workdays
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome
from service.errors import Conflict
from service.process import timer_firing
from service.process.context import ServiceContext

log = logging.getLogger(__name__)

CLAIM_BATCH = 50  # instances claimed in one transaction: a few seconds of work for one worker
PASS_SECONDS = 30.0  # a pass stops claiming after this, so the worker's other duties get their turn
PER_INSTANCE = 100  # firings of one instance in one pass (a firing may make the next timer due at once)
# Firings written in one transaction on PostgreSQL: one BEGIN/COMMIT and one WAL flush for them all. On
# SQLite one: the write lock would be held for the whole group, nested engine runs included (a campaign's
# 整改 finishing), and people's commands wait for it; it was not faster there either (decision 0027).
GROUP_WRITE = 8


def _claimant() -> str:
    """Names one pass: host, process and a random part (two passes of one process never share a name)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid4().hex[:12]}"


def _wall() -> datetime:
    """Real time, for the leases: the service clock (`ctx.now`, injected in tests) says what is due."""
    return datetime.now(UTC)


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
        group_size = 1 if uow.dialect == "sqlite" else GROUP_WRITE
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

    def count(instance_ids: list[int]) -> None:
        with counting:
            fired.update(instance_ids)

    def one(firing: timer_firing.Firing) -> None:
        try:
            saved = timer_firing.fire_together(uow_factory, ctx, [firing], now)
        except Conflict:
            return  # saved by someone else meanwhile; the next pass sees the new state
        except Exception:
            log.exception("timer pass failed for instance %s", firing.item.instance_id)
            return  # keeps its claim until the pass ends: not retried in this pass
        count(saved)

    def group(items: list[tuple[timer_firing.Prepared, Future[EngineOutcome]]]) -> None:
        """The firings in one transaction; if one of them fails, each again in its own."""
        firings = []
        for item, step in items:
            try:
                outcome = step.result()
            except Exception:
                log.exception("timer pass failed for instance %s", item.instance_id)
                continue  # keeps its claim until the pass ends: not retried in this pass
            # an instance fired again and again in one pass keeps its claim: the pass moves on
            firings.append(timer_firing.Firing(item, outcome, fired[item.instance_id] + 1 < PER_INSTANCE))
        if len(firings) > 1:
            try:
                count(timer_firing.fire_together(uow_factory, ctx, firings, now))
                return
            except Conflict:  # nothing of the group was saved: one of them was saved by someone else meanwhile
                log.info("timer pass: a group of %d met a concurrent save, writing them one at a time", len(firings))
            except Exception:  # nothing of the group was saved
                log.info("timer pass: a group of %d failed, writing them one at a time", len(firings), exc_info=True)
        for firing in firings:
            one(firing)

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
                batch = timer_firing.prepare(uow, ctx, ids, now)
                uow.end_read()
            steps = [ahead.submit(ctx.run_engine, item.files, item.request) for item in batch]
            pairs = list(zip(batch, steps, strict=True))
            groups = [pairs[n : n + group_size] for n in range(0, len(pairs), group_size)]
            if pool is None:
                for items in groups:
                    group(items)
            else:
                list(pool.map(group, groups))
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
                if not timer_firing.fire_one(uow, ctx, instance_id, now):
                    return fired
            except Conflict:
                continue  # saved by someone else meanwhile: look again
        fired += 1
    return fired
