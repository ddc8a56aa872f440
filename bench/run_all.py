"""Run every benchmark in bench/ (`make bench`), on SQLite and on a throwaway PostgreSQL, then print the table
of every target beside its same-run baseline. Each benchmark prints its own figures; none asserts.

    .venv/bin/python bench/run_all.py [--databases sqlite,postgresql] [--only completions,ledger] [ARGS...]

ARGS go to every benchmark (e.g. --seconds 10). A benchmark is any bench/*.py module other than this one,
__init__ and the `_` helpers; each runs as `python -m bench.<name>` from the repository root, in its own
process. On PostgreSQL each runs inside its own `scripts/with-postgres.sh` (a fresh cluster, deleted after),
with DUBAN_BENCH_DATABASE_URL pointing at it. Benchmarks that use no database run once.
The exit code is non-zero when a benchmark failed (not when a target was missed: the table says that).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._targets import summary  # noqa: E402 - run as a script: the repository root first

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SKIP = {"__init__", "run_all"}
NO_DATABASE = {"engine_isolation", "health_under_attack"}  # they measure the engine sandbox, not storage
WITH_POSTGRES = ["bash", str(ROOT / "scripts" / "with-postgres.sh"), "sh", "-c",
                 'DUBAN_BENCH_DATABASE_URL="$DUBAN_TEST_DATABASE_URL" exec "$@"', "sh"]  # fmt: skip


def _run(name: str, database: str, argv: list[str], env: dict[str, str]) -> int:
    print(f"\n###### bench.{name} [{database}] " + "#" * max(0, 60 - len(name)), flush=True)
    began = time.perf_counter()
    command = [sys.executable, "-m", f"bench.{name}", *argv]
    if database == "postgresql":
        command = [*WITH_POSTGRES, *command]
    code = subprocess.call(command, cwd=ROOT, env=env)
    print(f"###### bench.{name} [{database}]: exit {code}, {time.perf_counter() - began:.0f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    args, rest = parser.parse_known_args(argv)
    names = sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in SKIP and not p.stem.startswith("_"))
    if args.only:
        names = [n for n in names if n in set(args.only.split(","))]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    targets = tempfile.NamedTemporaryFile(prefix="duban-targets-", suffix=".jsonl", delete=False)  # noqa: SIM115
    targets.close()
    env = {**os.environ, "DUBAN_BENCH_TARGETS": targets.name}
    env.pop("DUBAN_BENCH_DATABASE_URL", None)
    failed = []
    for database in databases:
        for name in names:
            if name in NO_DATABASE and database != databases[0]:
                continue
            if _run(name, database, rest, env) != 0:
                failed.append(f"{name} [{database}]")
    table, missed = summary(targets.name)
    os.unlink(targets.name)
    print("\n###### 目标与同次基线 (issue 14) " + "#" * 40)
    print(table)
    print(f"未达标 {missed} 项" if missed else "全部达标")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
