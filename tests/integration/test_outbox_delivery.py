"""Feature: emails and webhook messages leave through the outbox — delivered once, retried, held in quiet hours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service import notifications
from service.config import ROOT
from service.notifications import dispatch
from service.notifications.messages import message_id
from service.notifications.quiet import QuietHours
from service.wiring import Services
from tests.api_helpers import Actor
from tests.outbox_helpers import (  # noqa: F401 - smtp_fixture is the `smtp` fixture
    WebhookServer,
    free_port,
    last_outbox_id,
    outbox_rows,
    settle_leftovers,
    smtp_fixture,
)

ITEM = {
    "title": "霞阳镇集镇污水管网改造",
    "content": "完成集镇污水管网改造",
    "source_type": "常务会议",
    "source_ref": "县政府第9次常务会议",
    "lead_unit": "xiayang",
    "co_units": [],
    "time_limit_days": 15,
}


def _notify(services: Services, now: datetime, title: str, usernames: list[str], kind: str = "bulletin") -> int:
    with services.uow() as uow:
        count = notifications.notify(
            uow,
            services.ctx,
            usernames=usernames,
            kind=kind,
            title=title,
            body=f"{title}的正文",
            link="/ledger",
            now=now,
        )
        uow.commit()
    return count


@pytest.fixture()
def no_leftovers(services: Services) -> Iterator[None]:
    """Messages a test leaves undelivered are settled afterwards: later tests share the database."""
    yield
    settle_leftovers(services)


def test_an_assigned_item_emails_the_units_liaison_exactly_once(client, tokens, services, smtp, monkeypatch) -> None:
    # Given email is configured and an item is registered for 霞阳镇
    monkeypatch.setattr(services.ctx, "notify_config", smtp.config())
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = office.start("supervision_item", ITEM)
    office.do(item["id"], "register", ITEM)
    # When the leader approves it (交办) and a dispatch pass runs, twice
    leader.do(item["id"], "approve", {"decision": "approve"})
    liaison = Actor(client, tokens["xiayang_ll"])
    listed = liaison.get("/notifications", query_string={"unread_only": "true"}).get_json()
    mine = [n for n in listed["items"] if n["instance_id"] == item["id"]]
    assert [n["title"] for n in mine] == ["新待办：办理并报告"] and not mine[0]["read"]
    assert item["business_number"] in mine[0]["body"] and ITEM["title"] in mine[0]["body"]
    first = dispatch.dispatch(services.uow, services.ctx)
    again = dispatch.dispatch(services.uow, services.ctx)
    # Then exactly one email reached the liaison's mailbox, in readable Chinese
    emails = [m for m in smtp.sink.to("xiayang_ll@duban.local") if ITEM["title"] in m.get_content()]
    assert len(emails) == 1 and first.sent >= 1 and again.claimed == 0
    email = emails[0]
    assert str(email["Subject"]) == "新待办：办理并报告"
    assert item["business_number"] in email.get_content() and "/tasks/" in email.get_content()
    assert str(email["From"]) == "督查室 <duban@duban.local>" and email["Message-ID"].endswith("@duban.local>")
    # and the unit's head got their own copy, nobody else in other units did
    assert len([m for m in smtp.sink.to("xiayang_fzr@duban.local") if ITEM["title"] in m.get_content()]) == 1
    assert not [m for m in smtp.sink.to("miandu_ll@duban.local") if ITEM["title"] in m.get_content()]


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _worker(services: Services, smtp_port: int, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(
        DATABASE_URL=services.settings.database_url,
        DUBAN_DATA_DIR=str(data_dir),
        DUBAN_SMTP_HOST="127.0.0.1",
        DUBAN_SMTP_PORT=str(smtp_port),
        DUBAN_MAIL_FROM="督查室 <duban@duban.local>",
        DUBAN_QUIET_HOURS="",
        DUBAN_WEBHOOKS="",
        DUBAN_OUTBOX_LEASE_SECONDS="3",
    )
    command = [sys.executable, "-m", "service.cli", "worker", "--no-timers", "--interval", "0.2"]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(services, smtp, monkeypatch, tmp_path) -> None:
    # Given five emails are due (written with the real clock: the workers below run on it)
    monkeypatch.setattr(services.ctx, "notify_config", smtp.config())
    before = last_outbox_id(services)
    people = ["shuikou_ll", "shuikou_fzr", "luyuan_ll", "luyuan_fzr", "fgj_ll"]
    assert _notify(services, datetime.now(UTC) - timedelta(seconds=1), "崩溃恢复测试通报", people) == 5
    rows = outbox_rows(services, before)
    expected = {message_id(r.dedupe_key, "duban@duban.local") for r in rows}
    assert len(rows) == 5 and len(expected) == 5
    # When a worker process is SIGKILLed while the SMTP server holds its third message's DATA
    smtp.sink.block_on = 3
    log = tmp_path / "worker.log"
    first = _worker(services, smtp.port, tmp_path, log)
    try:
        assert smtp.sink.blocked.wait(60), log.read_text(errors="replace")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    smtp.sink.release.set()  # the held message is refused: its sender is gone, it was never delivered
    states = [r.status for r in outbox_rows(services, before)]
    assert states == ["sent", "sent", "sending", "sending", "sending"], states
    # and a second worker starts after the dead worker's lease has run out
    second = _worker(services, smtp.port, tmp_path, log)
    try:
        _wait(lambda: all(r.status == "sent" for r in outbox_rows(services, before)), 60, "the second worker")
    finally:
        second.terminate()
        second.wait(10)
    # Then every message reached the SMTP server exactly once, and every row is sent
    delivered = [m for m in smtp.sink.message_ids() if m in expected]
    assert sorted(delivered) == sorted(expected), log.read_text(errors="replace")
    final = outbox_rows(services, before)
    assert [r.status for r in final] == ["sent"] * 5
    assert [r.attempts for r in final] == [1, 1, 2, 2, 2]  # the crashed claim counts as an attempt
    assert len({r.claimed_by for r in final}) == 2


def test_workers_dispatching_at_once_send_each_message_once(services, clock, smtp, monkeypatch) -> None:
    # Given twelve emails are due
    monkeypatch.setattr(services.ctx, "notify_config", smtp.config())
    before = last_outbox_id(services)
    people = [f"{unit}_{who}" for unit in ("xiayang", "miandu", "shidu", "czj", "zjj", "wjj") for who in ("ll", "fzr")]
    assert _notify(services, clock.now, "并发投递测试", people) == 12
    expected = {message_id(r.dedupe_key, "duban@duban.local") for r in outbox_rows(services, before)}
    # When four workers run a pass at the same moment, claiming two at a time
    results: list[dispatch.PassResult] = []

    def work() -> None:
        results.append(dispatch.dispatch(services.uow, services.ctx, batch=2))

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    # Then each message went out exactly once and no row was claimed twice
    assert sum(r.sent for r in results) == 12 and sum(r.claimed for r in results) == 12
    assert sorted(m for m in smtp.sink.message_ids() if m in expected) == sorted(expected)
    assert {(r.status, r.attempts) for r in outbox_rows(services, before)} == {("sent", 1)}


def test_an_unreachable_mail_server_defers_every_email_of_the_pass(services, clock, monkeypatch, no_leftovers):
    # Given three emails are due and nothing listens on the SMTP port
    config = notifications.NotifyConfig(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=5)
    monkeypatch.setattr(services.ctx, "notify_config", config)
    before = last_outbox_id(services)
    _notify(services, clock.now, "邮件服务器不可用测试", ["czj_ll", "czj_fzr", "zjj_ll"])
    # When a pass runs, then the server is still down an hour later
    assert dispatch.dispatch(services.uow, services.ctx).retried == 3
    # Then each one is pending for a retry in a minute, with the reason; the first was the one that tried
    rows = outbox_rows(services, before)
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [
        ("pending", 1, clock.now + timedelta(minutes=1))
    ] * 3
    assert "ConnectionRefusedError" in (rows[0].last_error or "")
    assert all("本轮无法连接" in (r.last_error or "") for r in rows[1:])


def test_a_failing_webhook_is_retried_after_backoff_and_delivered_once(services, clock, monkeypatch, no_leftovers):
    with WebhookServer(statuses=[500]) as hook:
        # Given a 企业微信 robot that fails its first POST with 500, then accepts
        monkeypatch.setattr(services.ctx, "notify_config", notifications.NotifyConfig(gateways=(hook.gateway(),)))
        before = last_outbox_id(services)
        _notify(services, clock.now, "推送重试测试", ["dcs_li"])
        # When dispatch passes run now, 30 s later and 61 s later
        assert dispatch.dispatch(services.uow, services.ctx).retried == 1
        [row] = outbox_rows(services, before)
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, clock.now + timedelta(minutes=1))
        assert "500" in (row.last_error or "")
        clock.advance(seconds=30)
        assert dispatch.dispatch(services.uow, services.ctx).claimed == 0
        clock.advance(seconds=31)
        assert dispatch.dispatch(services.uow, services.ctx).sent == 1
        clock.advance(hours=2)
        dispatch.dispatch(services.uow, services.ctx)
    # Then the robot got the same text message twice (one refused, one accepted) and nothing more
    assert len(hook.bodies) == 2 and hook.bodies[0] == hook.bodies[1]
    content = hook.bodies[1]["text"]["content"]
    assert hook.bodies[1]["msgtype"] == "text" and "推送重试测试" in content and "李督查" in content
    [row] = outbox_rows(services, before)
    assert row.status == "sent" and row.sent_at == clock.now - timedelta(hours=2)


def test_a_webhook_that_keeps_refusing_is_dead_after_the_last_attempt(services, clock, monkeypatch, no_leftovers):
    # Given a 钉钉 robot that answers errcode 310000 (e.g. a wrong keyword) to everything, 3 attempts allowed
    with WebhookServer(errcode=310000) as hook:
        config = notifications.NotifyConfig(gateways=(hook.gateway("dingtalk_office"),), max_attempts=3)
        monkeypatch.setattr(services.ctx, "notify_config", config)
        before = last_outbox_id(services)
        _notify(services, clock.now, "推送失败测试", ["dcs_wang"])
        # When passes run as the backoff allows: now, after 1 minute, after 2 more
        for wait in (0, 61, 121, 3600):
            clock.advance(seconds=wait)
            dispatch.dispatch(services.uow, services.ctx)
    # Then it was tried 3 times and is dead, with the robot's answer kept
    assert len(hook.bodies) == 3
    [row] = outbox_rows(services, before)
    assert (row.status, row.attempts, row.destination) == ("dead", 3, "dingtalk_office")
    assert "310000" in (row.last_error or "") and "key=" not in (row.last_error or "")


def test_an_email_due_in_quiet_hours_waits_until_they_end(services, clock, smtp, monkeypatch) -> None:
    # Given quiet hours 22:00-07:00 and a notification written at 23:00 Shanghai
    monkeypatch.setattr(services.ctx, "notify_config", smtp.config(quiet=QuietHours.parse("22:00-07:00")))
    clock.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    before = last_outbox_id(services)
    _notify(services, clock.now, "免打扰测试", ["zrzyj_ll"], kind="reminder")
    # Then the in-app notification is there at once
    with services.uow() as uow:
        rows, _ = uow.notifications.listing("zrzyj_ll", unread_only=True, offset=0, limit=5)
        assert rows[0].title == "免打扰测试" and rows[0].created_at == clock.now
    # When dispatch passes run at 23:00, 03:00 and 06:59
    for moment in (clock.now, datetime(2026, 11, 23, 19, 0, tzinfo=UTC), datetime(2026, 11, 23, 22, 59, tzinfo=UTC)):
        clock.now = moment
        assert dispatch.dispatch(services.uow, services.ctx).claimed == 0
    assert not smtp.sink.to("zrzyj_ll@duban.local")
    [row] = outbox_rows(services, before)
    assert row.next_attempt_at == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 07:00 Shanghai
    # Then at 07:00 it goes out
    clock.now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert dispatch.dispatch(services.uow, services.ctx).sent == 1
    assert [str(m["Subject"]) for m in smtp.sink.to("zrzyj_ll@duban.local")] == ["免打扰测试"]
