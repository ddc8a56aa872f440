"""Browser tests: the real app on a local port, driven by Playwright in Debian's chromium.

No `playwright install`: we launch the system chromium. Under CI=true a missing browser fails the run;
elsewhere the browser tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from service.config import ROOT
from tests.browser.driver import CSP_VIOLATIONS

CHROMIUM = os.environ.get("DUBAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DUBAN_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but no chromium at {CHROMIUM}: the browser tests must run in CI")
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def screenshots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _no_csp_violations() -> Iterator[None]:
    """Pages must work under the Content-Security-Policy: any refusal the browser reports fails the test."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "the browser refused under the CSP or a script failed:\n" + "\n".join(CSP_VIOLATIONS)
