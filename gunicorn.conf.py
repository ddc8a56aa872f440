"""gunicorn's settings for duban, read from the directory gunicorn starts in; command-line options win.

Measured on 2 cores (docs/performance.md, issue 14): one request at a time per process (gunicorn's sync
worker, the default) and cores + 1 processes served the most completions with the lowest p99, on SQLite
and on PostgreSQL — threads of one process contend for its interpreter lock, and a kept-alive connection
ties a client to one process however busy it is. Serve behind a buffering proxy (nginx) so that slow
clients never hold a worker.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)
# A worker waits on its engine process while a command runs; gunicorn must not kill it as stuck before
# the engine's own wall-clock limit answers with a clear error (DUBAN_ENGINE_WALL_SECONDS, default 600).
timeout = int(float(os.environ.get("DUBAN_ENGINE_WALL_SECONDS", "600"))) + 60


def post_worker_init(worker: object) -> None:
    """The app is loaded: freeze its start-up heap out of the full garbage collections (service/serving/heap.py)."""
    from service.serving.heap import freeze_long_lived

    freeze_long_lived()
