"""Shared fixtures: a real database (SQLite file, or PostgreSQL from DUBAN_TEST_DATABASE_URL), the real
engine, demo organisation and the deployed flows, a controllable clock, the Flask app and client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from service import create_app
from service.access.organisation import load_demo
from service.cli import deploy_paths
from service.config import ROOT, Settings
from service.db.migrate import upgrade
from service.db.models import Base
from service.wiring import Services, build_services
from service.workdays import calendar

PASSWORD = "duban-demo"


class FakeClock:
    """The service's clock in tests: moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("DUBAN_REQUIRE_POSTGRES"):
        pytest.fail("DUBAN_REQUIRE_POSTGRES is set but DUBAN_TEST_DATABASE_URL is not: the PostgreSQL leg must run")
    return f"sqlite:///{tmp_dir / 'duban-test.sqlite3'}"


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    # A Monday morning in Asia/Shanghai (01:00 UTC = 09:00 +08:00).
    return FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[Services]:
    settings = Settings(
        database_url=_database_url(tmp_path_factory.mktemp("db")),
        secret_key="test-secret",
        scheduler_interval=0,
        script_time_limit=0.5,
        token_ttl_hours=24 * 365 * 50,
        data_dir=tmp_path_factory.mktemp("data"),
        smtp_host="",  # a developer's own mail server or robots are not the tests' business:
        webhooks="",  # the notification tests configure their own
        quiet_hours="",
        demo_mode=True,  # the tests sign in with the demo password, as `make run` does
    )  # the fake clock jumps months ahead
    built = build_services(settings)
    if built.db.dialect.name == "postgresql":  # a rerun on the same database starts clean
        with built.db.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(built.db)
    built.ctx.clock = clock
    with built.uow() as uow:
        load_demo(uow)
        uow.commit()
    calendar.ensure_loaded(built.uow)
    deploy_paths(built, [str(ROOT / "processes")], ROOT / "forms")
    yield built
    built.close()


@pytest.fixture(autouse=True)
def _reset_clock(clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def app(services: Services):  # type: ignore[no-untyped-def]
    flask_app = create_app(services=services)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Bearer tokens per demo username, issued once per session (password hashing is slow on purpose)."""
    cache: dict[str, str] = {}

    class _Tokens(dict):  # type: ignore[type-arg]
        def __missing__(self, username: str) -> str:
            response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self[username] = response.get_json()["token"]
            return self[username]

    return _Tokens(cache)
