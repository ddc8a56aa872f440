"""Re-executing one item returned N times (issue 13 point 2): the cost of `duban history verify --replay`.

    .venv/bin/python -m bench.reexecution [--rounds 300]

A fresh temporary SQLite database with the demo organisation and the built-in flows (the tests' set-up,
tests/conftest.py); one supervision item goes through registration, approval and N rounds of 办理 → 审核
退回, then 办结 to the end, over HTTP. It then re-executes the item (service.reexecution.replay.check) and
prints: the inputs, the engine round-trips (CHUNK inputs each), the time, and the time per input — next
to the time the N rounds took to record. It never asserts timings.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    from service.reexecution import replay, running
    from tests.api_helpers import Actor, confirm
    from tests.conftest import START, FakeClock, build_test_services, make_app, token_cache

    with tempfile.TemporaryDirectory() as tmp:
        services = build_test_services(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "data", FakeClock(START))
        try:
            app = make_app(services)
            client, tokens = app.test_client(), token_cache(app)
            office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
            unit = Actor(client, tokens["fgj_ll"])
            item = {"title": "反复退回", "content": "测试内容", "source_type": "文件", "source_ref": "文号",
                    "lead_unit": "fgj", "co_units": [], "time_limit_days": 15}  # fmt: skip
            started = time.perf_counter()
            iid = office.start("supervision_item", item)["id"]
            office.do(iid, "register", item)
            leader.do(iid, "approve", {"decision": "approve"})
            for n in range(args.rounds):
                unit.do(iid, "handle", {"progress": f"第{n + 1}次", "completion": "in_progress"})
                office.do(iid, "review", {"review_decision": "return", "return_reason": f"退回{n + 1}"})
            unit.do(iid, "handle", {"progress": "完成", "completion": "done"})
            confirm(client, tokens, "fgj", iid)
            office.do(iid, "review", {"review_decision": "accept"})
            recorded = time.perf_counter() - started
            with services.uow() as uow:
                began = time.perf_counter()
                result = replay.check(uow, services.ctx, iid)
                took = time.perf_counter() - began
            print(f"rounds: {args.rounds}; recorded over HTTP in {recorded:.1f} s")
            print(f"re-execution: {result.words()}; {result.steps_checked} inputs checked")
            print(f"engine round-trips: {result.requests} (CHUNK {running.CHUNK}); time {took:.2f} s, "
                  f"{1000 * took / max(1, result.steps_checked):.1f} ms per input")  # fmt: skip
        finally:
            services.close()


if __name__ == "__main__":
    main()
