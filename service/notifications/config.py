"""What the notification use cases and the dispatcher need from the settings: one immutable value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from service.errors import InvalidInput
from service.notifications.quiet import QuietHours

if TYPE_CHECKING:
    from service.config import Settings

GATEWAY_KINDS = ("wecom", "dingtalk")  # 企业微信群机器人, 钉钉自定义机器人: both take {"msgtype": "text", ...}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Gateway:
    """A webhook target: its name (stored in the outbox), its kind (payload shape) and its URL (a secret)."""

    name: str
    kind: str
    url: str = field(repr=False)  # carries the robot's access token: never stored in the database or shown


def parse_webhooks(text: str) -> tuple[Gateway, ...]:
    """'wecom=https://…,dingtalk_office=https://…' → gateways; the kind is the name up to the first '_'."""
    gateways: list[Gateway] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, url = part.partition("=")
        name, url = name.strip(), url.strip()
        kind = name.split("_", 1)[0].lower()
        problem = None
        if not _NAME.match(name):
            problem = "名称只能由字母、数字、_ 和 - 组成"
        elif kind not in GATEWAY_KINDS:
            problem = f"名称应以 {' 或 '.join(GATEWAY_KINDS)} 开头（决定消息格式）"
        elif not url.startswith(("https://", "http://")):
            problem = "地址应以 https:// 或 http:// 开头"
        elif any(g.name == name for g in gateways):
            problem = "名称重复"
        if problem:
            raise InvalidInput(
                f"推送网关 {name or part} 配置有误：{problem}", {"errors": {"DUBAN_WEBHOOKS": [problem]}}
            )
        gateways.append(Gateway(name, kind, url))
    return tuple(gateways)


@dataclass(frozen=True)
class NotifyConfig:
    """Default: in-app only (no SMTP server, no webhooks, no quiet hours)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = "duban@duban.local"
    gateways: tuple[Gateway, ...] = ()
    quiet: QuietHours | None = None
    max_attempts: int = 8
    lease_seconds: float = 300.0
    public_url: str = ""  # prefix making links absolute in emails and webhook messages
    smtp_timeout: float = 30.0
    webhook_timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyConfig:
        if settings.outbox_max_attempts < 1 or settings.outbox_lease_seconds <= 0:
            raise InvalidInput("DUBAN_OUTBOX_MAX_ATTEMPTS 与 DUBAN_OUTBOX_LEASE_SECONDS 必须为正数")
        return cls(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_user=settings.smtp_user,
            smtp_password=settings.smtp_password,
            smtp_starttls=settings.smtp_starttls,
            mail_from=settings.mail_from,
            gateways=parse_webhooks(settings.webhooks),
            quiet=QuietHours.parse(settings.quiet_hours),
            max_attempts=settings.outbox_max_attempts,
            lease_seconds=settings.outbox_lease_seconds,
            public_url=settings.public_url,
        )

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def delivers(self) -> bool:
        """Whether anything leaves the database at all (else the dispatcher has nothing to do)."""
        return self.email_enabled or bool(self.gateways)

    def gateway(self, name: str) -> Gateway | None:
        return next((g for g in self.gateways if g.name == name), None)

    def release(self, moment: datetime) -> datetime:
        """When a message due at `moment` may go out: after the quiet hours, if it falls inside them."""
        return self.quiet.release(moment) if self.quiet else moment

    def is_quiet(self, moment: datetime) -> bool:
        return self.quiet is not None and self.quiet.contains(moment)

    def absolute(self, link: str | None) -> str | None:
        return f"{self.public_url}{link}" if link and self.public_url and link.startswith("/") else link
