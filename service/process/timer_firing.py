"""Firing due timers: an instance's engine step (`advance`, no transaction open), then its write, saved
only if nobody saved the instance since it was read. `scheduler` runs these over the due instances in
batches (`prepare` reads a batch, `fire_together` writes some of it in one transaction) or for one instance
(`fire_one`). See docs/decisions/0024-timers-at-scale.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest
from service.process import progress
from service.process.context import ServiceContext

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
    instance = uow.instances.lock(instance_id, with_ledger=True)  # the version is compared below
    if instance is None or instance.version != expected or not _due(instance, now):
        return False
    progress.persist(uow, ctx, instance, outcome, SYSTEM_ACTOR, now, expected)
    uow.commit()
    return True


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


class Firing(NamedTuple):
    """One prepared instance with its engine step's outcome, ready to be written."""

    item: Prepared
    outcome: EngineOutcome
    release: bool  # its timer claim ends with the save


def fire_together(
    uow_factory: Callable[[], UnitOfWork], ctx: ServiceContext, firings: Sequence[Firing], now: datetime
) -> list[int]:
    """Several instances' firings in one write transaction: one BEGIN and one COMMIT (on PostgreSQL: one
    WAL flush) for them all. Each is saved only if nobody saved its instance since it was read (one that
    was is left out); the ids saved are returned. Whatever one of them raises, none is saved: the caller
    then writes them one at a time, so the failure is that instance's alone."""
    saved: list[int] = []
    with uow_factory() as uow:
        uow.begin_write()
        # one statement locks them all (the versions are compared below); a group's history events, in-app
        # and outbox rows go in by one INSERT each when it ends (service.db.queries.batched): whatever fails
        # fails the whole transaction, so no saved anchor can point at events that are not there
        locked = uow.instances.lock_many([firing.item.instance_id for firing in firings])
        together = len(firings) > 1
        if together:  # and one reads their task rows, as each firing's task sync will ask for them
            uow.tasks.read_ahead({f.item.instance_id: [t.id for t in f.outcome.ready] for f in firings})
        with (
            uow.history.held() if together else nullcontext(),
            uow.notifications.held() if together else nullcontext(),
        ):
            for item, outcome, release in firings:
                instance = locked.get(item.instance_id)
                if instance is None or instance.version != item.expected or not _due(instance, now):
                    continue
                # the claim ends with the versioned save: ours, or a lapsed one's successor's, whose own
                # save of this version then fails its check anyway
                ended = {"timer_claimed_by": None, "timer_claim_until": None} if release else {}
                progress.persist(uow, ctx, instance, outcome, SYSTEM_ACTOR, now, item.expected, also_set=ended)
                saved.append(item.instance_id)
        uow.commit()
    return saved
