"""What a serving process holds from its start-up, taken out of the garbage collector's full passes.

A full collection walks every object the collector tracks. After start-up a service process holds about
190,000 (Flask, SQLAlchemy, the API schemas, the compiled forms) and an engine process about 120,000
(SpiffWorkflow and the compiled specs). Measured on the 2-core machine: 145–280 ms per full collection in
a service process, 84–90 ms in an engine process — and the request that happens to trigger one waits for
it. Those objects live as long as the process does, so `gc.freeze()` moves them to the permanent
generation, which no collection walks; the full passes then walk only what came later (decision 0030).

Only long-running serving processes call this (a gunicorn worker once the app is loaded, `duban serve`,
`duban worker`, an engine process after its set-up and after compiling a definition). Not `create_app`:
tests build hundreds of apps in one process, and a frozen app's reference cycles would never be freed.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect what is already garbage, then freeze everything left; returns how many objects are frozen
    in all (a second call adds what was created since the first)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
