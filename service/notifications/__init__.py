"""Notifications: each user's in-app list, plus email and webhook messages through the outbox.

The public API for other code (use cases call these inside their own unit of work; nothing is
committed here, so a rolled-back command notifies nobody and a committed one always delivers):

    notify(uow, ctx, *, usernames, kind, title, body, link=None, instance_id=None, now) -> int
    notify_unit(uow, ctx, *, unit_code, kind, title, body, link=None, instance_id=None, now) -> int
    recipients_of_task(uow, task) -> list[str]

Kinds: task_ready (新待办), reminder (催办), returned (退回), extension (延期), bulletin (通报).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from service.access.principal import LEAD_LANE, OFFICE, UNIT_LANE, UNIT_LANES, acts_by_role
from service.db.models import HumanTask
from service.db.queries.notification import Recipient
from service.notifications.config import NotifyConfig
from service.notifications.messages import Message, email_payload, webhook_payload

if TYPE_CHECKING:
    from service.db.session import UnitOfWork
    from service.process.context import ServiceContext

KINDS = {"task_ready": "新待办", "reminder": "催办", "returned": "退回重办", "extension": "延期", "bulletin": "通报"}
TITLE_MAX, LINK_MAX = 200, 500

__all__ = ["KINDS", "NotifyConfig", "notify", "notify_unit", "recipients_of_task"]


def notify(
    uow: UnitOfWork,
    ctx: ServiceContext,
    *,
    usernames: Iterable[str],
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    instance_id: int | None = None,
    now: datetime,
) -> int:
    """One in-app notification per active user named (unknown or inactive names are skipped), an email
    to each of them with an address (when SMTP is configured), one message per webhook gateway.
    Returns how many in-app notifications were written."""
    recipients = uow.notifications.recipients(usernames)
    return deliver(uow, ctx.notify_config, recipients, _message(kind, title, body, link, instance_id), now)


def notify_unit(
    uow: UnitOfWork,
    ctx: ServiceContext,
    *,
    unit_code: str,
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    instance_id: int | None = None,
    now: datetime,
) -> int:
    """`notify` every active user of the unit."""
    recipients = uow.notifications.of_unit(unit_code)
    return deliver(uow, ctx.notify_config, recipients, _message(kind, title, body, link, instance_id), now)


def recipients_of_task(uow: UnitOfWork, task: HumanTask) -> list[str]:
    """Who may act on the task, as Principal.may_act_on decides: a unit's task (承办单位, 牵头单位) goes to
    that unit's 承办单位 staff — those holding its `position`, if it names one — a 牵头单位 task also to the
    督查室, any other lane to the holders of that role (none for the admin and auditor lanes)."""
    return [r.username for r in task_recipients(uow, task)]


def task_recipients(uow: UnitOfWork, task: HumanTask) -> list[Recipient]:
    if task.assignee:  # reassigned to one named person (service.operations)
        return list(uow.notifications.recipients([task.assignee]))
    found: list[Recipient] = []
    if task.lane in UNIT_LANES and task.unit_code:
        found = uow.notifications.with_role(UNIT_LANE, task.unit_code, task.position)
    if task.lane == LEAD_LANE:
        office = uow.notifications.with_role(OFFICE, position=task.position)
        return sorted(set(found) | set(office))
    if task.lane in UNIT_LANES or not acts_by_role(task.lane):
        return found
    return uow.notifications.with_role(task.lane, position=task.position)


def _message(kind: str, title: str, body: str, link: str | None, instance_id: int | None) -> Message:
    if link is not None and (len(link) > LINK_MAX or not link.startswith("/") or link.startswith("//") or "\\" in link):
        link = None  # links are same-site paths (/tasks/…): pages render them, so nothing else gets through
    return Message(kind[:32], (title or KINDS.get(kind, "通知")).strip()[:TITLE_MAX], body or "", link, instance_id)


def _dedupe_key(key: str) -> str:
    return key if len(key) <= 200 else f"{key[:150]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def deliver(
    uow: UnitOfWork, config: NotifyConfig, recipients: Sequence[Recipient], message: Message, now: datetime
) -> int:
    """Write the in-app rows and the outbox rows of one message, in the caller's transaction."""
    if not recipients:
        return 0
    uow.notifications.add_many(
        [
            {
                "username": r.username,
                "kind": message.kind,
                "title": message.title,
                "body": message.body,
                "link": message.link,
                "instance_id": message.instance_id,
                "created_at": now,
                "read_at": None,
            }
            for r in recipients
        ]
    )
    event = uuid4().hex  # one per message: the outbox rows' dedupe keys (and Message-IDs) derive from it
    due = config.release(now)  # quiet hours hold back what would reach a phone or a mailbox

    def row(channel: str, destination: str, payload: dict[str, object]) -> dict[str, object]:
        return {
            "channel": channel,
            "destination": destination,
            "payload": payload,
            "dedupe_key": _dedupe_key(f"{message.kind}:{event}:{channel}:{destination}"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": now,
        }

    rows = []
    if config.email_enabled:
        addresses: dict[str, str] = {}  # one email per address, even if two users share it
        for r in recipients:
            if r.email and r.email.strip():
                addresses.setdefault(r.email.strip(), r.username)
        rows += [row("email", a, email_payload(config, message, a, u)) for a, u in addresses.items()]
    names = [r.display_name for r in recipients]
    rows += [row("webhook", g.name, webhook_payload(config, message, g, names)) for g in config.gateways]
    uow.notifications.outbox.add_many(rows)
    return len(recipients)
