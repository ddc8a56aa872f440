"""Crash safety (issue 9.7): two clients completing the same task at the same moment — exactly one wins.

The real service runs as gunicorn with 2 worker processes × 4 threads, so the two requests of a race run
truly in parallel (in two processes, or two threads of one). Four pairs of clients race side by side, each
pair on an item of its own: both unit users (联络员 and 负责人) submit the same 办理, released together by a
barrier; then both 督查室 users submit the same 审核 (退回); and so on, 1,000 races in all. Every race must
end with one 200 and one 409, never a 5xx, and the histories must show each task completed once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.crash.harness import (
    HANDLE,
    LEADER,
    OFFICE,
    OFFICE_2,
    RETURN,
    Api,
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
)

RACES = int(os.environ.get("CRASH_TEST_RACES") or 1000)
PAIR_UNITS = ["wjj", "fgj", "czj", "jyj", "zjj", "zrzyj", "xiayang", "miandu"]  # an item and a pair of clients each


class Pair(threading.Thread):
    """Drives one item: for each race, reads the ready task, then both racers submit it at once."""

    def __init__(self, port: int, iid: int, unit: str, tokens: dict[str, str], races: int) -> None:
        super().__init__(name=f"pair-{unit}", daemon=True)
        self.port, self.iid, self.races = port, iid, races
        self.unit_tokens = (tokens[f"{unit}_ll"], tokens[f"{unit}_fzr"])
        self.office_tokens = (tokens[OFFICE], tokens[OFFICE_2])
        self.barrier = threading.Barrier(2, timeout=60)
        self.results: list[tuple[str, str, list[int], list[str]]] = []  # (task id, element, statuses, errors)
        self.winners: set[str] = set()
        self.failure: str | None = None

    def run(self) -> None:
        reader = Api(self.port)
        racers = (Api(self.port), Api(self.port))
        try:
            for _ in range(self.races):
                [task] = reader.ok("GET", f"/process-instances/{self.iid}", self.office_tokens[0])["ready_tasks"]
                tokens, data = (
                    (self.unit_tokens, HANDLE) if task["element_id"] == "handle" else (self.office_tokens, RETURN)
                )
                answers: list[tuple[int, str]] = [(0, ""), (0, "")]
                path, body = f"/tasks/{task['id']}/complete", {"data": data}
                other = threading.Thread(
                    target=self._submit, args=(racers[1], path, tokens[1], body, answers, 1), daemon=True
                )
                other.start()
                self._submit(racers[0], path, tokens[0], body, answers, 0)
                other.join(60)
                assert not other.is_alive(), "a racing request did not come back within 60 s"
                self.results.append((task["id"], task["element_id"], [a[0] for a in answers], [a[1] for a in answers]))
                if 200 in (a[0] for a in answers):
                    self.winners.add(task["id"])
                if sorted(a[0] for a in answers) != [200, 409]:
                    return  # the main thread reports it; the item may be out of step now
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            for api in (reader, *racers):
                api.close()

    def _submit(self, api: Api, path: str, token: str, body: Any, answers: list[tuple[int, str]], n: int) -> None:
        self.barrier.wait()
        status, answer = api.call("POST", path, token, body)
        message = answer.get("message", "") if isinstance(answer, dict) and status != 200 else ""
        answers[n] = (status, str(message))


@pytest.mark.slow
def test_two_clients_completing_the_same_task_get_exactly_one_success(tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    with own_database(tmp_path) as url, time_limit(300, "the same-task race test"):
        env = service_env(url, tmp_path)
        prepare(env, tmp_path / "cli.log")
        web = WebServer(env, log)
        pairs: list[Pair] = []
        try:
            web.start_and_wait()
            users = [OFFICE, OFFICE_2, LEADER, *(f"{u}_{w}" for u in PAIR_UNITS for w in ("ll", "fzr"))]
            tokens = issue_tokens(web.port, users)
            api = Api(web.port)
            iids = [start_item(api, tokens, item(u, f"并发提交测试{n + 1}")) for n, u in enumerate(PAIR_UNITS)]
            share = [
                RACES // len(PAIR_UNITS) + (1 if n < RACES % len(PAIR_UNITS) else 0) for n in range(len(PAIR_UNITS))
            ]
            pairs = [Pair(web.port, iid, u, tokens, k) for iid, u, k in zip(iids, PAIR_UNITS, share, strict=True)]
            began = time.monotonic()
            # When two clients submit the same task at the same moment, 1,000 times
            for pair in pairs:
                pair.start()
            for pair in pairs:
                pair.join(240)
            elapsed = time.monotonic() - began
            assert not [p.name for p in pairs if p.is_alive()], "a pair of clients did not finish"
            # Then each race had exactly one 200 and one 409, and no 5xx
            failures = [p.failure for p in pairs if p.failure]
            assert not failures, failures
            races = [r for p in pairs for r in p.results]
            wrong = [r for r in races if sorted(r[2]) != [200, 409]]
            assert not wrong, f"races without exactly one 200 and one 409: {wrong[:10]}"
            assert len(races) == RACES
            # and each item's history has each raced task completed once, and verifies
            for pair in pairs:
                counts = check_loop_instance(api, tokens[OFFICE], pair.iid, pair.winners, pair.winners)
                assert counts["completions"] == pair.races, f"instance {pair.iid}: {counts} after {pair.races} races"
            api.close()
        except BaseException:
            print(tail(log, 60))
            raise
        finally:
            web.stop()
            for pair in pairs:
                pair.join(10)
    reasons = Counter(message for r in races for status, message in zip(r[2], r[3], strict=True) if status == 409)
    print(f"{len(races)} races in {elapsed:.1f} s; the losers' 409s: {dict(reasons)}")
