"""Re-executing one item returned N times (issue 13 point 2): the cost of `duban history verify --replay`.

    .venv/bin/python -m bench.reexecution [--rounds 300]

A fresh temporary SQLite database with the demo organisation and the built-in flows (the tests' set-up,
tests/conftest.py); one supervision item goes through registration, approval and N rounds of 办理 → 审核
退回 (tests/campaign_helpers.py, as the long-history tests), then 办结 to the end, over HTTP. It then
re-executes the item (service.reexecution.replay.check) and prints: the inputs, the engine round-trips
(CHUNK inputs each, service/reexecution/running.py), the time, and the time per input — next to the time
the N rounds took to record. It never asserts timings.
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
    from tests.campaign_helpers import item_returned
    from tests.conftest import START, FakeClock, build_test_services, make_app, token_cache

    with tempfile.TemporaryDirectory() as tmp:
        services = build_test_services(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "data", FakeClock(START))
        try:
            app = make_app(services)
            client, tokens = app.test_client(), token_cache(app)
            office, unit = Actor(client, tokens["dcs_li"]), Actor(client, tokens["fgj_ll"])
            started = time.perf_counter()
            iid = item_returned(client, tokens, args.rounds)
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
