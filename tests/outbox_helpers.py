"""Real local receivers for the notification tests: an SMTP server (aiosmtpd) and a webhook (http.server)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from service.db.models.notifications import OutboxMessage
from service.notifications.config import Gateway, NotifyConfig
from service.wiring import Services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """aiosmtpd handler: keeps every message whose DATA it acknowledged (250). `block_on = n` holds the
    n-th DATA until `release` is set, then refuses it (451): its sender was killed meanwhile."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.block_on: int | None = None
        self.blocked, self.release = threading.Event(), threading.Event()
        self._data_count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self._data_count += 1
            number = self._data_count
        if number == self.block_on:
            self.blocked.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 Transaction aborted"
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    def __init__(self) -> None:
        self.sink = MailSink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def config(self, **overrides: Any) -> NotifyConfig:
        return NotifyConfig(smtp_host="127.0.0.1", smtp_port=self.port, mail_from="督查室 <duban@duban.local>",
                            smtp_timeout=10, **overrides)  # fmt: skip


class WebhookServer:
    """Answers POSTs with the statuses queued in `statuses` (then 200); keeps each JSON body it got."""

    def __init__(self, statuses: list[int] | None = None, errcode: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.errcode = errcode
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                owner.bodies.append(json.loads(self.rfile.read(length).decode("utf-8")))
                status = owner.statuses.pop(0) if owner.statuses else 200
                answer = json.dumps({"errcode": owner.errcode if status == 200 else -1, "errmsg": "test"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test-key"

    def gateway(self, name: str = "wecom") -> Gateway:
        return Gateway(name, name.split("_")[0], self.url)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(name="smtp")
def smtp_fixture(services: Services) -> Iterator[SmtpServer]:
    """A running SMTP server; import `smtp_fixture` into a test module to use the `smtp` fixture."""
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.sink.release.set()
        server.controller.stop()
        settle_leftovers(services)


def settle_leftovers(services: Services) -> None:
    """The database is shared by the whole session: leave no deliverable message behind for later tests."""
    with services.uow() as uow:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status.in_(["pending", "sending"]))
            .values(status="dead", last_error="test teardown", lease_until=None)
        )
        uow.commit()


def outbox_rows(services: Services, after_id: int) -> list[OutboxMessage]:
    with services.uow() as uow:
        stmt = select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)
        return list(uow.session.scalars(stmt))


def last_outbox_id(services: Services) -> int:
    with services.uow() as uow:
        rows = uow.notifications.outbox.recent(status=None, limit=1)
        return rows[0].id if rows else 0
