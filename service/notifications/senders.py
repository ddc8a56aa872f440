"""Delivery of one outbox message: email over SMTP (smtplib), webhooks by HTTP POST (urllib).

A send returns only once the other side accepted the message: SMTP answered 250 to DATA, the robot
answered 2xx with no error code. Anything else raises, and the dispatcher schedules a retry.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from service.db.models.notifications import OutboxMessage
from service.notifications.config import NotifyConfig
from service.notifications.messages import message_id


class DeliveryFailed(Exception):
    """The receiver answered, but not with acceptance."""


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from its session: what sending it needs."""

    id: int
    channel: str
    destination: str
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int
    created_at: Any
    lease_until: Any

    @classmethod
    def of(cls, row: OutboxMessage) -> Claimed:
        return cls(
            row.id, row.channel, row.destination, dict(row.payload), row.dedupe_key, row.attempts, row.created_at,
            row.lease_until,
        )  # fmt: skip


def email_message(config: NotifyConfig, row: Claimed) -> EmailMessage:
    message = EmailMessage()  # the default policy encodes Chinese headers (RFC 2047) and the body as UTF-8
    message["From"] = config.mail_from
    message["To"] = row.destination
    message["Subject"] = str(row.payload.get("subject", ""))
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row.dedupe_key, config.mail_from)
    message.set_content(str(row.payload.get("text", "")))
    return message


class Senders:
    """Sends the rows of one dispatch pass; one SMTP connection for all its emails, opened when needed."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        # Receivers that could not be reached in this pass ("email" or a gateway's name): their other
        # messages fail at once instead of each waiting for its own timeout.
        self._unreachable: dict[str, str] = {}

    def send(self, row: Claimed) -> None:
        receiver = "email" if row.channel == "email" else row.destination
        if receiver in self._unreachable:
            raise DeliveryFailed(f"本轮无法连接：{self._unreachable[receiver]}")
        if row.channel == "email":
            self._email(row)
        elif row.channel == "webhook":
            self._webhook(row)
        else:
            raise DeliveryFailed(f"未知的投递渠道：{row.channel}")

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            c = self.config
            if c.smtp_port == 465:  # implicit TLS (SMTPS)
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout)
            else:
                smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout)
            try:
                if c.smtp_starttls and c.smtp_port != 465:
                    smtp.starttls(context=ssl.create_default_context())
                if c.smtp_user:
                    smtp.login(c.smtp_user, c.smtp_password)
            except Exception:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _email(self, row: Claimed) -> None:
        message = email_message(self.config, row)
        try:
            smtp = self._connect()
        except Exception as exc:
            self.close()
            self._unreachable["email"] = f"{type(exc).__name__}: {exc}"
            raise
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise  # this address only: the connection is still good
        except Exception:
            self.close()  # the next email starts a fresh connection
            raise

    def _webhook(self, row: Claimed) -> None:
        gateway = self.config.gateway(row.destination)
        if gateway is None:
            raise DeliveryFailed(f"推送网关 {row.destination} 未配置")
        body = json.dumps(row.payload.get("json", {}), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            gateway.url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.webhook_timeout) as response:  # noqa: S310
                answer = response.read(65536)
        except urllib.error.HTTPError:
            raise  # it answered: only this message failed
        except OSError as exc:  # URLError, timeouts: the robot is not reachable now
            self._unreachable[gateway.name] = f"{type(exc).__name__}: {exc}"
            raise
        try:
            parsed = json.loads(answer) if answer else None
        except ValueError:
            parsed = None
        # 企业微信 and 钉钉 answer HTTP 200 with {"errcode": n, "errmsg": "..."}; n != 0 is a refusal.
        if isinstance(parsed, dict) and parsed.get("errcode") not in (None, 0):
            raise DeliveryFailed(
                f"推送网关 {gateway.name} 拒绝：errcode {parsed.get('errcode')} {parsed.get('errmsg', '')}"
            )

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                smtp.close()
