"""Start-up and pages: `duban serve` until it answers /health, the item page of an item returned 300
times, and the 待办 list (the /inbox page and GET /api/v1/tasks) of a unit with 500 open tasks.

    .venv/bin/python -m bench.pages [--returns 300] [--tasks 500] [--requests 30] [--starts 5]
                                    [--database-url URL] [--drop-existing]

Server time is the WSGI application's own time for one request (Flask's test client in this process: no
network, no HTTP parsing by a server), so it compares with the same-run baselines printed beside it: a
trivial endpoint (GET /api/v1/health) and a primary-key read through a unit of work. For each page it
also prints the SQL statements one request issues. It prints figures and never asserts timings.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._targets import target, use_database
from bench.completions import HANDLE, OFFICE, RETURN, UseCases, build_reported, free_port, median, percentile, section
from service.config import ROOT

RETURNS = 300
TASKS = 500
TASK_UNIT = "xiayang"  # the unit whose liaison gets the open tasks
ITEM_UNIT = "fgj"  # the unit of the item returned again and again


# --- start-up -----------------------------------------------------------------------------------
def _child_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DUBAN_SECRET_KEY": "bench-secret",
        "DUBAN_DEMO_MODE": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed service has its .pyc files (see bench/README.md)
    return env


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/v1/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far: what its start-up costs whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_serve(database_url: str, workdir: Path) -> tuple[float, float, float]:
    """Seconds from spawning `duban serve` to its first 200 on /api/v1/health, then to a first command's
    answer (sign in, list the 待办: the engine processes may still be starting); and the CPU seconds the
    service's own process had used when it first answered."""
    port = free_port()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = workdir / "serve.log"
    began = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=_child_env(database_url), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        while not _healthy(port):
            if proc.poll() is not None or time.perf_counter() - began > 60:
                raise RuntimeError(f"duban serve did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.01)
        ready = time.perf_counter() - began
        cpu = _cpu_seconds(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"username": f"{TASK_UNIT}_ll", "password": "duban-demo"})
        conn.request("POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
        token = re.search(r'"token":\s*"([^"]+)"', conn.getresponse().read().decode())
        assert token, "no token"
        conn.request("GET", "/api/v1/tasks", headers={"Authorization": f"Bearer {token.group(1)}"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        conn.close()
        return ready, time.perf_counter() - began, cpu
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def time_python(code: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_child_env("sqlite://"), check=True)
    return time.perf_counter() - began


def time_cli(database_url: str, *args: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        env=_child_env(database_url),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def run_startup(database_url: str, workdir: Path, starts: int) -> None:
    section(f"start-up: `duban serve` until /health answers ({starts} runs, migrated database with the demo data)")
    ready, first, cpu, bare, libs, before = [], [], [], [], [], []
    for _ in range(starts):
        bare.append(time_python("pass"))
        libs.append(time_python("import flask, sqlalchemy, flask_smorest, SpiffWorkflow"))
        before.append(time_cli(database_url, "db", "upgrade") + time_cli(database_url, "demo"))
        r, f, c = time_serve(database_url, workdir)
        ready.append(r)
        first.append(f)
        cpu.append(c)
    print(f"{'':38} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, values in (
        ("baseline: python -c pass", bare),
        ("baseline: import flask, sqlalchemy…", libs),
        ("duban serve → /health 200", ready),
        ("… → first 待办 list (sign in + GET)", first),
        ("CPU of duban serve until /health 200", cpu),
        ("scripts/run.sh before it: upgrade + demo", before),
    ):
        print(f"{label:38} {median(values):>9.2f} {min(values):>7.2f} {max(values):>7.2f}")
    print(
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall seconds grow with it, CPU seconds less)"
    )
    base = f"python -c pass {median(bare):.2f} s；导入 flask 等库 {median(libs):.2f} s"
    target("duban serve 就绪（演示数据）", median(ready), "<=", 3.0, "s", baseline=base)


# --- pages --------------------------------------------------------------------------------------
class Statements:
    """Counts the SQL statements the database engine executes."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def prepare(cases: UseCases, returns: int, tasks: int) -> int:
    section(f"preparing: one item returned {returns} times, {tasks} open tasks of {TASK_UNIT}")
    began = time.perf_counter()
    iid = cases.start(ITEM_UNIT)
    user = f"{ITEM_UNIT}_ll"
    for _ in range(returns):
        cases.complete(iid, "handle", user, HANDLE)
        cases.complete(iid, "review", OFFICE, RETURN)
    print(f"item {iid} returned {returns} times in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    for _ in range(tasks):
        cases.start(TASK_UNIT)
    print(f"{tasks} items waiting for {TASK_UNIT}_ll (办理) in {time.perf_counter() - began:.1f} s")
    return iid


@contextmanager
def signed_in(app: Any, username: str) -> Iterator[Any]:
    client = app.test_client()
    page = client.get("/login", headers={"Accept": "text/html"}).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no csrf token on /login"
    data = {"csrf_token": match.group(1), "username": username, "password": "duban-demo"}
    answer = client.post("/login", data=data, headers={"Accept": "text/html"})
    assert answer.status_code in (302, 303), answer.status_code
    yield client


def token_of(app: Any, username: str) -> str:
    answer = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": "duban-demo"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.get_json()["token"])


def timed(call: Callable[[], Any], n: int, counter: Statements) -> tuple[list[float], list[float], int]:
    """Wall and CPU milliseconds of `n` calls, and the SQL statements one call issues."""
    call()  # warm-up (templates compiled, caches filled)
    before = counter.count
    call()
    statements = counter.count - before
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu, statements


def run_pages(services: Any, iid: int, n: int) -> None:
    from service import create_app

    app = create_app(services=services)
    counter = Statements(services.db)
    section(f"server time of one request (ms, {n} requests each, in-process WSGI, after one warm-up)")

    def get(client: Any, path: str, headers: dict[str, str] | None = None, size: list[int] | None = None) -> Any:
        def call() -> None:
            answer = client.get(path, headers=headers or {})
            assert answer.status_code == 200, (path, answer.status_code, answer.get_data(as_text=True)[:300])
            if size is not None:
                size[:] = [len(answer.get_data())]

        return call

    def pk_read() -> None:
        with services.uow() as uow:
            assert uow.users.by_username(OFFICE) is not None

    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token_of(app, f'{TASK_UNIT}_ll')}"}
    rows = []
    sizes: dict[str, list[int]] = {}
    with services.uow() as uow:
        handle = uow.tasks.search(state="ready", instance_id=iid, limit=1)[0][0].id
    with (
        signed_in(app, OFFICE) as office,
        signed_in(app, f"{TASK_UNIT}_ll") as liaison,
        signed_in(app, f"{ITEM_UNIT}_ll") as unit,
    ):
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("baseline: GET /api/v1/health", get(api, "/api/v1/health")),
            ("baseline: primary-key read (uow)", pk_read),
        ]
        for label, client, path, headers in (
            (f"item page /items/{iid} (dcs_li)", office, f"/items/{iid}", None),
            ("item page, 显示系统步骤 (dcs_li)", office, f"/items/{iid}?system=1", None),
            (f"task page of its 办理 ({ITEM_UNIT}_ll)", unit, f"/tasks/{handle}", None),
            (f"待办 page /inbox ({TASK_UNIT}_ll)", liaison, "/inbox", None),
            (f"GET /api/v1/tasks ({TASK_UNIT}_ll)", api, "/api/v1/tasks", bearer),
            ("GET /api/v1/tasks?per_page=100", api, "/api/v1/tasks?per_page=100", bearer),
        ):
            sizes[label] = [0]
            cases.append((label, get(client, path, headers, sizes[label])))
        for label, call in cases:
            wall, cpu, statements = timed(call, n, counter)
            rows.append((label, wall, cpu, statements))
    print(f"{'':40} {'median':>7} {'p95':>7} {'max':>7} {'CPU med':>7} {'SQL':>4} {'KB':>6}")
    for label, wall, cpu, statements in rows:
        kb = f"{sizes[label][0] / 1024:.0f}" if label in sizes else ""
        print(
            f"{label:40} {median(wall):>7.1f} {percentile(wall, 95):>7.1f} {max(wall):>7.1f} {median(cpu):>7.1f} "
            f"{statements:>4} {kb:>6}"
        )
    health = next(median(w) for label, w, _, _ in rows if label.startswith("baseline: GET"))
    for label, wall, _, _ in rows:
        if not label.startswith("baseline") and "per_page" not in label:
            target(f"{label} 服务器耗时", median(wall), "<=", 200.0, "ms", baseline=f"/health {health:.1f} ms")
    print("(wall ms; CPU med = this process's CPU ms per request, the database's too on SQLite, not on PostgreSQL;")
    print(f" SQL = statements one request issues; KB = the answer's size; load average {os.getloadavg()[0]:.1f})")
    services.ctx.engines.close()


# --- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--returns", type=int, default=RETURNS, help="return rounds of the item (default 300)")
    parser.add_argument("--tasks", type=int, default=TASKS, help="open tasks of one unit (default 500)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--starts", type=int, default=5, help="timed starts of `duban serve` (default 5)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
        help="default: DUBAN_BENCH_DATABASE_URL, else a fresh SQLite file in a temporary directory",
    )
    parser.add_argument("--drop-existing", action="store_true", help="drop every duban table first")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="duban-bench-pages-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    use_database(database_url)
    try:
        services = build_reported(database_url, args.drop_existing)
        if args.starts:
            run_startup(database_url, workdir, args.starts)
        iid = prepare(UseCases(services), args.returns, args.tasks)
        run_pages(services, iid, args.requests)
        services.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
