"""Shared fixtures: a real database (SQLite file, or PostgreSQL from DUBAN_TEST_DATABASE_URL), the real
engine, demo organisation and the deployed flows, a controllable clock, the Flask app and client.

Most tests share one session database. A heavy scenario module (many instances, long histories, a global
timer pass) takes a database, services and app of its own instead, for the module only:

    services, app, tokens = own_database()   # at module level, from tests.conftest

so what it leaves behind never slows or disturbs another module, and it sees nothing of theirs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from service import create_app, workdays
from service.access.organisation import load_demo
from service.cli import deploy_paths
from service.config import ROOT, Settings
from service.db.migrate import upgrade
from service.db.models import Base
from service.wiring import Services, build_services
from service.workdays import calendar
from tests import reexecution_check
from tests.databases import fresh_database, session_database_url

PASSWORD = "duban-demo"
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday morning in Asia/Shanghai (01:00 UTC = 09:00 +08:00)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """DUBAN_TEST_FIRST / DUBAN_TEST_LAST: test ids (or their beginnings: a file, a directory), separated by
    spaces, that run before / after all the others; otherwise pytest's order is kept. scripts/test.sh runs the
    two legs at once and orders them differently, so that one leg's kill -9 loads (tests/crash, several
    cores) meet the other leg's long histories (one core) rather than its own kill -9 loads. Only move
    tests with a database of their own (tests/crash, own_database() modules): the order does not matter to them."""
    first = os.environ.get("DUBAN_TEST_FIRST", "").split()
    last = os.environ.get("DUBAN_TEST_LAST", "").split()
    if not first and not last:
        return

    def rank(item: pytest.Item) -> int:
        where = item.nodeid
        for n, prefix in enumerate(first):
            if where.startswith(prefix):
                return n - len(first)  # before every unnamed test, in the order given
        for n, prefix in enumerate(last):
            if where.startswith(prefix):
                return n + 1
        return 0

    items.sort(key=rank)


class FakeClock:
    """The service's clock in tests: moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def build_test_services(database_url: str, data_dir: Path, clock: FakeClock) -> Services:
    """Services on `database_url` as the tests want them: schema, demo organisation, calendar, the flows."""
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret",
        scheduler_interval=0,
        script_time_limit=0.5,
        token_ttl_hours=24 * 365 * 50,
        data_dir=data_dir,
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
    return built


def make_app(services: Services):  # type: ignore[no-untyped-def]
    flask_app = create_app(services=services)
    flask_app.config["TESTING"] = True
    return flask_app


def token_cache(app: Any) -> dict[str, str]:
    """Bearer tokens per demo username, issued on first use (password hashing is slow on purpose)."""

    class _Tokens(dict):  # type: ignore[type-arg]
        def __missing__(self, username: str) -> str:
            response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self[username] = response.get_json()["token"]
            return self[username]

    return _Tokens()


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[Services]:
    built = build_test_services(
        session_database_url(tmp_path_factory.mktemp("db")), tmp_path_factory.mktemp("data"), clock
    )
    yield built
    try:
        reexecution_check.check_database(built, "会话数据库")
    finally:
        built.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The suite-wide re-execution check's figures, and every divergence it found."""
    if not reexecution_check.enabled() or not reexecution_check.TALLY.databases:
        return
    terminalreporter.write_line(reexecution_check.summary())
    for line in reexecution_check.TALLY.divergences:
        terminalreporter.write_line(f"  {line}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A divergence found by the re-execution of the finished instances fails the run."""
    if reexecution_check.TALLY.divergences and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _reset_clock(clock: FakeClock) -> None:
    clock.now = START


@pytest.fixture(scope="session")
def app(services: Services):  # type: ignore[no-untyped-def]
    return make_app(services)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return token_cache(app)


def own_database() -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """Module-scoped `services`, `app` and `tokens` fixtures on a fresh database of the module's own (a new
    SQLite file, or a new PostgreSQL database on the test server, dropped afterwards). Assign them at module
    level — `services, app, tokens = own_database()` — and they override the session's for that module
    (`client` and every other fixture built on them follow). Closing the services stops their engine processes."""

    @pytest.fixture(scope="module", name="services")
    def module_services(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: FakeClock
    ) -> Iterator[Services]:
        name = request.module.__name__.rsplit(".", 1)[-1].lower()
        previous = workdays.current()  # the calendar is process-wide: give the session's back afterwards
        with fresh_database(tmp_path_factory.mktemp(f"db-{name}"), name) as url:
            built = build_test_services(url, tmp_path_factory.mktemp(f"data-{name}"), clock)
            try:
                yield built
                reexecution_check.check_database(built, name)
            finally:
                built.close()
                workdays.use(previous)

    @pytest.fixture(scope="module", name="app")
    def module_app(services: Services):  # type: ignore[no-untyped-def]
        return make_app(services)

    @pytest.fixture(scope="module", name="tokens")
    def module_tokens(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return token_cache(app)

    return module_services, module_app, module_tokens
