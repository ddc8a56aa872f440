"""流程分析 (where processes stall) over many instances: the per-element figures and the instance lists.

    .venv/bin/python -m bench.stalls [--rows 20000] [--runs 10] [--database-url URL]

The ledger benchmark's database (bench.ledger.build: instances and ledger rows over two years, twelve
units) plus, per instance, the human tasks of one pass through 督办事项 (登记, 审批, 办理, 负责人确认, 审核;
a third of them returned once at 审核, so 办理 / 确认 / 审核 twice) and a `task_completed` history event per
审核 completion. Then `stalls.report` and `stalls.instances` run --runs times each through the use cases
(a fresh unit of work per run, as a request), the median printed beside a baseline of the same run (a
primary-key read). PostgreSQL too with DUBAN_BENCH_DATABASE_URL. It prints figures and never asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.ledger import CHUNK, NOW, build, median_ms

STEPS = (("register", "分解立项", None), ("approve", "立项审批", None), ("handle", "办理并报告", "unit"))
AFTER = (("head_confirm", "单位负责人确认", "unit"), ("review", "审核办理结果", "data"))


def add_tasks(services: Any, rows: int, seed: int = 11) -> int:
    from sqlalchemy import insert, select

    from service.db.models import HistoryEvent, HumanTask, LedgerItem

    rng = random.Random(seed)
    count = 0
    with services.db.begin() as conn:
        for start in range(1, rows + 1, CHUNK):
            ids = range(start, min(start + CHUNK, rows + 1))
            leads = dict(
                conn.execute(
                    select(LedgerItem.instance_id, LedgerItem.lead_unit).where(LedgerItem.instance_id.in_(list(ids)))
                ).all()
            )
            tasks: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for iid in ids:
                unit = leads.get(iid, "")
                at = NOW - timedelta(days=730) + timedelta(days=730 * iid / rows)
                passes = [*STEPS, *AFTER]
                if rng.random() < 1 / 3:
                    passes += [STEPS[2], *AFTER]  # returned once at 审核
                seq = 0
                for element, name, owner in passes:
                    took = timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 5, 8]), hours=rng.randint(0, 8))
                    task_id = str(uuid.UUID(int=rng.getrandbits(128)))
                    done = at + took
                    tasks.append(
                        {
                            "id": task_id,
                            "instance_id": iid,
                            "element_id": element,
                            "name": name,
                            "lane": "承办单位" if owner == "unit" else "督查室",
                            "unit_code": unit if owner == "unit" else None,
                            "due_at": at + timedelta(days=4),
                            "state": "completed",
                            "data": {"unit": unit} if owner == "data" else {},
                            "created_at": at,
                            "completed_at": done,
                            "completed_by": "bench",
                        }
                    )
                    if element == "review":
                        seq += 1
                        returned = seq == 1 and len(passes) > 5
                        decision = {"review_decision": "return" if returned else "accept"}
                        events.append(
                            {
                                "instance_id": iid,
                                "seq": seq,
                                "kind": "task_completed",
                                "actor": "bench",
                                "at": done,
                                "payload": {"task_id": task_id, "element_id": element, "data": decision},
                                "prev_hash": "0" * 64,
                                "hash": "0" * 64,
                            }
                        )
                    at = done
            conn.execute(insert(HumanTask), tasks)
            conn.execute(insert(HistoryEvent), events)
            count += len(tasks)
    return count


def measure(services: Any, units: list[str], runs: int) -> None:
    from sqlalchemy import text

    from service.access.principal import Principal
    from service.analytics import stalls

    office = Principal("bench", "督查室", frozenset({"督查室"}), None)
    key = "supervision_item"
    month = stalls.StallFilters((NOW - timedelta(days=200)).date(), (NOW - timedelta(days=170)).date())

    def in_uow(fn: Any) -> Any:
        def run() -> Any:
            with services.uow() as uow:
                return fn(uow)

        return run

    cases = [
        ("baseline: SELECT 1", in_uow(lambda uow: uow.session.execute(text("SELECT 1")).scalar())),
        ("baseline: instance by primary key", in_uow(lambda uow: uow.instances.get(7).title)),
        ("report, every instance", in_uow(lambda uow: stalls.report(uow, office, NOW, key, stalls.StallFilters()))),
        ("report, one month", in_uow(lambda uow: stalls.report(uow, office, NOW, key, month))),
        (
            f"report, unit {units[0]}",
            in_uow(lambda uow: stalls.report(uow, office, NOW, key, stalls.StallFilters(unit=units[0]))),
        ),
        (
            "instances returned at review, first page",
            in_uow(lambda uow: stalls.instances(uow, office, NOW, key, "review", month, kind="returned")),
        ),
        (
            "instances passed handle, every instance, page 20",
            in_uow(
                lambda uow: stalls.instances(
                    uow, office, NOW, key, "handle", stalls.StallFilters(), offset=950, limit=50
                )
            ),
        ),
    ]
    results = []
    for label, fn in cases:
        results.append((label, median_ms(fn, runs)))
        print(f"  {label:<52} {results[-1][1]:10.2f} ms", flush=True)
    base = results[1][1]
    print(f"\n  {'query':<52} {'median ms':>10} {'÷ pk get':>9}")
    for label, ms in results:
        print(f"  {label:<52} {ms:10.2f} {ms / base:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DUBAN_BENCH_DATABASE_URL"))
    args, _ = parser.parse_known_args()  # run_all.py passes every benchmark the same arguments
    with tempfile.TemporaryDirectory(prefix="duban-bench-stalls-") as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'stalls.sqlite3'}")]
        if args.database_url:
            targets.append(("PostgreSQL", args.database_url))
        for name, url in targets:
            print(f"\n== stalls on {name}: {args.rows:,} instances, median of {args.runs} runs " + "=" * 16)
            services, units = build(url, args.rows)
            try:
                print(f"  + {add_tasks(services, args.rows):,} human tasks", flush=True)
                measure(services, units, args.runs)
            finally:
                services.db.dispose()


if __name__ == "__main__":
    main()
