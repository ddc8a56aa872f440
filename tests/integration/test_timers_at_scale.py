"""Feature: a timer pass claims due instances in batches, so that workers racing over the same due timers fire
each exactly once, and one instance that fails does not stop the others.

This module has a database of its own: its passes see only its instances. On PostgreSQL the race is real
(two threads, two connections, FOR UPDATE SKIP LOCKED); on SQLite the writers queue.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select, update

from service.db.models import HistoryEvent, Notification, ProcessInstance
from service.db.models.notifications import OutboxMessage
from service.db.queries.notification import NotificationRepository
from service.notifications.config import NotifyConfig
from service.process import history, progress, scheduler
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "批量催办测试",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕2号",
    "co_units": [],
    "time_limit_days": 10,
}
UNITS = ["jyj", "wjj", "czj"]
# Monday 2026-11-23 + 10 working days = 2026-12-07; 临期催办 3 working days before: 2026-12-02 09:00 +08:00
REMINDER_DUE = datetime(2026, 12, 2, 1, 0, 1, tzinfo=UTC)


def _items(client, tokens, n: int) -> list[int]:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    ids = []
    for k in range(n):
        data = ITEM | {"lead_unit": UNITS[k % len(UNITS)], "title": f"批量催办测试{k}"}
        iid = office.start("supervision_item", data)["id"]
        office.do(iid, "register", data)
        leader.do(iid, "approve", {"decision": "approve"})
        ids.append(iid)
    return ids


def _fired(services, ids: list[int]) -> Counter[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        rows = uow.session.execute(
            select(HistoryEvent.instance_id, HistoryEvent.payload).where(
                HistoryEvent.kind == "timer_fired", HistoryEvent.instance_id.in_(ids)
            )
        ).all()
    return Counter((iid, payload["element_id"]) for iid, payload in rows)


def _reminders(services, ids: list[int]) -> Counter[int]:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        rows = uow.session.scalars(
            select(Notification.instance_id).where(Notification.kind == "reminder", Notification.instance_id.in_(ids))
        ).all()
    return Counter(rows)


def _claims(services, ids: list[int]) -> dict[int, tuple[str | None, datetime | None]]:  # type: ignore[no-untyped-def]
    """Each instance's timer claim: (who, until when)."""
    with services.uow() as uow:
        stmt = select(ProcessInstance.id, ProcessInstance.timer_claimed_by, ProcessInstance.timer_claim_until)
        return {row[0]: (row[1], row[2]) for row in uow.session.execute(stmt.where(ProcessInstance.id.in_(ids)))}


def _staff(services, unit: str) -> int:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        return len(uow.notifications.of_unit(unit))


def test_two_passes_racing_fire_every_reminder_exactly_once(client, tokens, services, clock, monkeypatch):
    # Given 24 supervision items whose 临期催办 is due, and small claim batches so that the passes interleave
    ids = _items(client, tokens, 24)
    clock.now = REMINDER_DUE
    monkeypatch.setattr(scheduler, "CLAIM_BATCH", 3)
    # When two passes (two workers) start at the same moment and run to the end
    start = threading.Barrier(2)
    woken: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            woken.append(scheduler.tick(services.uow, services.ctx, parallel=2))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    # Then each instance's reminder fired once: one history event, one 催办 per staff member of its unit
    assert sum(woken) == 24
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})
    reminders = _reminders(services, ids)
    assert all(reminders[iid] == _staff(services, UNITS[k % len(UNITS)]) for k, iid in enumerate(ids))
    # And no claim is left behind; a further pass finds nothing to do
    assert set(_claims(services, ids).values()) == {(None, None)}
    assert scheduler.tick(services.uow, services.ctx) == 0
    # And each item's history still proves itself
    office = Actor(client, tokens["dcs_li"])
    assert all(office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] for iid in ids)


def test_an_instance_that_fails_does_not_stop_the_batch(client, tokens, services, clock, monkeypatch):
    # Given 5 items due, the second of which fails while it is saved
    ids = _items(client, tokens, 5)
    clock.now = REMINDER_DUE
    broken = ids[1]
    real = progress.persist

    def persist(uow, ctx, instance, *args, **kwargs):  # type: ignore[no-untyped-def]
        if instance.id == broken:
            raise RuntimeError("disk full")
        return real(uow, ctx, instance, *args, **kwargs)

    monkeypatch.setattr(progress, "persist", persist)
    # When a pass runs
    assert scheduler.tick(services.uow, services.ctx) == 4
    # Then the four others fired, the broken one did not, and it is neither claimed nor lost: still due
    fired = _fired(services, ids)
    assert [iid for iid in ids if fired[(iid, "remind_before_deadline")] == 1] == [i for i in ids if i != broken]
    assert set(_claims(services, ids).values()) == {(None, None)}
    with services.uow() as uow:
        assert uow.instances.get(broken).next_wake_at <= clock.now
    # And once the fault is gone the next pass fires it, once
    monkeypatch.setattr(progress, "persist", real)
    assert scheduler.tick(services.uow, services.ctx) == 1
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})


def test_a_live_claim_is_left_alone_and_a_lapsed_one_is_taken_over(client, tokens, services, clock):
    # Given two items due, both claimed by a worker: one claim still running, one that ran out (a crash)
    live, lapsed = _items(client, tokens, 2)
    clock.now = REMINDER_DUE
    wall = datetime.now(UTC)
    with services.uow() as uow:
        uow.begin_write()
        for iid, until in ((live, wall + timedelta(minutes=5)), (lapsed, wall - timedelta(seconds=1))):
            stmt = update(ProcessInstance).where(ProcessInstance.id == iid)
            uow.session.execute(stmt.values(timer_claimed_by="other-worker", timer_claim_until=until))
        uow.commit()
    # When a pass runs
    assert scheduler.tick(services.uow, services.ctx) == 1
    # Then only the lapsed claim was taken over and fired; the other worker's live claim is untouched
    fired = _fired(services, [live, lapsed])
    assert fired == Counter({(lapsed, "remind_before_deadline"): 1})
    claims = _claims(services, [live, lapsed])
    assert claims[live][0] == "other-worker" and claims[lapsed] == (None, None)
    # And when that worker's claim runs out (here: is ended), the next pass fires it
    with services.uow() as uow:
        uow.begin_write()
        uow.instances.release_claims("other-worker")
        uow.commit()
    assert scheduler.tick(services.uow, services.ctx) == 1
    assert _fired(services, [live]) == Counter({(live, "remind_before_deadline"): 1})


def test_an_engine_step_that_fails_ahead_of_its_write_does_not_stop_the_batch(client, tokens, services, clock):
    # Given 4 items due, the engine step of the third of which fails (the pass runs the steps ahead of the writes)
    ids = _items(client, tokens, 4)
    clock.now = REMINDER_DUE
    broken = ids[2]
    real = services.ctx.run_engine

    with services.uow() as uow:
        broken_state = uow.instances.get(broken).state

    def failing(files, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if request.state == broken_state:
            raise RuntimeError("engine gone")
        return real(files, request, *args, **kwargs)

    services.ctx.run_engine = failing  # type: ignore[method-assign]
    try:
        # When a pass runs
        assert scheduler.tick(services.uow, services.ctx) == 3
    finally:
        del services.ctx.run_engine
    # Then the three others fired once each, the broken one is unclaimed and still due, and fires next pass
    fired = _fired(services, ids)
    assert [iid for iid in ids if fired[(iid, "remind_before_deadline")] == 1] == [i for i in ids if i != broken]
    assert set(_claims(services, ids).values()) == {(None, None)}
    assert scheduler.tick(services.uow, services.ctx) == 1
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})


def test_a_firing_writes_the_instance_row_once(client, tokens, services, clock):
    # Given one item due, and the statements of its firing recorded
    (iid,) = _items(client, tokens, 1)
    clock.now = REMINDER_DUE
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        assert scheduler.tick(services.uow, services.ctx) == 1
    finally:
        event.remove(services.db, "before_cursor_execute", seen)
    # Then besides claiming it and, at the end, ending whatever claims the pass still held (none), the pass wrote
    # the instance row by one UPDATE: the versioned save, which also moved the history anchor and ended the claim
    writes = [s for s in statements if s.upper().startswith("UPDATE PROCESS_INSTANCES")]
    claim, save, leftovers = writes
    assert "timer_claimed_by" in claim and "version" not in claim
    assert "WHERE process_instances.timer_claimed_by" in leftovers and "version" not in leftovers
    assert all(column in save for column in ("version", "history_head", "history_count", "timer_claimed_by"))
    # And its three history events (engine steps, timer fired, checkpoint) were written by one INSERT, before the
    # save that anchors them (if the INSERT fails, no anchor points at events that are not there)
    inserts = [n for n, s in enumerate(statements) if s.upper().startswith("INSERT INTO HISTORY_EVENTS")]
    assert len(inserts) == 1 and inserts[0] < statements.index(save)
    with services.uow() as uow:
        kinds = [e.kind for e in uow.history.for_instance(iid)][-3:]
        assert kinds == ["engine_steps", "timer_fired", "checkpoint"]
        assert uow.instances.anchor(iid)[1] == len(uow.history.for_instance(iid))
        assert history.verify(uow, iid).ok


def test_firings_are_written_in_groups_on_postgresql_each_with_its_own_version_check(
    client, tokens, services, clock, monkeypatch
):
    # Given 11 items due, one of which another command saves after the pass read it and before it writes
    ids = _items(client, tokens, 11)
    clock.now = REMINDER_DUE
    changed = ids[3]
    real_prepare = scheduler.timer_firing.prepare

    def prepare(uow, ctx, batch_ids, now):  # type: ignore[no-untyped-def]
        prepared = real_prepare(uow, ctx, batch_ids, now)
        with services.uow() as other:  # a concurrent save of that instance: its version moves on
            other.begin_write()
            stmt = update(ProcessInstance).where(ProcessInstance.id == changed)
            other.session.execute(stmt.values(version=ProcessInstance.version + 1))
            other.commit()
        return prepared

    monkeypatch.setattr(scheduler.timer_firing, "prepare", prepare)
    order: list[tuple[int, str]] = []  # (thread, what): groups may be written by several threads at once

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        update_of_instance = statement.lstrip().upper().startswith("UPDATE PROCESS_INSTANCES")
        if update_of_instance and "version" in statement and "timer_claimed_by" in statement:  # a firing's save
            order.append((threading.get_ident(), "save"))

    def committed(conn):  # type: ignore[no-untyped-def]
        order.append((threading.get_ident(), "commit"))

    event.listen(services.db, "before_cursor_execute", seen)
    event.listen(services.db, "commit", committed)
    try:
        # When a pass runs
        assert scheduler.tick(services.uow, services.ctx) == 10
    finally:
        event.remove(services.db, "before_cursor_execute", seen)
        event.remove(services.db, "commit", committed)
    # Then the ten others were saved — on PostgreSQL in two transactions (groups of GROUP_WRITE), on SQLite
    # one to a transaction (its write lock is not held for a group) — the changed one left out
    groups = [
        chunk.count("save")
        for thread in {t for t, _ in order}
        for chunk in " ".join(what for t, what in order if t == thread).split("commit")
        if "save" in chunk
    ]
    if services.db.dialect.name == "postgresql":
        assert len(groups) == 2 and sum(groups) == 10 and max(groups) <= scheduler.GROUP_WRITE, order
    else:
        assert groups == [1] * 10, order
    fired = _fired(services, ids)
    assert [iid for iid in ids if fired[(iid, "remind_before_deadline")] == 1] == [i for i in ids if i != changed]
    with services.uow() as uow:
        assert all(history.verify(uow, iid).ok for iid in ids)
    # And the changed one, unclaimed and still due, fires at the next pass, once
    monkeypatch.setattr(scheduler.timer_firing, "prepare", real_prepare)
    assert set(_claims(services, ids).values()) == {(None, None)}
    assert scheduler.tick(services.uow, services.ctx) == 1
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})


def test_a_group_writes_each_table_by_one_insert_and_reads_a_units_staff_once(
    client, tokens, services, clock, monkeypatch
):
    # Given 8 items due in 3 units, and email on, so that each 催办 also writes outbox rows
    ids = _items(client, tokens, 8)
    clock.now = REMINDER_DUE
    monkeypatch.setattr(
        services.ctx, "notify_config", NotifyConfig(smtp_host="127.0.0.1", mail_from="duban@duban.local")
    )
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).upper())

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        # When a pass runs
        assert scheduler.tick(services.uow, services.ctx) == 8
    finally:
        event.remove(services.db, "before_cursor_execute", seen)

    def count(start: str) -> int:
        return sum(s.startswith(start) for s in statements)

    # Then on PostgreSQL the group of eight was locked by one statement, their task rows read by one, its history
    # events, 催办 rows and outbox rows went in by one INSERT each, and each unit's staff was read once; on SQLite,
    # one firing to a transaction, each firing has its own
    staff_reads = count("SELECT USERS.USERNAME, USERS.EMAIL, USERS.DISPLAY_NAME FROM USERS JOIN UNITS")
    task_reads = count("SELECT HUMAN_TASKS.ID, HUMAN_TASKS.INSTANCE_ID, HUMAN_TASKS.ELEMENT_ID")
    locks = [
        s for s in statements if s.startswith("SELECT") and "FROM PROCESS_INSTANCES LEFT OUTER JOIN LEDGER_ITEMS" in s
    ]
    if services.db.dialect.name == "postgresql":
        assert scheduler.GROUP_WRITE >= 8
        assert len(locks) == 1 and "FOR UPDATE OF PROCESS_INSTANCES" in locks[0]
        assert (
            count("INSERT INTO HISTORY_EVENTS"),
            count("INSERT INTO NOTIFICATIONS"),
            count("INSERT INTO OUTBOX"),
        ) == (
            1,
            1,
            1,
        )
        assert staff_reads == len(UNITS) and task_reads == 1
    else:
        assert len(locks) == 8
        assert (
            count("INSERT INTO HISTORY_EVENTS"),
            count("INSERT INTO NOTIFICATIONS"),
            count("INSERT INTO OUTBOX"),
        ) == (
            8,
            8,
            8,
        )
        assert staff_reads == 8 and task_reads == 8
    # And every reminder, its outbox rows and its history are there exactly once, each chain intact
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})
    assert _reminders(services, ids) == Counter(
        {iid: _staff(services, UNITS[k % len(UNITS)]) for k, iid in enumerate(ids)}
    )
    with services.uow() as uow:
        assert all(history.verify(uow, iid).ok for iid in ids)
        outbox = uow.session.scalars(select(OutboxMessage.payload).where(OutboxMessage.channel == "email")).all()
    assert len(outbox) == sum(_with_email(services, UNITS[k % len(UNITS)]) for k in range(8))


def test_a_group_whose_rows_fail_at_its_end_saves_nothing_of_it_and_each_is_written_alone(
    client, tokens, services, clock, monkeypatch
):
    # Given 8 items due, and the in-app rows' INSERT failing whenever it holds more than one item's 催办 (a group's)
    ids = _items(client, tokens, 8)
    clock.now = REMINDER_DUE
    real = NotificationRepository._write
    failed: list[int] = []

    def write(self):  # type: ignore[no-untyped-def]
        if len({row["instance_id"] for row in self._batch or []}) > 1:
            failed.append(len(self._batch))
            raise RuntimeError("disk full")
        return real(self)

    monkeypatch.setattr(NotificationRepository, "_write", write)
    # When a pass runs
    assert scheduler.tick(services.uow, services.ctx) == 8
    # Then on PostgreSQL the group failed as a whole and its firings were written one to a transaction: every
    # reminder fired once, its 催办 rows once, no anchor pointing past its chain
    assert bool(failed) == (services.db.dialect.name == "postgresql")
    assert _fired(services, ids) == Counter({(iid, "remind_before_deadline"): 1 for iid in ids})
    assert _reminders(services, ids) == Counter(
        {iid: _staff(services, UNITS[k % len(UNITS)]) for k, iid in enumerate(ids)}
    )
    with services.uow() as uow:
        for iid in ids:
            assert history.verify(uow, iid).ok
            assert uow.instances.anchor(iid)[1] == len(uow.history.for_instance(iid))
    assert set(_claims(services, ids).values()) == {(None, None)}


def _with_email(services, unit: str) -> int:  # type: ignore[no-untyped-def]
    """Distinct email addresses among the unit's active staff: the email outbox rows one 催办 writes."""
    with services.uow() as uow:
        return len({r.email.strip() for r in uow.notifications.of_unit(unit) if r.email and r.email.strip()})
