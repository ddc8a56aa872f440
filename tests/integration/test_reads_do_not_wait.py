"""Feature: reading never waits for a writer (issue 9: every transaction began IMMEDIATE on SQLite, so a
command holding the write lock made every other request, reads included, fail after 30 s)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from tests.api_helpers import Actor


def test_reads_answer_while_another_connection_holds_the_write_lock(client, tokens, services):
    office = Actor(client, tokens["dcs_li"])
    office.get("/tasks")  # sign-in bookkeeping done before the lock is taken
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with services.db.connect() as conn:
            if services.db.dialect.name == "sqlite":  # a writer's transaction begins IMMEDIATE: the write lock
                conn.execute(text("UPDATE process_instances SET title = title WHERE id = -1"))
            else:  # PostgreSQL: writes to these tables wait; reads must not
                conn.execute(text("LOCK TABLE process_instances, human_tasks IN EXCLUSIVE MODE"))
            held.set()
            release.wait(60)
            conn.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(10)
        began = time.monotonic()
        for path in ("/tasks", "/process-instances", "/ledger"):
            response = office.get(path)
            assert response.status_code == 200, (path, response.get_json())
        assert client.get("/api/v1/health").status_code == 200
        # answered while the lock is still held (the busy timeout is 30 s; waiting would take that long)
        assert time.monotonic() - began < 15
    finally:
        release.set()
        thread.join()
