"""`python -m tests.crash.shifted_clock ARGS...` runs `duban ARGS...` with the service's clock moved forward.

The offset (seconds, may be fractional) comes from CRASH_TEST_CLOCK_OFFSET_SECONDS. It goes where the
project's own tests put their fake clock — the service context's injectable `clock` — so a `duban worker`
started this way sees reminder timers due that the web process, on the real clock, does not: the timers
are fired by the worker under test and by nothing else.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import service.cli as cli

OFFSET_VARIABLE = "CRASH_TEST_CLOCK_OFFSET_SECONDS"


def main(argv: list[str]) -> int:
    offset = timedelta(seconds=float(os.environ[OFFSET_VARIABLE]))
    build = cli.build_services

    def shifted(*args: Any, **kwargs: Any) -> Any:
        services = build(*args, **kwargs)
        if not hasattr(services.ctx, "clock"):
            raise SystemExit("service context has no injectable clock any more: update tests/crash/shifted_clock.py")
        services.ctx.clock = lambda: datetime.now(UTC) + offset
        return services

    cli.build_services = shifted  # type: ignore[assignment]
    return int(cli.main(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
