"""Run every benchmark in bench/ in turn (`make bench`). Each prints its own figures; none asserts.

    .venv/bin/python bench/run_all.py [ARGS...]      # ARGS go to every benchmark, e.g. --seconds 10

A benchmark is any bench/*.py module other than this one and __init__; each runs as
`python -m bench.<name>` from the repository root, in its own process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SKIP = {"__init__", "run_all"}


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in SKIP and not p.stem.startswith("_"))
    failed = []
    for name in names:
        print(f"\n###### bench.{name} " + "#" * max(0, 68 - len(name)), flush=True)
        began = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *argv], cwd=ROOT)
        print(f"###### bench.{name}: exit {code}, {time.perf_counter() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
