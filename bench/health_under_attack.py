"""/health while hostile scripts run (issue 9 point 2): does any script freeze the service?

Starts `duban serve` (threaded, SQLite, demo data) in a subprocess, deploys each case of the hostile
corpus (tests/integration/test_hostile_scripts.py) as a script task, and for each case starts an
instance in one thread while another asks /health every 20 ms. Prints /health's median, p99 and max
per case next to a baseline measured first in the same run with nothing else running.

    .venv/bin/python -m bench.health_under_attack
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from tests.integration.test_hostile_scripts import EXPRESSIONS, SCRIPTS, _condition_process, _script_process

ROOT = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(base: str, path: str, token: str = "", body: bytes | None = None, ctype: str = "application/json") -> dict:
    request = urllib.request.Request(base + path, data=body, method="POST" if body is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return {**json.loads(response.read() or b"{}"), "http": response.status}
    except urllib.error.HTTPError as exc:
        return {**json.loads(exc.read() or b"{}"), "http": exc.code}


def _deploy(base: str, token: str, pid: str, xml: str) -> None:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{pid}.bpmn"\r\n'
        f"Content-Type: application/xml\r\n\r\n{xml}\r\n--{boundary}--\r\n"
    ).encode()
    answer = _call(base, "/api/v1/process-definitions", token, body, f"multipart/form-data; boundary={boundary}")
    assert answer["http"] == 201, answer


def _health(base: str, stop: threading.Event, waits: list[float]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        with urllib.request.urlopen(base + "/api/v1/health", timeout=600) as response:
            response.read()
        waits.append(time.perf_counter() - began)
        time.sleep(0.02)


def _line(name: str, waits: list[float], extra: str = "") -> str:
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<42} n={len(ordered):4d}  median {statistics.median(ordered) * 1000:6.1f} ms  "
        f"p99 {p99 * 1000:6.1f} ms  max {ordered[-1] * 1000:7.1f} ms  {extra}"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="duban-health-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "DUBAN_DATA_DIR": str(work),
        "DUBAN_DEMO_MODE": "1",
        "DUBAN_SECRET_KEY": "bench",
        "DUBAN_ENGINE_CPU_SECONDS": "3",
        "DUBAN_ENGINE_WALL_SECONDS": "10",
        "DUBAN_ENGINE_MEMORY_MB": "512",
    }
    duban = str(ROOT / ".venv" / "bin" / "duban")
    subprocess.run([duban, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([duban, "demo"], env=env, check=True, capture_output=True)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [duban, "serve", "--port", str(port), "--no-scheduler"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if _call(base, "/api/v1/health")["http"] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        token = _call(
            base, "/api/v1/auth/token", body=json.dumps({"username": "admin", "password": "duban-demo"}).encode()
        )["token"]
        cases = {f"script:{k}": _script_process(f"s_{i}", v) for i, (k, v) in enumerate(SCRIPTS.items())}
        cases |= {f"condition:{k}": _condition_process(f"c_{i}", v) for i, (k, v) in enumerate(EXPRESSIONS.items())}
        pids = {}
        for name, xml in cases.items():
            pid = xml.split('process id="', 1)[1].split('"', 1)[0]
            _deploy(base, token, pid, xml)
            pids[name] = pid
        idle: list[float] = []
        stop = threading.Event()
        poller = threading.Thread(target=_health, args=(base, stop, idle))
        poller.start()
        time.sleep(3)
        stop.set()
        poller.join()
        print("/health answer times, `duban serve` on SQLite, while one hostile instance starts")
        print(_line("baseline (nothing else running)", idle))
        worst = 0.0
        for name, pid in pids.items():
            waits: list[float] = []
            stop = threading.Event()
            poller = threading.Thread(target=_health, args=(base, stop, waits))
            poller.start()
            began = time.perf_counter()
            answer = _call(
                base, "/api/v1/process-instances", token, json.dumps({"process_key": pid, "data": {}}).encode()
            )
            took = time.perf_counter() - began
            stop.set()
            poller.join()
            worst = max(worst, max(waits))
            print(_line(name, waits, f"start {took:5.2f} s → HTTP {answer['http']}, instance {answer.get('status')}"))
        print(f"worst /health answer over all cases: {worst * 1000:.1f} ms (baseline max {max(idle) * 1000:.1f} ms)")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
