"""The replay of a long history: one page of steps, cold and warm, against folding the whole history once.

    .venv/bin/python -m bench.replay [--rounds 300] [--runs 10] [--database-url URL]

A fresh temporary SQLite database (or, with --database-url, a throwaway PostgreSQL one: its tables are
dropped first) is migrated, a two-task process deployed and one instance started; then `--rounds` return
rounds are appended to its history as the service writes them (task_completed, engine_steps, checkpoint
per completion, two completions a round), through service.process.history. Through the use case
(service.process.replay, a fresh unit of work per run, as a request would) it times: the first page, a
page at the end with nothing remembered (cold: folds from the start), the same page remembered (warm), and
every page in turn (as the slider reads them). Beside them, measured in the same run, the baseline: reading
the whole history and rebuilding the data after every checkpoint once. It prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.completions import build, median
from tests.migration_diagrams import FORM, FORM_FILE, diagram

KEY = "bench_replay"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from service.access.principal import AUDITOR, SYSTEM, Principal
    from service.engine.records import ReadyTask, task_data_digests
    from service.process import checkpoints, definitions, history, instances, replay

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    services = build(url, drop_existing=bool(args.database_url))
    ctx = services.ctx
    auditor = Principal("bench_auditor", "审计", frozenset({AUDITOR}), None)
    with services.uow() as uow:
        definitions.deploy(
            uow, ctx, SYSTEM, [(f"{KEY}.bpmn", diagram(KEY, ("register", "登记"), ("review", "审核"))),
                               (FORM_FILE, json.dumps(FORM).encode())]
        )  # fmt: skip
    with services.uow() as uow:
        iid = instances.start(uow, ctx, SYSTEM, KEY, {}).id

    began, at = time.perf_counter(), datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    data: dict[str, Any] = {}
    with services.uow() as uow:
        uow.begin_write()
        for n in range(args.rounds * 2):
            at += timedelta(minutes=1)
            element = ("register", "review")[n % 2]
            submitted = {
                "note": f"第{n // 2 + 1}轮",
                "round": n // 2 + 1,
                "results": [{"unit": "fgj", "returns": n // 2}],
            }
            history.append(
                uow, iid, "task_completed", "dcs_li", at, {"element_id": element, "task_id": f"t{n}", "data": submitted}
            )
            history.append(uow, iid, "engine_steps", "dcs_li", at, {"elements": [{"element_id": "f1", "name": ""}]})
            after = {**data, **submitted}
            waits = ("review", "register")[n % 2]
            ready = [ReadyTask(f"t{n + 1}", waits, waits, "lane_office", KEY, "note_form", None, {})]
            checkpoints.record(uow, iid, before=data, after=after, ready=ready, ready_data=task_data_digests(ready),
                               waiting=[], status="running", state=json.dumps(after), actor="dcs_li",
                               now=at)  # fmt: skip
            data = after
        uow.commit()
    setup = time.perf_counter() - began

    def ms(fn: Any, runs: int = args.runs, forget: bool = False) -> float:
        times = []
        for _ in range(runs):
            if forget:
                replay.forget()
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return median(times)

    def page(offset: int) -> Any:
        with services.uow() as uow:
            return replay.replay(uow, auditor, iid, offset, replay.MAX_LIMIT)

    def fold_all() -> None:
        with services.uow() as uow:
            for _ in checkpoints.data_after_each(uow.history.for_instance(iid)):
                pass

    total = page(0).total
    last = max(0, total - replay.MAX_LIMIT)  # the last full page
    print(f"database: {services.db.dialect.name}; {args.rounds} return rounds, {total} steps (setup {setup:.1f} s)")
    print(f"baseline, read the whole history and rebuild the data after every checkpoint: {ms(fold_all):.1f} ms")
    print(f"first page ({replay.MAX_LIMIT} steps), cold: {ms(lambda: page(0), forget=True):.1f} ms")
    print(f"last page, cold (folds from the start): {ms(lambda: page(last), forget=True):.1f} ms")
    page(last)
    print(f"last page, warm (from the state remembered): {ms(lambda: page(last)):.1f} ms")
    replay.forget()
    began = time.perf_counter()
    for offset in range(0, total, replay.MAX_LIMIT):
        page(offset)
    every = (time.perf_counter() - began) * 1000
    print(
        f"every page in turn, from nothing remembered: {every:.0f} ms "
        f"({every / max(1, -(-total // replay.MAX_LIMIT)):.1f} ms a page)"
    )
    services.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
