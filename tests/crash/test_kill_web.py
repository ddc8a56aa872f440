"""Crash safety (issue 9.7): kill -9 of the web process under load loses no acknowledged completion.

The real service runs as gunicorn (2 workers × 4 threads) on a database of the test's own. Sixteen
clients work sixteen supervision items through 办理 → 审核 退回, over and over; at a random moment the
whole gunicorn process group is SIGKILLed, then started again, ten times. After each restart every item is
read back over HTTP and must be whole (tests/crash/harness.py, check_loop_instance).
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest

from tests.crash.harness import (
    HANDLE,
    LEADER,
    OFFICE,
    RETURN,
    UNITS,
    Api,
    Ledger,
    LoopClient,
    Outcome,
    WebServer,
    check_loop_instance,
    issue_tokens,
    item,
    own_database,
    prepare,
    service_env,
    start_item,
    tail,
    time_limit,
    wait_for,
)

CLIENTS = 16
CYCLES = 10
LOAD_SECONDS = (0.2, 1.5)  # the kill comes this long (uniformly random) after a cycle's first completion


def _seed() -> int:
    return int(os.environ.get("CRASH_TEST_SEED") or time.time_ns() % 1_000_000)


def _run_clients(port: int, iids: list[int], units: list[str], tokens: dict[str, str], ledger: Ledger,
                 seconds: float, kill: WebServer | None) -> list[LoopClient]:  # fmt: skip
    """Run the clients; once completions flow, `seconds` later SIGKILL the server (if `kill`) mid-flight."""
    stop = threading.Event()
    clients = [LoopClient(port, iid, tokens[f"{unit}_ll"], tokens[OFFICE], ledger, stop)
               for iid, unit in zip(iids, units, strict=True)]  # fmt: skip
    for c in clients:
        c.start()
    try:
        if kill is not None:  # under load: the first completion after a restart waits for the service to warm up
            before = len(ledger.acknowledged())
            wait_for(lambda: len(ledger.acknowledged()) > before, 90, "a completion after the restart")
        time.sleep(seconds)
        if kill is not None:
            kill.kill9()
    finally:
        stop.set()
        for c in clients:
            c.join(45)
    assert not [c.name for c in clients if c.is_alive()], "a client did not stop"
    return clients


@pytest.mark.slow
def test_kill_9_of_the_web_process_under_load_loses_no_acknowledged_completion(tmp_path: Path) -> None:
    seed = _seed()
    rng = random.Random(seed)
    print(f"CRASH_TEST_SEED={seed}")
    log = tmp_path / "web.log"
    with own_database(tmp_path) as url, time_limit(420, "the web kill -9 test"):
        env = service_env(url, tmp_path)
        prepare(env, tmp_path / "cli.log")
        web = WebServer(env, log)
        try:
            web.start_and_wait()
            units = [UNITS[i % len(UNITS)] for i in range(CLIENTS)]
            tokens = issue_tokens(web.port, [OFFICE, LEADER, *sorted({f"{u}_ll" for u in units})])
            api = Api(web.port)
            iids = [start_item(api, tokens, item(unit, f"崩溃测试事项{n + 1}")) for n, unit in enumerate(units)]
            api.close()
            ledger = Ledger()
            lost_before = 0
            report: list[str] = []
            for cycle in range(CYCLES):
                # Given 16 clients completing tasks, when the whole server is SIGKILLed at a random moment
                t0 = time.monotonic()
                _run_clients(web.port, iids, units, tokens, ledger, rng.uniform(*LOAD_SECONDS), kill=web)
                t1 = time.monotonic()
                web.start_and_wait()
                t2 = time.monotonic()
                # Then, after the restart, every acknowledged completion is there and nothing is half-written
                _check_all(web.port, tokens[OFFICE], iids, ledger)
                lost = sum(1 for o in ledger.outcomes if o.status is None)
                report.append(f"cycle {cycle + 1}: {len(ledger.acknowledged())} acknowledged, "
                              f"{lost - lost_before} lost in flight; load {t1 - t0:.1f} s, restart {t2 - t1:.1f} s, "
                              f"check {time.monotonic() - t2:.1f} s")  # fmt: skip
                lost_before = lost
            # and every item still moves on after the last crash: one more 办理 and 审核 each, both answered 200
            _one_more_round(web.port, iids, units, tokens, ledger)
            counts = _check_all(web.port, tokens[OFFICE], iids, ledger)
        except BaseException:
            print(tail(log, 80))
            raise
        finally:
            web.stop()
    acknowledged, lost = len(ledger.acknowledged()), sum(1 for o in ledger.outcomes if o.status is None)
    print("\n".join(report))
    print(f"{acknowledged} acknowledged completions, {lost} unacknowledged (connection lost at a kill), "
          f"{sum(c['completions'] for c in counts)} in the histories")  # fmt: skip
    assert lost >= 1, "no kill hit a completion in flight: the test did not test what it claims"


def _one_more_round(port: int, iids: list[int], units: list[str], tokens: dict[str, str], ledger: Ledger) -> None:
    api = Api(port)
    try:
        for iid, unit in zip(iids, units, strict=True):
            for _ in range(2):
                [task] = api.ok("GET", f"/process-instances/{iid}", tokens[OFFICE])["ready_tasks"]
                token, data = (
                    (tokens[f"{unit}_ll"], HANDLE) if task["element_id"] == "handle" else (tokens[OFFICE], RETURN)
                )
                status, body = api.call("POST", f"/tasks/{task['id']}/complete", token, {"data": data})
                assert status == 200, f"instance {iid}: {task['element_id']} after the last restart: {status} {body}"
                ledger.add(Outcome(iid, task["id"], task["element_id"], status, time.monotonic()))
    finally:
        api.close()


def _check_all(port: int, office_token: str, iids: list[int], ledger: Ledger) -> list[dict[str, int]]:
    assert not ledger.read_errors, f"reads that failed or found the loop out of step: {ledger.read_errors[:10]}"
    unexpected = ledger.unexpected()
    assert not unexpected, f"answers other than success: {[(o.status, o.element, o.error) for o in unexpected][:10]}"
    acknowledged: dict[int, set[str]] = {iid: set() for iid in iids}
    for outcome in ledger.acknowledged():
        acknowledged[outcome.iid].add(outcome.task_id)
    attempted = ledger.attempted_ids()
    api = Api(port)
    try:
        return [check_loop_instance(api, office_token, iid, acknowledged[iid], attempted) for iid in iids]
    finally:
        api.close()
