"""The background loop of `duban serve` (a thread) and `duban worker` (the foreground): fire due timers,
create the rectification items large campaigns still wait for, move the instances of a migration job,
write the 台账 exports asked for in the background, make yesterday's history digest once, then deliver due
outbox messages. It sits at the top because it composes layers that do not know each other — the process
core's scheduler, the campaigns' items and the notifications' delivery."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from service.campaigns import rectification
from service.db.session import UnitOfWork
from service.instance_migration import worker as migration_worker
from service.ledger import export_jobs as ledger_exports
from service.notifications import dispatch
from service.process import digests
from service.process.context import ServiceContext
from service.process.scheduler import tick

log = logging.getLogger(__name__)
MIGRATION_SLICE_SECONDS = 20.0


def run_pass(uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, timers: bool = True) -> tuple[int, int]:
    """A timer tick, then an outbox dispatch pass (which sends what the tick's reminders wrote).
    Returns (instances woken, messages sent); a failure of one half does not stop the other."""
    woken = sent = 0
    if timers:
        try:
            woken = tick(uow_factory, ctx)
        except Exception:
            log.exception("timer pass failed")
    try:
        rectification.spawn_pending(uow_factory, ctx)
    except Exception:
        log.exception("rectification items pass failed")
    try:  # a bulk instance migration, a slice at a time so that timers keep firing meanwhile
        migration_worker.run_pending(uow_factory, ctx, budget_seconds=MIGRATION_SLICE_SECONDS)
    except Exception:
        log.exception("instance migration pass failed")
    try:  # large 台账 exports (each ~10 s per 100,000 rows)
        ledger_exports.run_pending(uow_factory, ctx)
        ledger_exports.expire_old(uow_factory, ctx)
    except Exception:
        log.exception("ledger export pass failed")
    try:  # yesterday's history digest (Asia/Shanghai), once
        digests.create_daily(uow_factory, ctx)
    except Exception:
        log.exception("history digest pass failed")
    try:
        sent = dispatch.dispatch(uow_factory, ctx).sent
    except Exception:
        log.exception("outbox dispatch pass failed")
    return woken, sent


class SchedulerThread(threading.Thread):
    """The embedded scheduler of `duban serve`; `duban worker` runs the same loop in the foreground."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, interval: float) -> None:
        super().__init__(name="duban-scheduler", daemon=True)
        self.uow_factory, self.ctx, self.interval = uow_factory, ctx, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            run_pass(self.uow_factory, self.ctx)
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
