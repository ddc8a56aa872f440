"""Task completions: the real HTTP service under 16 concurrent clients, the raw engine, and depth.

    .venv/bin/python -m bench.completions [--clients 16] [--seconds 20] [--database-url URL]

Three parts, all in one run so their ratios mean something on a shared, noisy machine:

1. HTTP throughput: a fresh database, the real service under gunicorn (2 workers x 8 threads), N
   clients each looping one supervision_item through `handle` (the unit) -> `review` with `return`
   (督查室). Only POST .../complete calls are counted and timed.
2. Raw engine baseline: ProcessEngine alone, load JSON -> complete one task -> dump JSON, same loop.
3. Depth: the cost of one completion after 10, 100, 300 return rounds, through the use-case layer
   (the whole service command) and through the raw engine on the very same state.

It prints figures and never asserts timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._targets import target, use_database
from service.config import ROOT

PASSWORD = "duban-demo"
UNITS = ["xiayang", "miandu", "shidu", "shuikou", "luyuan", "fgj", "czj", "zrzyj", "zjj", "jyj", "wjj"]
OFFICE, LEADER = "dcs_li", "changwu"
PROCESS_KEY = "supervision_item"
BPMN = ROOT / "processes" / "supervision_item.bpmn"
DEPTHS = (10, 100, 300, 1000)
DEFAULT_SHAPES = "2x8,3x1"
TIMED_AT_DEPTH = 40  # completions timed around each depth: half a window either side of it

ITEM = {
    "title": "基准测试督办事项",
    "content": "反复退回的督办事项，用于测量办理耗时",
    "source_type": "常务会议",
    "source_ref": "县政府第5次常务会议",
    "co_units": [],
    "time_limit_days": 15,
    "requirements": "每周报送进度",
}
HANDLE = {"progress": "已完成部分工作", "completion": "in_progress", "need_coordination": False}
RETURN = {"review_decision": "return", "return_reason": "材料不全，退回重办"}

REFERENCE = (
    "spiff-arena backend, same engine, same kind of machine (from the shared docs, ARCHITECTURE.md):\n"
    "  ~25 task completions/s with 16 clients on SQLite or PostgreSQL (p99 1-3 s);\n"
    "  one completion costs 43 ms after 10 return rounds and 135 ms after 300."
)


# --- small helpers ------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): the value `pct` % of samples are at or below."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 74 - len(title)), flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- database and use-case layer ----------------------------------------------------------------
def build(database_url: str, drop_existing: bool) -> Any:
    """Migrate, load the demo organisation, deploy the flows; return the in-process Services."""
    from sqlalchemy import text

    from service.access.organisation import load_demo
    from service.cli import deploy_paths
    from service.config import Settings
    from service.db.migrate import upgrade
    from service.db.models import Base
    from service.wiring import build_services

    settings = Settings(database_url=database_url, secret_key="bench-secret", scheduler_interval=0, demo_mode=True)
    services = build_services(settings)
    if drop_existing:
        with services.db.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(services.db)
    with services.uow() as uow:
        load_demo(uow)
        uow.commit()
    deploy_paths(services, [str(ROOT / "processes")], ROOT / "forms")
    from service.workdays import calendar

    # Seeded before the timed service starts, so no run includes it (two processes starting on an empty
    # calendar both seed it; the loser reloads: tests/integration/test_calendar_seed_race.py).
    calendar.ensure_loaded(services.uow)
    return services


def build_reported(database_url: str, drop_existing: bool) -> Any:
    """`build`, under a "setup" heading that says which database, how long it took, and the machine."""
    section("setup")
    began = time.perf_counter()
    services = build(database_url, drop_existing)
    print(f"database           {services.db.url.render_as_string(hide_password=True)} ({services.db.dialect.name})")
    print(f"migrated, demo organisation loaded, processes deployed in {time.perf_counter() - began:.1f} s")
    print(f"python             {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    return services


class UseCases:
    """Drives instances through the service's use cases directly (no HTTP): fast preparation."""

    def __init__(self, services: Any) -> None:
        from service.access.principal import Principal

        self.services = services
        self._principals: dict[str, Any] = {}
        with services.uow() as uow:
            for username in [OFFICE, LEADER, *(f"{u}_ll" for u in UNITS)]:
                user = uow.users.by_username(username)
                if user is None:
                    raise SystemExit(f"demo user {username} missing")
                self._principals[username] = Principal.of(user)

    def start(self, unit: str) -> int:
        from service.process import instances

        data = {**ITEM, "lead_unit": unit, "title": f"{ITEM['title']}（{unit}）"}
        with self.services.uow() as uow:
            instance = instances.start(uow, self.services.ctx, self._principals[OFFICE], PROCESS_KEY, data)
            iid = int(instance.id)
        self.complete(iid, "register", OFFICE, data)
        self.complete(iid, "approve", LEADER, {"decision": "approve"})
        return iid

    def ready(self, iid: int) -> tuple[str, str]:
        """(task id, element id) of the instance's one ready human task."""
        with self.services.uow() as uow:
            rows, _ = uow.tasks.search(state="ready", instance_id=iid, limit=10)
            if len(rows) != 1:
                raise RuntimeError(f"instance {iid}: expected one ready task, got {[r.element_id for r in rows]}")
            return str(rows[0].id), str(rows[0].element_id)

    def state(self, iid: int) -> str:
        with self.services.uow() as uow:
            instance = uow.instances.get(iid)
            return str(instance.state)

    def complete(self, iid: int, element: str, username: str, data: dict[str, Any]) -> None:
        task_id, ready = self.ready(iid)
        if ready != element:
            raise RuntimeError(f"instance {iid}: expected {element} ready, found {ready}")
        self.complete_id(task_id, username, data)

    def complete_id(self, task_id: str, username: str, data: dict[str, Any]) -> None:
        from service.process import tasks

        with self.services.uow() as uow:
            tasks.complete(uow, self.services.ctx, self._principals[username], task_id, data)


# --- the HTTP service ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerShape:
    """How the HTTP service runs: gunicorn processes x threads, engine processes per service process
    (None: the service's default), and `duban worker` processes beside it (timers and the outbox)."""

    procs: int = 2
    threads: int = 8
    engines: int | None = None
    workers: int = 0
    root: Path | None = None  # another checkout's code (e.g. before a change); None: this one

    def describe(self) -> str:
        engines = f", {self.engines} engine processes each" if self.engines else ""
        workers = f", + {self.workers} duban worker" if self.workers else ""
        code = f", code of {self.root}" if self.root else ""
        return f"gunicorn -w {self.procs} --threads {self.threads}{engines}{workers}{code}"


@dataclass(frozen=True)
class HttpFigures:
    clients: int
    rate: float
    p50: float
    p99: float
    errors: int


def parse_shape(text: str, workers: int) -> ServerShape:
    """ "2x8" (processes x threads) or "2x8:3" (and engine processes per service process)."""
    size, _, engines = text.strip().partition(":")
    procs, _, threads = size.partition("x")
    return ServerShape(int(procs), int(threads or 1), int(engines) if engines else None, workers)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the group started for it: master and its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextmanager
def gunicorn(database_url: str, workdir: Path, shape: ServerShape = ServerShape()) -> Iterator[tuple[str, int]]:
    """The real service in a subprocess (and `shape.workers` timer workers); always stopped (each in its
    own process group) on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DUBAN_SCHEDULER_INTERVAL": "0",
        "DUBAN_SECRET_KEY": "bench-secret",
        "DUBAN_DEMO_MODE": "1",  # the benchmark signs in with the demo password
    }
    if shape.engines:
        env["DUBAN_ENGINE_PROCESSES"] = str(shape.engines)
    if shape.root is not None:  # the server, its engine processes and workers import that checkout's code
        env["PYTHONPATH"] = str(shape.root)
    cwd = shape.root or ROOT
    log_path = workdir / "gunicorn.log"
    exe = Path(sys.executable).with_name("gunicorn")
    cmd = [str(exe), "-w", str(shape.procs), "--threads", str(shape.threads), "-b", f"127.0.0.1:{port}"]
    cmd.append("service:create_app()")
    workers: list[subprocess.Popen[bytes]] = []
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        duban = Path(sys.executable).with_name("duban")
        for _ in range(shape.workers):
            workers.append(
                subprocess.Popen(
                    [str(duban), "worker", "--interval", "1"],
                    cwd=cwd,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
                conn.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not healthy after 60 s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        for started in (proc, *workers):
            _stop(started)


class Api:
    """One keep-alive connection; JSON in, (status, JSON) out."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnect once: keep-alive may have been dropped by the server
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw[:200]
        return response.status, data

    def close(self) -> None:
        self.conn.close()


def get_tokens(host: str, port: int) -> dict[str, str]:
    api = Api(host, port)
    tokens = {}
    for username in [OFFICE, LEADER, *(f"{u}_ll" for u in UNITS)]:
        status, body = api.call("POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"token for {username}: HTTP {status} {body}")
        tokens[username] = body["token"]
    api.close()
    return tokens


@dataclass
class ClientResult:
    latencies_ms: list[float] = field(default_factory=list)  # successful completions
    errors: dict[str, int] = field(default_factory=dict)  # "POST complete 409", "exception ..."
    requests: int = 0
    finished_at: float = 0.0

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


def client_loop(
    host: str,
    port: int,
    iid: int,
    unit_token: str,
    office_token: str,
    start: threading.Barrier,
    seconds: float,
    result: ClientResult,
    t0_box: list[float],
) -> None:
    api = Api(host, port)
    tasks_path = f"/api/v1/tasks?instance_id={iid}"

    def find(token: str, element: str) -> str | None:
        status, body = api.call("GET", tasks_path, token)
        result.requests += 1
        if status != 200:
            result.error(f"GET tasks {status}")
            return None
        found = [t["id"] for t in body["items"] if t["element_id"] == element]
        if len(found) != 1:
            result.error(f"GET tasks: {len(found)} ready {element}")
            return None
        return str(found[0])

    def complete(task_id: str, token: str, data: dict[str, Any]) -> bool:
        began = time.perf_counter()
        status, body = api.call("POST", f"/api/v1/tasks/{task_id}/complete", token, {"data": data})
        elapsed = (time.perf_counter() - began) * 1000
        result.requests += 1
        if status == 200:
            result.latencies_ms.append(elapsed)
            return True
        result.error(f"POST complete {status} {(body or {}).get('error', '') if isinstance(body, dict) else ''}")
        return False

    try:
        handle_id = find(unit_token, "handle")
        start.wait()
        deadline = t0_box[0] + seconds
        while time.perf_counter() < deadline:
            try:
                if handle_id is None:
                    handle_id = find(unit_token, "handle")
                    if handle_id is None:  # out of step after an error: finish a pending review first
                        review_id = find(office_token, "review")
                        if review_id is not None:
                            complete(review_id, office_token, RETURN)
                        else:
                            time.sleep(0.05)
                        continue
                ok = complete(handle_id, unit_token, HANDLE)
                handle_id = None
                review_id = find(office_token, "review") if ok else None
                if review_id is None or time.perf_counter() >= deadline:
                    continue
                complete(review_id, office_token, RETURN)
            except Exception as exc:  # noqa: BLE001 - counted and reported, the loop carries on
                result.error(f"exception {exc.__class__.__name__}: {str(exc)[:80]}")
                handle_id = None
                time.sleep(0.05)
    except threading.BrokenBarrierError:
        result.error("start barrier broken")
    finally:
        result.finished_at = time.perf_counter()
        api.close()


def run_http(
    services: Any,
    cases: UseCases,
    database_url: str,
    workdir: Path,
    clients: int,
    seconds: float,
    shape: ServerShape = ServerShape(),
) -> HttpFigures:
    section(f"HTTP: {clients} clients, {seconds:g} s, {shape.describe()}")
    began = time.perf_counter()
    units = [UNITS[i % len(UNITS)] for i in range(clients)]
    iids = [cases.start(unit) for unit in units]
    print(
        f"prepared {clients} supervision_item instances up to `handle` in {time.perf_counter() - began:.1f} s "
        f"(units: {', '.join(sorted(set(units)))})"
    )
    services.db.dispose()  # the server is another process; hand SQLite over cleanly

    with gunicorn(database_url, workdir, shape) as (host, port):
        print(f"service healthy on {host}:{port}")
        tokens = get_tokens(host, port)
        print(f"tokens issued for {len(tokens)} users")
        results = [ClientResult() for _ in range(clients)]
        t0_box = [0.0]
        barrier = threading.Barrier(clients + 1)
        threads = [
            threading.Thread(
                target=client_loop,
                args=(host, port, iid, tokens[f"{unit}_ll"], tokens[OFFICE], barrier, seconds, res, t0_box),
                daemon=True,
            )
            for iid, unit, res in zip(iids, units, results, strict=True)
        ]
        for t in threads:
            t.start()
        t0_box[0] = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join(timeout=seconds + 180)
        elapsed = max(r.finished_at for r in results) - t0_box[0]
        log_tail = (workdir / "gunicorn.log").read_text(errors="replace").splitlines()[-15:]

    latencies = [ms for r in results for ms in r.latencies_ms]
    errors: dict[str, int] = {}
    for r in results:
        for key, n in r.errors.items():
            errors[key] = errors.get(key, 0) + n
    per_client = sorted(len(r.latencies_ms) for r in results)
    rate = len(latencies) / elapsed if elapsed > 0 else 0.0
    figures = HttpFigures(clients, rate, percentile(latencies, 50), percentile(latencies, 99), sum(errors.values()))
    print(f"completions        {len(latencies)} in {elapsed:.1f} s  ->  {rate:.1f} completions/s")
    print(
        f"latency (ms)       p50 {percentile(latencies, 50):.1f}   p95 {percentile(latencies, 95):.1f}   "
        f"p99 {percentile(latencies, 99):.1f}   max {max(latencies, default=float('nan')):.1f}"
    )
    print(
        f"per client         min {per_client[0]}  median {median([float(n) for n in per_client]):.0f}  "
        f"max {per_client[-1]} completions ({per_client[-1] // 2} return rounds at most)"
    )
    print(f"all requests       {sum(r.requests for r in results)} (completions + the GET that finds each next task)")
    print(
        f"errors             {sum(errors.values())}"
        + ("" if not errors else "  " + json.dumps(errors, ensure_ascii=False))
    )
    if errors:
        print("last lines of the server log:\n  " + "\n  ".join(log_tail))
    return figures


# --- the raw engine -----------------------------------------------------------------------------
class RawEngine:
    """ProcessEngine on its own: no database, no history, no projection."""

    CACHE_KEY = "bench"

    def __init__(self) -> None:
        from service.engine.clock import system_clock
        from service.engine.parser import compile_definition
        from service.engine.runtime import ProcessEngine
        from service.process.script_helpers import script_helpers

        self.clock: Callable[[], Any] = system_clock
        self.engine = ProcessEngine(script_helpers())
        self.compiled = compile_definition({BPMN.name: BPMN.read_bytes()})
        self._spec_json: str | None = None

    def fresh_at_handle(self, unit: str = "fgj") -> tuple[str, str]:
        """(state JSON, ready task id) of a new item approved up to `handle`."""
        data = {**ITEM, "lead_unit": unit}
        wf = self.engine.new_workflow(self.compiled, data)
        self._check(self.engine.advance(wf, self.clock))
        for element, payload in (("register", data), ("approve", {"decision": "approve"})):
            self._check(self.engine.complete(wf, self.ready_id(wf, element), payload, self.clock))
        return self.engine.dump(wf, self.CACHE_KEY), self.ready_id(wf, "handle")

    def step(self, state: str, task_id: str, data: dict[str, Any]) -> tuple[str, Any, float]:
        """Timed: load JSON -> complete -> dump JSON. Returns (new state, workflow, ms)."""
        began = time.perf_counter()
        wf = self.engine.load(self.compiled, state, self.CACHE_KEY)
        record = self.engine.complete(wf, task_id, data, self.clock)
        new_state = self.engine.dump(wf, self.CACHE_KEY)
        elapsed = (time.perf_counter() - began) * 1000
        self._check(record)
        return new_state, wf, elapsed

    def step_before(self, state: str, task_id: str, data: dict[str, Any]) -> tuple[str, Any, float]:
        """The same step as the engine loaded states until decision 0026: the spec restored from its JSON
        (spliced into the state's) on every load, and converted on every dump only to be dropped."""
        from service.engine.runtime import ProcessEngine
        from service.engine.state_codec import SERIALIZER as _SERIALIZER

        if self._spec_json is None:
            fresh = _SERIALIZER.to_dict(type(self._any_workflow())(self.compiled.spec, self.compiled.subprocess_specs))
            self._spec_json = ProcessEngine._encode({k: fresh[k] for k in ("spec", "subprocess_specs")})
        began = time.perf_counter()
        dct = json.loads(self._spec_json[:-1] + "," + state[1:], cls=_SERIALIZER.json_decoder_cls)
        dct.pop(_SERIALIZER.VERSION_KEY, None)
        wf = _SERIALIZER.from_dict(dct)
        wf.script_engine = self.engine.script_engine
        record = self.engine.complete(wf, task_id, data, self.clock)
        out = _SERIALIZER.to_dict(wf)
        for key in ("spec", "subprocess_specs"):
            out.pop(key)
        out[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
        new_state = ProcessEngine._encode(out)
        elapsed = (time.perf_counter() - began) * 1000
        self._check(record)
        return new_state, wf, elapsed

    def _any_workflow(self) -> Any:
        return self.engine.new_workflow(self.compiled, {})

    def ready_id(self, wf: Any, element: str) -> str:
        found = [t.id for t in self.engine.ready_user_tasks(wf) if t.element_id == element]
        if len(found) != 1:
            raise RuntimeError(f"raw engine: expected one ready {element}, got {len(found)}")
        return found[0]

    @staticmethod
    def _check(record: Any) -> None:
        if record.error is not None:
            raise RuntimeError(f"raw engine step failed: {record.error}")


def _raw_loop(step: Callable[..., tuple[str, Any, float]], raw: RawEngine, seconds: float) -> tuple[list[float], str]:
    state, task_id = raw.fresh_at_handle()
    for _ in range(20):  # warm up (caches, allocator) before timing
        state, wf, _ = step(state, task_id, HANDLE)
        state, wf, _ = step(state, raw.ready_id(wf, "review"), RETURN)
        task_id = raw.ready_id(wf, "handle")
    times: list[float] = []
    began = time.perf_counter()
    while time.perf_counter() - began < seconds or len(times) < 200:
        state, wf, ms = step(state, task_id, HANDLE)
        times.append(ms)
        state, wf, ms = step(state, raw.ready_id(wf, "review"), RETURN)
        times.append(ms)
        task_id = raw.ready_id(wf, "handle")
    return times, state


def run_raw(raw: RawEngine, seconds: float, http: dict[str, HttpFigures]) -> float:
    """The raw engine's single-thread rate (the baseline every HTTP figure is divided by); returns its
    median ms per step."""
    section("raw engine: load JSON -> complete -> dump JSON, one thread")
    times, state = _raw_loop(raw.step, raw, seconds)
    before, _ = _raw_loop(raw.step_before, raw, seconds)
    med = median(times)
    ops = 1000 / med
    print(
        f"steps              {len(times)} ({len(times) // 2 + 20} return rounds on one instance, "
        f"state {len(state.encode()) / 1024:.1f} KB at the end)"
    )
    print(f"per step (ms)      median {med:.2f}   p95 {percentile(times, 95):.2f}")
    print(f"single-thread      {ops:.0f} ops/s (1000 / median)")
    print(
        f"before 0026        median {median(before):.2f} ms = {1000 / median(before):.0f} ops/s "
        "(the spec restored from JSON on every load, same loop, same run)"
    )
    for label, fig in http.items():
        print(
            f"HTTP ÷ raw         {fig.rate:.1f} / {ops:.0f} = {fig.rate / ops:.3f}  [{label}]"
            + (f"   p50 {fig.p50:.1f} ms = {fig.p50 / med:.1f} x raw step" if fig.clients == 1 else "")
        )
    if http:
        print("                   (share of one thread's raw engine rate the whole service delivers over HTTP)")
    raw_base = f"原始引擎单线程 {ops:.0f} 次/秒（{med:.1f} ms/步）"
    for label, fig in http.items():
        if fig.clients == 1:
            target(f"单客户端完成耗时 ÷ 原始引擎 [{label}]", fig.p50 / med, "<=", 2.0, "倍", baseline=raw_base)
        else:
            target(f"完成任务吞吐 ÷ 原始引擎 [{label}]", fig.rate / ops, ">=", 0.5, "倍", baseline=raw_base)
            target(f"完成任务 p99 [{label}]", fig.p99, "<=", 100.0, "ms", baseline=raw_base)
            target(f"错误数 [{label}]", float(fig.errors), "<=", 0.0, "个", baseline=raw_base)
    return med


# --- depth --------------------------------------------------------------------------------------
def run_depth(cases: UseCases, raw: RawEngine, depths: tuple[int, ...]) -> None:
    section("cost of one completion after N return rounds (use-case layer, no HTTP)")
    half = TIMED_AT_DEPTH // 4  # rounds either side of N: TIMED_AT_DEPTH completions = 2 per round
    unit = "fgj"
    user = f"{unit}_ll"
    prepared = []
    for n in depths:  # every instance brought to its depth first ...
        iid = cases.start(unit)
        for _ in range(max(0, n - half)):
            cases.complete(iid, "handle", user, HANDLE)
            cases.complete(iid, "review", OFFICE, RETURN)
        prepared.append((n, iid))
    service_ms: dict[int, list[float]] = {n: [] for n in depths}
    engine_ms: dict[int, list[float]] = {n: [] for n in depths}
    sizes: dict[int, list[float]] = {n: [] for n in depths}
    for _ in range(TIMED_AT_DEPTH):  # ... then timed in turn, so the machine's drift falls on every depth alike
        for n, iid in prepared:
            task_id, element = cases.ready(iid)
            username, data = (user, HANDLE) if element == "handle" else (OFFICE, RETURN)
            state = cases.state(iid)
            sizes[n].append(len(state.encode()) / 1024)
            _, _, ms = raw.step(state, task_id, data)  # the same state, the engine alone (result discarded)
            engine_ms[n].append(ms)
            t = time.perf_counter()
            cases.complete_id(task_id, username, data)
            service_ms[n].append((time.perf_counter() - t) * 1000)
    rows = [(n, median(service_ms[n]), median(engine_ms[n]), median(sizes[n])) for n in depths]
    print(
        f"{'rounds':>6} | {'service ms (median)':>19} | {'engine ms (median)':>18} | {'state KB':>8} | "
        f"{'service ÷ engine':>16}"
    )
    print(f"{'-' * 6}-+-{'-' * 19}-+-{'-' * 18}-+-{'-' * 8}-+-{'-' * 16}")
    for n, svc, eng, kb in rows:
        print(f"{n:>6} | {svc:>19.2f} | {eng:>18.2f} | {kb:>8.1f} | {svc / eng:>16.1f}")
    print(
        f"({TIMED_AT_DEPTH} timed completions per row, alternating handle/review, rounds N-{half}..N+{half}, "
        "the depths taken in turn; "
        "engine = load->complete->dump on the same state just before the service command;"
    )
    print(" service = tasks.complete in its own unit of work: load, complete, history, projection, save, commit)")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        svc_growth, eng_growth = last[1] / first[1], last[2] / first[2]
        print(f"growth {first[0]} -> {last[0]} rounds: service x{svc_growth:.2f}, engine x{eng_growth:.2f}")
        target(
            f"退回 {last[0]} 轮的完成耗时 ÷ {first[0]} 轮", svc_growth, "<=", 1.5, "倍",
            baseline=f"引擎本身 x{eng_growth:.2f}（同一状态）",
        )  # fmt: skip


# --- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.completions", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the HTTP run (default 20)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
        help="default: DUBAN_BENCH_DATABASE_URL, else a fresh SQLite file in a temporary directory",
    )
    parser.add_argument(
        "--drop-existing",
        action="store_true",
        help="drop every duban table of --database-url first (a clean start on PostgreSQL)",
    )
    parser.add_argument("--raw-seconds", type=float, default=3, help="length of the raw engine run (default 3)")
    parser.add_argument("--depths", default=",".join(map(str, DEPTHS)), help="return rounds for the depth table")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process parts (2 and 3)")
    parser.add_argument(
        "--shapes",
        default=DEFAULT_SHAPES,
        help="gunicorn processes x threads[:engine processes each], comma-separated, each run in turn "
        f"(default {DEFAULT_SHAPES}: the issue's baseline, and the shape gunicorn.conf.py gives on 2 cores)",
    )
    parser.add_argument("--workers", type=int, default=0, help="`duban worker` processes beside the service")
    parser.add_argument(
        "--baseline-root",
        help="another checkout (e.g. the main branch before a change): each shape is also served from its "
        "code, just before this code's run, on the same database — a before/after in one run",
    )
    parser.add_argument(
        "--one-client-seconds", type=float, default=5, help="then 1 client for this long (0: skip; default 5)"
    )
    args = parser.parse_args(argv)
    depths = tuple(int(d) for d in args.depths.split(",") if d.strip())

    # Turn SIGTERM into SystemExit so the `finally` blocks (gunicorn shutdown, temp dir) run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="duban-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    use_database(database_url)
    try:
        services = build_reported(database_url, args.drop_existing)
        cases = UseCases(services)
        raw = RawEngine()

        http: dict[str, HttpFigures] = {}
        if not args.skip_http:
            roots = [Path(args.baseline_root).resolve(), None] if args.baseline_root else [None]
            for text in args.shapes.split(","):
                for root in roots:  # before (the other checkout), then this code, under the same conditions
                    shape = dataclasses.replace(parse_shape(text, args.workers), root=root)
                    http[f"{args.clients} clients, {shape.describe()}"] = run_http(
                        services, cases, database_url, workdir, args.clients, args.seconds, shape
                    )
                    if args.one_client_seconds > 0:
                        http[f"1 client, {shape.describe()}"] = run_http(
                            services, cases, database_url, workdir, 1, args.one_client_seconds, shape
                        )
        run_raw(raw, args.raw_seconds, http)
        if depths:
            run_depth(cases, raw, depths)

        section("reference, not measured here")
        print(REFERENCE)
        services.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
