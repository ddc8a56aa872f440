"""Feature: a pooled PostgreSQL connection is pinged before use only after it sat idle, and one the server
dropped meanwhile is replaced, so the request that draws it still succeeds."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from service.db import session as db_session

pytestmark = pytest.mark.postgres


@pytest.fixture()
def engine(services):  # type: ignore[no-untyped-def]
    """An engine of its own on the test database, so its pool holds only this test's connections."""
    if services.db.dialect.name != "postgresql":
        pytest.skip("the idle ping is PostgreSQL's (SQLite has no server to drop a connection)")
    engine = db_session.make_engine(services.db.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


def _backend(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))


def _pings(engine, monkeypatch) -> list[object]:  # type: ignore[no-untyped-def]
    seen: list[object] = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: seen.append(conn) or real(conn))
    return seen


def test_a_connection_back_a_moment_ago_is_not_pinged(engine, monkeypatch):
    pings = _pings(engine, monkeypatch)
    first = _backend(engine)
    assert _backend(engine) == first  # the pool hands the same connection back
    assert pings == []


def test_an_idle_connection_dropped_by_the_server_is_replaced(engine, monkeypatch):
    # Given two pooled connections, the server process of one of them terminated while both sit idle
    pings = _pings(engine, monkeypatch)
    with engine.connect() as doomed, engine.connect() as other:
        dropped = doomed.scalar(text("SELECT pg_backend_pid()"))
        other.scalar(text("SELECT 1"))
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as outside:  # not from the pool
        assert outside.execute("SELECT pg_terminate_backend(%s)", (dropped,)).fetchone() == (True,)
    monkeypatch.setattr(db_session, "PING_IDLE_SECONDS", 0.0)  # every connection counts as idle now
    # When two transactions draw both connections
    with engine.connect() as one, engine.connect() as two:
        pids = {one.scalar(text("SELECT pg_backend_pid()")), two.scalar(text("SELECT pg_backend_pid()"))}
    # Then each was pinged first, the dead one replaced: both statements ran on live server processes
    assert len(pings) >= 2 and dropped not in pids and len(pids) == 2
