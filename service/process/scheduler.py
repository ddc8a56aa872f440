"""Fires due timers: a pass over every due instance (`tick`), or one instance (`wake`). Run by the
background loop of `duban serve` and `duban worker` (service/background.py); safe with several at once.

Each due instance is handled in its own transaction. On PostgreSQL the row is claimed with
FOR UPDATE SKIP LOCKED, so two workers never take the same instance; on SQLite writers queue.
The optimistic version check on save is the last line of defence either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from service import workdays
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
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


def tick(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, now: datetime | None = None, batch: int = 100
) -> int:
    """One pass: wake every instance whose timer is due at `now`. Returns how many were woken."""
    now = now or ctx.now()
    with uow_factory() as uow:
        workdays.reload_if_changed(uow)  # a year entered through another process
    woken = 0
    skipped: set[int] = set()
    while woken + len(skipped) < batch:
        with uow_factory() as uow:
            uow.begin_read()  # claiming reads; the firing writes in its own transaction
            ids = [i for i in uow.instances.claim_due(now, limit=len(skipped) + 1) if i not in skipped]
            if not ids:
                return woken
            instance_id = ids[0]
            try:
                if fire_one(uow, ctx, instance_id, now):
                    woken += 1
                else:
                    skipped.add(instance_id)
            except Conflict:
                skipped.add(instance_id)  # saved by someone else meanwhile; next pass sees the new state
            except Exception:
                log.exception("timer pass failed for instance %s", instance_id)
                skipped.add(instance_id)
    return woken


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
