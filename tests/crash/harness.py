"""The real service as separate processes, for the crash tests: a database of its own, gunicorn and
`duban worker` in their own process groups (SIGKILLed as a whole), a small HTTP client and time limits.

Everything here is black-box: the service is driven through its CLI and its HTTP API only; the tests read
the database directly only where the API has no view (the outbox rows of test_kill_worker).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from service.config import ROOT
from tests.databases import fresh_database

PASSWORD = "duban-demo"
OFFICE, OFFICE_2, LEADER = "dcs_li", "dcs_wang", "changwu"
UNITS = ["xiayang", "miandu", "shidu", "shuikou", "luyuan", "fgj", "czj", "zrzyj", "zjj", "jyj", "wjj"]
ITEM = {
    "content": "崩溃测试用督办事项，反复办理与退回",
    "source_type": "常务会议",
    "source_ref": "县政府第7次常务会议",
    "co_units": [],
    "time_limit_days": 15,
}
HANDLE = {"progress": "已完成部分工作", "completion": "in_progress", "need_coordination": False}
RETURN = {"review_decision": "return", "return_reason": "材料不全，退回重办"}
SECRET = "crash-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- time limits ----------------------------------------------------------------------------------
class TestTimedOut(Exception):  # noqa: N818 - reads better in a failure report
    """Raised in the main thread when a test runs past its own time limit."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Fail the test (raise in the main thread) after `seconds`; pytest has no timeout plugin here."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TestTimedOut(f"{what} did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def wait_for(condition: Callable[[], bool], seconds: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


# --- a database of the test's own -----------------------------------------------------------------
@contextlib.contextmanager
def own_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file in `tmp_path`, or — when DUBAN_TEST_DATABASE_URL names a
    PostgreSQL server — a new database on that server, dropped afterwards (the session's shared database
    is left alone: other tests use it). See tests/databases.py."""
    with fresh_database(tmp_path, "crash") as url:
        yield url


def database_engine(url: str) -> Engine:
    return create_engine(url, pool_size=1, max_overflow=0)


# --- the service's processes ----------------------------------------------------------------------
def service_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every service process: the developer's own DUBAN_* settings do not leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        DUBAN_DATA_DIR=str(data_dir),
        DUBAN_SECRET_KEY=SECRET,
        DUBAN_SCHEDULER_INTERVAL="0",
        DUBAN_QUIET_HOURS="",
        DUBAN_WEBHOOKS="",
        DUBAN_SMTP_HOST="",
        DUBAN_TOKEN_TTL_HOURS="24",
        # One engine process per service process (default 3; CRASH_TEST_ENGINE_PROCESSES to choose): each
        # gunicorn worker and `duban worker` starts its pool again after every kill, and on 2 cores 6-9
        # children importing the engine at each restart cost more than the load itself (measured: the web
        # kill test took 73 s with 3, 42 s with 1, with more completions). What is killed and checked stays.
        DUBAN_ENGINE_PROCESSES=os.environ.get("CRASH_TEST_ENGINE_PROCESSES", "1"),
        DUBAN_DEMO_MODE="1",  # the tests sign in with the demo password, as `make run` does
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, log: Path, timeout: float = 120) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, f"duban {' '.join(args)} exited {done.returncode}:\n{tail(log)}"


def prepare(env: dict[str, str], log: Path) -> None:
    """`duban db upgrade` and `duban demo`: schema, demo organisation, calendar, the flows deployed."""
    run_cli(env, "db", "upgrade", log=log)
    run_cli(env, "demo", log=log)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@dataclass
class Group:
    """A process started in its own session, so SIGKILL to its group takes every child with it."""

    command: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    kills: list[float] = field(default_factory=list)  # time.monotonic() of each SIGKILL

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with self.log.open("ab") as out:
            out.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole group at once: no handler, no atexit, no flush runs anywhere in it."""
        if self.proc is None:
            return
        self.kills.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)  # the group's other members die with it; init reaps them

    def stop(self) -> None:
        """The cleanup on the way out, also after a failure: TERM, then KILL, for the whole group."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        _wait_group_gone(self.proc.pid)


def _wait_group_gone(pgid: int, seconds: float = 5) -> None:
    """Children of a killed group are reparented and reaped by init: wait until none is left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            return
        time.sleep(0.02)


class WebServer(Group):
    """gunicorn with 2 workers × 4 threads, so races run both between processes and between the threads of
    one (README.md serves one request per process, gunicorn.conf.py); no embedded scheduler."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                   "--timeout", "60", "--keep-alive", "300", "service:create_app()"]  # fmt: skip
        super().__init__(command, env, log)

    def start_and_wait(self, seconds: float = 90) -> None:
        self.start()
        wait_for(self._healthy, seconds, f"gunicorn healthy on port {self.port}\n{tail(self.log)}", step=0.1)

    def _healthy(self) -> bool:
        if not self.alive():
            code = self.proc.returncode if self.proc else None
            raise AssertionError(f"gunicorn exited with {code}:\n{tail(self.log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/api/v1/health")
                return conn.getresponse().status == 200
            finally:
                conn.close()
        except OSError:
            return False


class Worker(Group):
    """`duban worker`: timers and outbox delivery, polling every `interval` seconds."""

    def __init__(self, env: dict[str, str], log: Path, interval: float = 0.2) -> None:
        super().__init__([sys.executable, "-m", "service.cli", "worker", "--interval", str(interval)], env, log)


# --- HTTP -----------------------------------------------------------------------------------------
class ConnectionLost(Exception):  # noqa: N818
    """The request may or may not have been carried out: no answer came back."""


class Api:
    """One keep-alive connection, JSON in and out; reconnects after a failure."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise ConnectionLost(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")[:500]
        return response.status, data

    def ok(self, method: str, path: str, token: str | None = None, body: Any = None, status: int = 200) -> Any:
        got, data = self.call(method, path, token, body)
        assert got == status, f"{method} {path}: HTTP {got} {data}"
        return data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def issue_tokens(port: int, usernames: list[str]) -> dict[str, str]:
    api = Api(port)
    try:
        return {
            u: api.ok("POST", "/auth/token", body={"username": u, "password": PASSWORD})["token"] for u in usernames
        }
    finally:
        api.close()


def item(unit: str, title: str, **extra: Any) -> dict[str, Any]:
    return {**ITEM, "title": title, "lead_unit": unit, **extra}


def start_item(api: Api, tokens: dict[str, str], data: dict[str, Any]) -> int:
    """Start a supervision item, register and approve it: the unit's 办理 (handle) task is then ready."""
    iid = int(api.ok("POST", "/process-instances", tokens[OFFICE], {"process_key": "supervision_item", "data": data},
                     status=201)["id"])  # fmt: skip
    complete_ready(api, iid, "register", tokens[OFFICE], data)
    complete_ready(api, iid, "approve", tokens[LEADER], {"decision": "approve"})
    return iid


def ready_tasks(api: Api, token: str, iid: int) -> list[dict[str, Any]]:
    return list(api.ok("GET", f"/process-instances/{iid}", token)["ready_tasks"])


def complete_ready(api: Api, iid: int, element: str, token: str, data: dict[str, Any]) -> str:
    found = [t for t in ready_tasks(api, token, iid) if t["element_id"] == element]
    assert len(found) == 1, f"instance {iid}: expected one ready {element}, got {found}"
    api.ok("POST", f"/tasks/{found[0]['id']}/complete", token, {"data": data})
    return str(found[0]["id"])


def history(api: Api, token: str, iid: int) -> list[dict[str, Any]]:
    return list(api.ok("GET", f"/process-instances/{iid}/history", token))


def verify(api: Api, token: str, iid: int) -> dict[str, Any]:
    return dict(api.ok("GET", f"/process-instances/{iid}/history/verify", token))


def yesterday() -> str:
    """A deadline already past by the real clock: both reminder timers of the item are due at once."""
    return (date.today() - timedelta(days=1)).isoformat()


# --- the load: clients working the 办理 → 审核 退回 loop -------------------------------------------------
@dataclass
class Outcome:
    iid: int
    task_id: str
    element: str
    status: int | None  # None: the connection was lost, no answer (unacknowledged)
    at: float
    error: str = ""


@dataclass
class Ledger:
    """What the clients saw, shared by all client threads."""

    outcomes: list[Outcome] = field(default_factory=list)
    read_errors: list[str] = field(default_factory=list)  # a read answered with anything but 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def acknowledged(self) -> list[Outcome]:
        with self.lock:
            return [o for o in self.outcomes if o.status is not None and 200 <= o.status < 300]

    def attempted_ids(self) -> set[str]:
        with self.lock:
            return {o.task_id for o in self.outcomes if o.status is None or 200 <= o.status < 300}

    def unexpected(self) -> list[Outcome]:
        """Every answer that is neither a success nor a lost connection: all wrong in these loops."""
        with self.lock:
            return [o for o in self.outcomes if o.status is not None and not 200 <= o.status < 300]


class LoopClient(threading.Thread):
    """Works one instance: reads its ready task as 督查室, then completes it — 办理 as the unit, 审核 as
    督查室 with 退回 — and records each completion's outcome. A lost connection (the server was killed)
    is recorded as unacknowledged; the client waits for the server and carries on from what it reads."""

    def __init__(self, port: int, iid: int, unit_token: str, office_token: str, ledger: Ledger,
                 stop: threading.Event) -> None:  # fmt: skip
        super().__init__(name=f"loop-{iid}", daemon=True)
        self.api = Api(port, timeout=30)
        self.iid, self.unit_token, self.office_token = iid, unit_token, office_token
        self.ledger, self.stop = ledger, stop

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    self._step()
                except ConnectionLost:
                    time.sleep(0.05)  # the server is down: try again until told to stop
        finally:
            self.api.close()

    def _step(self) -> None:
        status, body = self.api.call("GET", f"/process-instances/{self.iid}", self.office_token)
        if status != 200:
            with self.ledger.lock:
                self.ledger.read_errors.append(f"GET instance {self.iid}: {status} {body}")
            time.sleep(0.05)
            return
        ready = body["ready_tasks"]
        if len(ready) != 1:
            with self.ledger.lock:
                self.ledger.read_errors.append(f"instance {self.iid}: ready {[t['element_id'] for t in ready]}")
            time.sleep(0.05)
            return
        task = ready[0]
        token, data = (self.unit_token, HANDLE) if task["element_id"] == "handle" else (self.office_token, RETURN)
        try:
            status, body = self.api.call("POST", f"/tasks/{task['id']}/complete", token, {"data": data})
        except ConnectionLost as exc:
            self.ledger.add(Outcome(self.iid, task["id"], task["element_id"], None, time.monotonic(), str(exc)))
            raise
        error = "" if 200 <= status < 300 else json.dumps(body, ensure_ascii=False)[:300]
        self.ledger.add(Outcome(self.iid, task["id"], task["element_id"], status, time.monotonic(), error))


# --- what "nothing half-written" means for one loop instance ----------------------------------------
def task_rows(api: Api, token: str, iid: int, state: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.ok("GET", f"/tasks?instance_id={iid}&state={state}&mine=false&per_page=500&page={page}", token)
        rows.extend(body["items"])
        if len(rows) >= body["total"] or not body["items"]:
            return rows
        page += 1


def check_loop_instance(api: Api, token: str, iid: int, acknowledged: set[str], attempted: set[str]) -> dict[str, int]:
    """One instance of the 办理 → 审核 退回 loop, read back over HTTP after a crash and restart:

    - its history verifies (hash chain intact, every event counted);
    - every acknowledged completion is in it, no task was completed twice, and nothing is in it that no
      client sent (each history completion is an acknowledged or an unacknowledged request);
    - the completions alternate register, approve, handle, review, handle, … — a lost or doubled half of a
      command breaks the alternation;
    - the one ready task is the next step of that sequence and was never completed; the task rows say the
      same as the history (completed rows = completed events); the ready task's round, which the engine
      computed when it created the task, matches the number of 退回 in the history.
    Returns counts for the report."""
    events = history(api, token, iid)
    verdict = verify(api, token, iid)
    checked = {k: verdict.get(k) for k in ("ok", "events", "first_bad_seq", "anchored_count")}
    assert checked == {"ok": True, "events": len(events), "first_bad_seq": None, "anchored_count": len(events)}, (
        f"instance {iid}: {verdict}"
    )
    completions = [e["payload"] for e in events if e["kind"] == "task_completed"]
    ids = [str(p["task_id"]) for p in completions]
    elements = [str(p["element_id"]) for p in completions]
    assert len(ids) == len(set(ids)), f"instance {iid}: a task completed twice in the history: {elements}"
    missing = acknowledged - set(ids)
    assert not missing, f"instance {iid}: {len(missing)} acknowledged completions are not in the history: {missing}"
    unexplained = set(ids[2:]) - attempted
    assert not unexplained, f"instance {iid}: completions nobody sent: {unexplained}"
    expected = ["register", "approve"] + ["handle" if i % 2 == 0 else "review" for i in range(len(elements) - 2)]
    assert elements == expected, f"instance {iid}: completions out of step: {elements}"
    detail = api.ok("GET", f"/process-instances/{iid}", token)
    assert detail["status"] == "running", f"instance {iid}: {detail['status']} {detail.get('error_message')}"
    ready = detail["ready_tasks"]
    want = "review" if elements[-1] == "handle" else "handle"
    assert [t["element_id"] for t in ready] == [want], f"instance {iid}: after {elements[-3:]} ready is {ready}"
    assert ready[0]["id"] not in ids, f"instance {iid}: the ready task {ready[0]['id']} was completed already"
    done_rows = {str(t["id"]) for t in task_rows(api, token, iid, "completed")}
    assert done_rows == set(ids), f"instance {iid}: task rows {done_rows ^ set(ids)} disagree with the history"
    assert [str(t["id"]) for t in task_rows(api, token, iid, "ready")] == [ready[0]["id"]]
    returns = elements.count("review")
    task = api.ok("GET", f"/tasks/{ready[0]['id']}", token)
    round_ = task["data"].get("round")
    assert round_ == returns + 1, f"instance {iid}: the ready task is round {round_} after {returns} 退回"
    return {"completions": len(ids) - 2, "events": len(events)}
