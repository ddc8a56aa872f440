"""Migrating 1,000 running instances from one version to another in one request (issue 12 point 7).

    .venv/bin/python -m bench.migration_bulk [--instances 1000] [--stuck 50] [--database-url URL]
    scripts/with-postgres.sh sh -c '.venv/bin/python -m bench.migration_bulk --database-url "$DUBAN_TEST_DATABASE_URL"'

A fresh temporary SQLite database (or the PostgreSQL of --database-url, whose duban tables are dropped
first) is set up as bench.completions builds it (migrations, demo organisation, the built-in flows); the
tests' small process (tests/migration_diagrams.py: 登记 → 审核, both user tasks) is deployed,
--instances instances are started through the use case, --stuck of them are moved on to 审核, then
version 2 (审核 removed, 复核 added) is deployed. It then times, through the use cases the API calls:
the dry run of every instance; the request that starts the job (one request for all instances); and the
job run to the end by the worker's function, with each instance's own time (lock, engine, history, save,
commit): median, p95, p99, max. It prints figures and never asserts timings.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.completions import build, median, percentile
from tests.migration_diagrams import FORM, FORM_FILE, diagram

KEY = "bench_migration"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--stuck", type=int, default=50, help="instances moved on to the removed task")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from service.access.principal import OFFICE, SYSTEM, Principal
    from service.instance_migration import jobs, moving, verdicts, worker
    from service.process import definitions, instances, tasks

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    services = build(url, drop_existing=bool(args.database_url))
    ctx, office = services.ctx, Principal("bench_office", "督查室", frozenset({OFFICE}), None)
    form = (FORM_FILE, json.dumps(FORM).encode())

    def deploy(content: bytes) -> None:
        with services.uow() as uow:
            definitions.deploy(uow, ctx, SYSTEM, [(f"{KEY}.bpmn", content), form])

    deploy(diagram(KEY, ("register", "登记"), ("review", "审核")))
    began = time.perf_counter()
    ids = []
    for n in range(args.instances):
        with services.uow() as uow:
            ids.append(instances.start(uow, ctx, SYSTEM, KEY, {}).id)
        if n < args.stuck:
            with services.uow() as uow:
                (task,) = uow.tasks.ready_for_instance(ids[-1])
                task_id = task.id
            with services.uow() as uow:
                tasks.complete(uow, ctx, office, task_id, {"note": "x"})
    setup = time.perf_counter() - began
    deploy(diagram(KEY, ("register", "登记（新）"), ("recheck", "复核")))
    print(f"database: {services.db.dialect.name}; {args.instances} instances on v1 ({args.stuck} at the removed task)")
    print(f"setup (start {args.instances} instances): {setup:.1f} s")

    began = time.perf_counter()
    with services.uow() as uow:
        _, _, found = verdicts.dry_run(uow, ctx, SYSTEM, KEY, 1, 2)
    dry = time.perf_counter() - began
    movable = sum(1 for v in found if v.plan["can_move"])
    print(f"dry run: {len(found)} instances in {dry:.2f} s ({dry / len(found) * 1000:.1f} ms each), {movable} movable")

    began = time.perf_counter()
    with services.uow() as uow:
        job = jobs.start_migration(uow, ctx, SYSTEM, KEY, 1, 2, "基准测试")
        job_id = job.id
    request = time.perf_counter() - began
    print(f"start request (job for {args.instances} instances, 202): {request * 1000:.0f} ms")

    per_instance: list[float] = []
    original = moving.move_one

    def timed(uow: Any, job_ctx: Any, instance_id: int) -> bool:
        t0 = time.perf_counter()
        try:
            return original(uow, job_ctx, instance_id)
        finally:
            per_instance.append((time.perf_counter() - t0) * 1000)

    moving.move_one = timed  # type: ignore[assignment]
    began = time.perf_counter()
    done = worker.run_pending(services.uow, ctx)
    wall = time.perf_counter() - began
    with services.uow() as uow:
        result, _ = jobs.get_job(uow, SYSTEM, job_id)
        moved, refused, status = result.moved, result.refused, result.status
    print(
        f"job: {done} instances in {wall:.2f} s wall ({done / wall:.0f}/s); "
        f"status {status}, moved {moved}, refused {refused}"
    )
    print(
        f"per instance: median {median(per_instance):.1f} ms, p95 {percentile(per_instance, 95):.1f} ms, "
        f"p99 {percentile(per_instance, 99):.1f} ms, max {max(per_instance):.1f} ms"
    )
    services.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
