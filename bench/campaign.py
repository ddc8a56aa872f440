"""A campaign with 1,200 rectification items: what one completion costs there, and whether every ready
task is found.

    .venv/bin/python -m bench.campaign [--items 1200] [--sample 40] [--database-url URL]

Each rectification item is its own `supervision_item` instance (decision 0011). The campaign is driven
through its flow over HTTP (Flask's test client, in process) up to 发布通报, the background pass creates the
items, then: every unit's 待办 is counted against the problems assigned to it, and `--sample` items spread
over the whole campaign are completed through the use case (`tasks.complete`: 办理 by the unit, then 审核
returned by 督查室, as in bench.completions), each timed beside the raw engine's load -> complete -> dump on
the very same stored state. It prints figures and never asserts timings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._targets import target, use_database
from bench.completions import HANDLE, OFFICE, RETURN, UNITS, RawEngine, UseCases, median, percentile, section


def build(database_url: str, workdir: Path) -> Any:
    from tests.conftest import START, FakeClock, build_test_services

    return build_test_services(database_url, workdir, FakeClock(START))  # the tests' clock: plans are dated


def run(database_url: str, workdir: Path, items: int, sample: int) -> None:
    from service.campaigns import rectification
    from tests.api_helpers import Actor
    from tests.campaign_helpers import INSPECTION_PLAN, campaign_on_plan
    from tests.campaign_helpers import problems as found_problems
    from tests.conftest import make_app, token_cache

    section("setup")
    began = time.perf_counter()
    services = build(database_url, workdir)
    app = make_app(services)
    client = app.test_client()
    tokens = token_cache(app)
    print(f"database           {services.db.url.render_as_string(hide_password=True)} ({services.db.dialect.name})")
    print(f"migrated, demo data, processes deployed in {time.perf_counter() - began:.1f} s")

    section(f"a campaign with {items:,} rectification items")
    office = Actor(client, tokens[OFFICE])
    began = time.perf_counter()
    title = "大规模整改督查"
    iid = campaign_on_plan(client, tokens, title, {"title": title})  # the tests' set-up (tests/campaign_helpers.py)
    office.do(iid, "inspection_plan", INSPECTION_PLAN)
    problems = found_problems(items, UNITS)
    office.do(iid, "field_inspection", {"sites_visited": "全县", "problems_found": problems})
    office.do(iid, "inspection_feedback", {"feedback": "已当场反馈", "feedback_units": UNITS})
    office.do(iid, "group_report", {"report": "报告内容"})
    office.do(iid, "comprehensive_report", {"report": "报告内容"})
    Actor(client, tokens["dcld"]).do(iid, "leader_review", {"review_decision": "approve"})
    office.do(iid, "publish_bulletin", {"bulletin_title": "整改通报"})
    print(f"campaign driven to 发布通报 in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    made = rectification.spawn_pending(services.uow, services.ctx, iid, most=items * 2)
    print(f"{made:,} items created by the background pass in {time.perf_counter() - began:.1f} s")

    listing = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500}).get_json()
    total, page, linked = listing["total"], 1, []
    while len(linked) < total:
        got = office.get(
            f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500, "page": page}
        ).get_json()["items"]
        if not got:
            break
        linked += [int(r["item_id"]) for r in got if r["item_id"]]
        page += 1
    print(f"items linked       {len(linked):,} of {items:,}")

    section("every ready task found")
    expected = {u: sum(1 for p in problems if p["unit"] == u) for u in UNITS}
    missing = 0
    for unit in UNITS:
        answer = Actor(client, tokens[f"{unit}_ll"]).get("/tasks", query_string={"per_page": 1}).get_json()
        found = answer["total"]
        missing += max(0, expected[unit] - found)
        print(f"{unit:<10} 待办 {found:>5}  (problems assigned {expected[unit]:>4})")
    with services.uow() as uow:
        ready_items = {
            t.instance_id for t in uow.tasks.search(state="ready", limit=100_000)[0] if t.element_id == "handle"
        }
    in_campaign = len(set(linked) & ready_items)
    print(f"items with 办理 ready: {in_campaign:,} of {len(linked):,};  units short of their problems: {missing}")

    section(f"completions in the campaign: {sample} items spread over it, 办理 then 审核 (returned)")
    cases = UseCases(services)
    raw = RawEngine()
    step = max(1, len(linked) // max(1, sample))
    picked = linked[::step][:sample]
    service_ms: list[float] = []
    engine_ms: list[float] = []
    for item in picked:
        for element in ("handle", "review"):
            task_id, ready = cases.ready(item)
            if ready != element:
                raise RuntimeError(f"item {item}: expected {element} ready, found {ready}")
            with services.uow() as uow:
                unit = uow.tasks.get(task_id).unit_code
            username, data = (f"{unit}_ll", HANDLE) if element == "handle" else (OFFICE, RETURN)
            state = cases.state(item)
            _, _, ms = raw.step(state, task_id, data)
            engine_ms.append(ms)
            t = time.perf_counter()
            cases.complete_id(task_id, username, data)
            service_ms.append((time.perf_counter() - t) * 1000)
    print(
        f"service ms         median {median(service_ms):.2f}   p95 {percentile(service_ms, 95):.2f}   "
        f"max {max(service_ms):.2f}   ({len(service_ms)} completions)"
    )
    print(f"engine ms          median {median(engine_ms):.2f}   p95 {percentile(engine_ms, 95):.2f}  (same states)")
    print(f"service ÷ engine   {median(service_ms) / median(engine_ms):.1f}")
    base = f"原始引擎 {median(engine_ms):.1f} ms（同一状态）"
    target(f"{items} 项整改的督查中一次完成的服务耗时", median(service_ms), "<=", 20.0, "ms", baseline=base)
    target(f"{items} 项整改中找不到的待办", float(len(linked) - in_campaign + missing), "<=", 0.0, "个", baseline=base)
    campaign_state(services, iid, raw)
    services.db.dispose()


def campaign_state(services: Any, iid: int, raw: RawEngine) -> None:
    """Load -> dump of the campaign's own state (it keeps the problem list), now and as before 0026."""
    import json

    from service.engine.parser import compile_definition
    from service.engine.runtime import ProcessEngine
    from service.engine.state_codec import SERIALIZER as _SERIALIZER

    with services.uow() as uow:
        instance = uow.instances.get(iid)
        files, state = services.ctx.definition_files(uow, instance.definition), instance.state
    compiled = compile_definition(files)
    engine = raw.engine
    fresh = _SERIALIZER.to_dict(type(engine.new_workflow(compiled, {}))(compiled.spec, compiled.subprocess_specs))
    spec_json = ProcessEngine._encode({k: fresh[k] for k in ("spec", "subprocess_specs")})
    now_ms: list[float] = []
    before_ms: list[float] = []
    for _ in range(5):
        t = time.perf_counter()
        engine.dump(engine.load(compiled, state, "campaign"), "campaign")
        now_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        dct = json.loads(spec_json[:-1] + "," + state[1:], cls=_SERIALIZER.json_decoder_cls)
        dct.pop(_SERIALIZER.VERSION_KEY, None)
        full = _SERIALIZER.to_dict(_SERIALIZER.from_dict(dct))
        for key in ("spec", "subprocess_specs"):  # the old dump: convert the spec, drop it, encode the rest
            full.pop(key, None)
        ProcessEngine._encode(full)
        before_ms.append((time.perf_counter() - t) * 1000)
    section("the campaign's own state")
    print(
        f"state {len(state.encode()) / 1024:.0f} KB: load -> dump median {median(now_ms):.1f} ms "
        f"(before 0026: {median(before_ms):.1f} ms, same run)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.campaign", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1200, help="rectification items (default 1200)")
    parser.add_argument("--sample", type=int, default=40, help="items completed and timed (default 40)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
        help="default: DUBAN_BENCH_DATABASE_URL, else a fresh SQLite file; a PostgreSQL database is emptied first",
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="duban-bench-campaign-"))
    try:
        url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        use_database(url)
        run(url, workdir, args.items, args.sample)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
