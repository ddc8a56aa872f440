"""Test databases: the URL of the session's shared database, and fresh databases of a module's or a test's own.

SQLite: a file in a temporary directory. PostgreSQL (DUBAN_TEST_DATABASE_URL names a server, as
scripts/with-postgres.sh sets it): a new database on that server, made with CREATE DATABASE and dropped
afterwards, so it is really separate from the session's database and from every other one.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _server_url() -> str | None:
    """DUBAN_TEST_DATABASE_URL, or None for SQLite; fails the run if PostgreSQL is required but not given."""
    url = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if not url and os.environ.get("DUBAN_REQUIRE_POSTGRES"):
        pytest.fail("DUBAN_REQUIRE_POSTGRES is set but DUBAN_TEST_DATABASE_URL is not: the PostgreSQL leg must run")
    return url or None


def session_database_url(tmp_dir: Path) -> str:
    """The database the session's shared fixtures use: DUBAN_TEST_DATABASE_URL itself, or a SQLite file."""
    return _server_url() or f"sqlite:///{tmp_dir / 'duban-test.sqlite3'}"


@contextlib.contextmanager
def fresh_database(tmp_dir: Path, name: str) -> Iterator[str]:
    """A new, empty database's URL: `tmp_dir/<name>.sqlite3`, or — on PostgreSQL — a database `duban_<name>_<random>`
    on the same server, dropped on the way out (WITH (FORCE): connections left open do not keep it)."""
    base = _server_url()
    url = make_url(base) if base else None
    if url is None or not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_dir / f'{name}.sqlite3'}"
        return
    database = f"duban_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
