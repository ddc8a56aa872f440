"""What a re-executed step is compared with (its checkpoint) and how a difference is reported."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.reexecution.history_plan import Step

TRUNCATE = 300  # characters of an expected / actual value in a report
FINAL_ONLY = "仅核对最终状态"


@dataclass
class Divergence:
    seq: int
    element_id: str
    message: str
    expected: Any = None
    actual: Any = None


@dataclass
class ReplayResult:
    instance_id: int
    consistent: bool
    steps_checked: int
    only_final: bool
    divergence: Divergence | None = None
    requests: int = 0  # engine round-trips

    def words(self) -> str:
        if self.consistent:
            return "一致" + (f"（{FINAL_ONLY}）" if self.only_final else "")
        d = self.divergence
        assert d is not None
        where = f"第 {d.seq} 号事件" + (f"（环节 {d.element_id}）" if d.element_id else "")
        return f"不一致：{where}{d.message}；应为 {_show(d.expected)}，实为 {_show(d.actual)}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= TRUNCATE else text[:TRUNCATE] + "…"


def short(value: Any) -> Any:
    """A value for the report: itself, or its JSON text cut at TRUNCATE characters."""
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return value if len(text) <= TRUNCATE else text[:TRUNCATE] + "…"


def status_after(op: str, observed: Mapping[str, Any], before: str | None) -> str:
    """The status the command gave the instance (service.process.progress.persist and the operations)."""
    if not observed["saved"]:
        return "error"
    if op in ("set_variable", "set_task_data"):
        return before or "running"
    if op == "migrate" and before not in (None, "running"):
        return str(before)  # a suspended instance stays suspended, one in error stays in error
    status = "error" if observed["error"] else ("completed" if observed["completed"] else "running")
    return "suspended" if status == "running" and before == "suspended" else status


def data_divergence(seq: int, element: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> Divergence:
    keys = sorted(k for k in expected.keys() | actual.keys() if expected.get(k, ...) != actual.get(k, ...))
    return Divergence(
        seq,
        element,
        f"流程数据不一致（{'、'.join(keys[:10])}{'等' if len(keys) > 10 else ''}）",
        short({k: expected[k] for k in keys if k in expected}),
        short({k: actual[k] for k in keys if k in actual}),
    )


def compare(step: Step, observed: Mapping[str, Any], status: str, expected_data: dict[str, Any]) -> Divergence | None:
    checkpoint = step.checkpoint
    assert checkpoint is not None
    p = checkpoint.payload or {}
    where = step.element_id
    if observed["data"] != expected_data:
        return data_divergence(step.seq, where, expected_data, observed["data"])
    for name, label in (("ready", "待办环节"), ("waiting", "等待中的定时器")):
        if sorted(p.get(name) or []) != observed[name]:
            return Divergence(step.seq, where, f"{label}不一致", sorted(p.get(name) or []), observed[name])
    if p.get("status") != status:
        return Divergence(step.seq, where, "状态不一致", p.get("status"), status)
    if "ready_data" in p and p["ready_data"] != observed["ready_data"]:  # absent in older checkpoints
        stored = {tuple(pair) for pair in p["ready_data"]}
        differing = sorted({e for e, _ in stored.symmetric_difference(tuple(x) for x in observed["ready_data"])})
        return Divergence(
            step.seq,
            where,
            f"待办任务中的数据不一致（{'、'.join(differing[:10])}）",
            p["ready_data"],
            observed["ready_data"],
        )
    return None
