"""Use cases of the notification list (each user only their own) and the admins' outbox view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.access.principal import Principal
from service.db.models.notifications import Notification
from service.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from service.db.session import UnitOfWork

OUTBOX_STATUSES = ("pending", "sending", "sent", "dead")
_MAX_ID = 2**63 - 1


def listing(
    uow: UnitOfWork, actor: Principal, *, unread_only: bool = False, offset: int = 0, limit: int = 50
) -> tuple[Sequence[Notification], int]:
    return uow.notifications.listing(actor.username, unread_only=unread_only, offset=offset, limit=limit)


def unread_count(uow: UnitOfWork, actor: Principal) -> int:
    return uow.notifications.unread_count(actor.username)


def mine(uow: UnitOfWork, actor: Principal, notification_id: int) -> Notification:
    """The actor's own notification; anyone else's is as absent as one that never existed."""
    found = uow.notifications.get_for(actor.username, notification_id) if 0 < notification_id <= _MAX_ID else None
    if found is None:
        raise NotFound(f"通知 {notification_id} 不存在")
    return found


def mark_read(uow: UnitOfWork, actor: Principal, notification_id: int, now: datetime) -> Notification:
    """Idempotent: a notification read before keeps its first reading time. Commits."""
    found = mine(uow, actor, notification_id)
    if found.read_at is None:
        found.read_at = now
        uow.commit()
    return found


def mark_all_read(uow: UnitOfWork, actor: Principal, now: datetime) -> int:
    """Marks every unread notification of the actor read and commits; returns how many."""
    marked = uow.notifications.mark_all_read(actor.username, now)
    uow.commit()
    return marked


def outbox_overview(uow: UnitOfWork, actor: Principal, *, status: str | None, limit: int) -> dict[str, Any]:
    """Counts by status and the latest rows with their last error: what operations need to see."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以查看消息投递情况")
    counts = uow.notifications.outbox.counts()
    rows = uow.notifications.outbox.recent(status=status, limit=limit)
    return {
        "counts": {s: counts.get(s, 0) for s in OUTBOX_STATUSES},
        "items": [
            {
                "id": r.id,
                "channel": r.channel,
                "destination": r.destination,
                "subject": str(r.payload.get("subject") or r.payload.get("title") or ""),
                "status": r.status,
                "attempts": r.attempts,
                "next_attempt_at": r.next_attempt_at,
                "lease_until": r.lease_until,
                "claimed_by": r.claimed_by,
                "last_error": r.last_error,
                "created_at": r.created_at,
                "sent_at": r.sent_at,
            }
            for r in rows
        ],
    }
