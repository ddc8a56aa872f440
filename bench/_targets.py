"""The issue-14 targets a benchmark measured, each beside its same-run baseline, for `make bench`'s summary.

    from bench._targets import target
    target("完成任务吞吐 (16 客户端)", 104.2, ">=", 0.5 * raw_ops, "完成/秒", baseline=f"原始引擎 {raw_ops:.0f}/秒")

Prints one line at once, and — when run by bench/run_all.py (DUBAN_BENCH_TARGETS names a file) — appends
it as a JSON line there, so the run ends with one table per database of every target: measured, limit,
baseline, met or not. A benchmark only reports; it never fails on a missed target (that is the table's job).
"""

from __future__ import annotations

import json
import os
from typing import Literal

Comparison = Literal["<=", ">="]


_database: list[str] = []  # set by use_database: the database the benchmark runs on


def database_name(url: str | None) -> str:
    return "PostgreSQL" if url and url.startswith("postgresql") else "SQLite"


def use_database(url: str | None) -> None:
    """The database this benchmark measures (its URL), named in every target it reports."""
    _database[:] = [database_name(url)]


def target(
    name: str,
    measured: float,
    op: Comparison,
    limit: float,
    unit: str,
    *,
    baseline: str = "",
    database: str | None = None,
) -> bool:
    met = measured <= limit if op == "<=" else measured >= limit
    where = database or (_database[0] if _database else database_name(os.environ.get("DUBAN_BENCH_DATABASE_URL")))
    mark = "达标" if met else "未达标"
    print(
        f"TARGET [{where}] {name}: {measured:.4g} {unit} (目标 {op} {limit:.4g}) {mark}"
        + (f"；基线 {baseline}" if baseline else "")
    )
    path = os.environ.get("DUBAN_BENCH_TARGETS")
    if path:
        row = {"database": where, "name": name, "measured": measured, "op": op, "limit": limit, "unit": unit,
               "baseline": baseline, "met": met}  # fmt: skip
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return met


def summary(path: str) -> tuple[str, int]:
    """The table of every target in the file, and how many were missed."""
    rows = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as found:
            rows = [json.loads(line) for line in found if line.strip()]
    if not rows:
        return "(no targets were reported)", 0
    lines = ["| 数据库 | 目标 | 实测 | 要求 | 同次基线 | 结果 |", "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["database"] != "SQLite", r["name"])):
        mark = "达标" if r["met"] else "**未达标**"
        lines.append(
            f"| {r['database']} | {r['name']} | {r['measured']:.4g} {r['unit']} | {r['op']} {r['limit']:.4g} |"
            f" {r['baseline']} | {mark} |"
        )
    return "\n".join(lines), sum(1 for r in rows if not r["met"])
