"""Feature: reminders before and after the deadline fire exactly once, on the injected clock.

This module is about the scheduler's global pass (`scheduler.tick`, what `duban worker` runs), repeated as
several workers would: it has a database of its own, so the pass sees only this module's instances.
"""

from __future__ import annotations

from datetime import UTC, datetime

from service.process import scheduler
from tests.api_helpers import Actor, report
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "催办测试",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕1号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


def _timer_events(office: Actor, iid: int) -> list[str]:
    history = office.get(f"/process-instances/{iid}/history").get_json()
    return [e["payload"]["element_id"] for e in history if e["kind"] == "timer_fired"]


def test_reminders_fire_once_each_and_only_when_due(client, tokens, services, clock):
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    # Monday 2026-11-23 + 10 working days = Monday 2026-12-07
    instance = office.instance(iid)
    assert instance["data"]["deadline"] == "2026-12-07"
    # 3 working days before: Wednesday 2026-12-02 09:00 +08:00 = 01:00 UTC
    assert instance["next_wake_at"].startswith("2026-12-02T01:00:00")

    clock.now = datetime(2026, 12, 2, 0, 59, tzinfo=UTC)
    scheduler.tick(services.uow, services.ctx)
    assert _timer_events(office, iid) == []

    clock.now = datetime(2026, 12, 2, 1, 0, 1, tzinfo=UTC)
    for _ in range(3):  # repeated passes, as several workers would make
        scheduler.tick(services.uow, services.ctx)
    assert _timer_events(office, iid) == ["remind_before_deadline"]

    clock.now = datetime(2026, 12, 7, 16, 0, 1, tzinfo=UTC)  # 2026-12-08 00:00:01 +08:00: overdue
    for _ in range(3):
        scheduler.tick(services.uow, services.ctx)
    assert _timer_events(office, iid) == ["remind_before_deadline", "remind_overdue"]
    assert office.instance(iid)["next_wake_at"] is None

    # A return for redo after the reminders does not re-arm them
    report(client, tokens, "jyj", iid, {"progress": "已办", "completion": "done"})
    office.do(iid, "review", {"review_decision": "return", "return_reason": "补充"})
    clock.advance(days=30)
    scheduler.tick(services.uow, services.ctx)
    assert _timer_events(office, iid) == ["remind_before_deadline", "remind_overdue"]
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]
