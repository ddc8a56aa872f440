"""The suite-wide re-execution check (issue 13 point 2: "run it over every instance the test suite
finishes, and in CI"): before a test database is closed — the session's, and each module's own_database()
— every completed instance on it is re-executed (service.reexecution.replay) and a divergence fails the
run (tests/conftest.py: pytest_sessionfinish), with the list printed.

Bounded: at most DUBAN_REEXECUTE_MAX instances per database (default 400, the newest when there are more)
and DUBAN_REEXECUTE_SECONDS of re-execution per database (default 30; the instances are taken oldest
first, and those left when the time is up are counted as not checked — the output says how many).
DUBAN_REEXECUTE=0 turns the check off (a developer's quick run).
A test that tampers with a history on purpose names the instance with `expect_divergence`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from service.reexecution import replay

_EXPECTED: dict[int, set[int]] = {}  # id(services) → instance ids whose divergence a test caused


@dataclass
class Tally:
    databases: int = 0
    instances: int = 0
    skipped: int = 0  # beyond the bound
    seconds: float = 0.0
    divergences: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (seconds, which instance)


TALLY = Tally()


def enabled() -> bool:
    return os.environ.get("DUBAN_REEXECUTE", "1") != "0"


def expect_divergence(services: Any, instance_id: int) -> None:
    _EXPECTED.setdefault(id(services), set()).add(instance_id)


def check_database(services: Any, label: str) -> None:
    """Re-execute every completed instance of this database (within the bound); record what diverged."""
    if not enabled():
        return
    started = time.perf_counter()
    bound = int(os.environ.get("DUBAN_REEXECUTE_MAX", "400"))
    budget = float(os.environ.get("DUBAN_REEXECUTE_SECONDS", "30"))
    expected = _EXPECTED.pop(id(services), set())
    with services.uow() as uow:
        ids = [i for i in replay.all_ids(uow, status="completed") if i not in expected]
    if len(ids) > bound:
        TALLY.skipped += len(ids) - bound
        ids = ids[-bound:]
    checked = 0
    for instance_id in ids:
        if time.perf_counter() - started > budget:
            TALLY.skipped += len(ids) - checked
            break
        checked += 1
        began = time.perf_counter()
        with services.uow() as uow:
            try:
                result = replay.check(uow, services.ctx, instance_id)
            except Exception as exc:  # noqa: BLE001 - reported with the others, never hides the rest
                TALLY.divergences.append(f"{label} 实例 {instance_id}: 无法重新执行（{type(exc).__name__}: {exc}）")
                continue
        spent = time.perf_counter() - began
        TALLY.slowest = sorted([*TALLY.slowest, (spent, f"{label} 实例 {instance_id}（{result.steps_checked} 步）")])[
            -3:
        ]
        if not result.consistent:
            TALLY.divergences.append(f"{label} 实例 {instance_id}: {result.words()}")
    TALLY.databases += 1
    TALLY.instances += checked
    TALLY.seconds += time.perf_counter() - started


def summary() -> str:
    t = TALLY
    text = f"重新执行核对：{t.databases} 个测试数据库、{t.instances} 个已办结实例，用时 {t.seconds:.1f} 秒"
    if t.skipped:
        text += f"（超出每库上限，另有 {t.skipped} 个未核对）"  # DUBAN_REEXECUTE_MAX / _SECONDS
    text += f"，{len(t.divergences)} 个不一致" if t.divergences else "，全部一致"
    if t.slowest:
        text += "；最慢：" + "、".join(f"{which} {seconds:.2f} 秒" for seconds, which in reversed(t.slowest))
    return text
