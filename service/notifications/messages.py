"""What leaves the service: an email's fields and the webhook robots' JSON, frozen into the outbox row.

Built when the notification is written (same transaction), so the dispatcher only delivers bytes and
a later change of wording or configuration cannot alter a message already promised.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from service.notifications.config import Gateway, NotifyConfig

SIGNATURE = "—— 督查督办系统（系统自动发送，请勿直接回复）"


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str
    link: str | None
    instance_id: int | None


def email_payload(config: NotifyConfig, message: Message, address: str, username: str) -> dict[str, Any]:
    lines = [message.body] if message.body else []
    link = config.absolute(message.link)
    if link:
        lines.append(f"查看：{link}")
    lines.append(SIGNATURE)
    return {"to": address, "username": username, "subject": message.title, "text": "\n\n".join(lines)}


def webhook_payload(config: NotifyConfig, message: Message, gateway: Gateway, names: list[str]) -> dict[str, Any]:
    """企业微信群机器人 and 钉钉自定义机器人 take the same text message: {"msgtype": "text", "text": {...}}."""
    lines = [f"【{message.title}】"]
    if message.body:
        lines.append(message.body)
    if names:
        shown = "、".join(names[:10]) + (f" 等 {len(names)} 人" if len(names) > 10 else "")
        lines.append(f"接收人：{shown}")
    link = config.absolute(message.link)
    if link:
        lines.append(f"查看：{link}")
    content = "\n".join(lines)
    return {"gateway": gateway.name, "title": message.title, "json": {"msgtype": "text", "text": {"content": content}}}


def message_id(dedupe_key: str, mail_from: str) -> str:
    """The same outbox row always gets the same Message-ID, so a receiver can drop a redelivery."""
    domain = mail_from.rpartition("@")[2].strip(" >") or "duban.local"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
