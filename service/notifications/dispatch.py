"""The outbox dispatcher: claim due messages with a lease, send each, record each at once.

One pass: claim up to `batch` due rows in a short transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so
workers never take the same row; SQLite: writers queue) and commit the claim; then for each row, send it
and mark it sent — or schedule its retry — in its own short transaction right after. A worker that dies
mid-batch leaves its rows `sending`; once their lease ends, any worker claims them again.

Exactly once, except one window no outbox can close: the receiver accepted a message and the worker died
before marking it sent. That message goes out again with the same Message-ID (derived from the row's
dedupe key), so the receiving mail system can drop the duplicate. See docs/decisions/0003.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from service.notifications.config import NotifyConfig
from service.notifications.senders import Claimed, Senders

if TYPE_CHECKING:
    from service.db.session import UnitOfWork
    from service.process.context import ServiceContext

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 60, 3600  # 1 min, 2, 4, … capped at an hour


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid4().hex[:8]}"


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def dispatch(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    *,
    batch: int = 50,
    max_batches: int = 20,
    worker: str | None = None,
) -> PassResult:
    """One dispatch pass over the due messages; nothing at all during quiet hours."""
    config: NotifyConfig = ctx.notify_config
    result = PassResult()
    if not config.delivers:
        return result
    worker = worker or new_worker_id()
    senders = Senders(config)
    try:
        for _ in range(max_batches):
            now = ctx.now()
            if config.is_quiet(now):
                break
            with uow_factory() as uow:
                claimed = uow.notifications.outbox.claim(
                    now=now,
                    worker=worker,
                    lease_until=now + timedelta(seconds=config.lease_seconds),
                    limit=batch,
                    email=config.email_enabled,
                    gateways=[g.name for g in config.gateways],
                    max_attempts=config.max_attempts,
                )
                rows = [Claimed.of(r) for r in claimed]
                uow.commit()
            result.claimed += len(rows)
            if not _send_all(uow_factory, ctx, senders, worker, rows, result) or len(rows) < batch:
                break
    finally:
        senders.close()
    return result


def _send_all(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    senders: Senders,
    worker: str,
    rows: list[Claimed],
    result: PassResult,
) -> bool:
    """Send the claimed rows in order; False when the lease ran short and the rest were given back."""
    config = ctx.notify_config
    margin = timedelta(seconds=min(max(config.smtp_timeout, config.webhook_timeout), config.lease_seconds / 4))
    for index, row in enumerate(rows):
        if ctx.now() + margin >= row.lease_until:  # a send might outlive the lease: let another pass take them
            with uow_factory() as uow:
                uow.notifications.outbox.release([r.id for r in rows[index:]], worker)
                uow.commit()
            return False
        try:
            senders.send(row)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on its row and retried
            _failed(uow_factory, ctx, worker, row, _describe(exc), result)
            continue
        with uow_factory() as uow:
            uow.notifications.outbox.mark_sent(row.id, ctx.now())
            uow.commit()
        result.sent += 1
    return True


def _failed(
    uow_factory: Callable[[], UnitOfWork],
    ctx: ServiceContext,
    worker: str,
    row: Claimed,
    error: str,
    result: PassResult,
) -> None:
    config = ctx.notify_config
    retry_at: datetime | None = None
    if row.attempts < config.max_attempts:
        retry_at = config.release(ctx.now() + backoff(row.attempts))
    with uow_factory() as uow:
        uow.notifications.outbox.mark_failed(row.id, worker, error, retry_at)
        uow.commit()
    if retry_at is None:
        result.dead += 1
        log.error("outbox message %s (%s → %s) is dead after %s attempts: %s", row.id, row.channel,
                  row.destination, row.attempts, error)  # fmt: skip
    else:
        result.retried += 1
        log.warning("outbox message %s failed (attempt %s), retry at %s: %s", row.id, row.attempts, retry_at, error)


def requeue_dead(uow: UnitOfWork, now: datetime) -> int:
    """`duban outbox --requeue-dead`: give every message that ran out of attempts another round; commits."""
    requeued = uow.notifications.outbox.requeue_dead(now)
    uow.commit()
    return requeued
