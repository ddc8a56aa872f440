"""Issue 14 point 1: the gunicorn settings the README serves with (gunicorn.conf.py, read from the directory
gunicorn starts in). A worker waiting on a long engine command must outlive the engine's own wall-clock
limit, so the request ends with the engine's clear error rather than a worker killed as stuck."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def resolved(**env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "DUBAN_ENGINE_WALL_SECONDS")}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    out = subprocess.run(
        [gunicorn, "--print-config", "service:create_app()"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    pairs = (line.split("=", 1) for line in out.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_workers_outlive_the_engine_wall_limit_and_serve_one_request_each() -> None:
    settings = resolved(DUBAN_ENGINE_WALL_SECONDS="20")
    assert settings["timeout"] == "80"
    assert settings["worker_class"] == "sync" and settings["threads"] == "1"
    assert settings["workers"] == str((os.cpu_count() or 1) + 1)
    assert resolved()["timeout"] == str(600 + 60)  # the engine's default limit


def test_web_concurrency_sets_the_number_of_processes() -> None:
    assert resolved(WEB_CONCURRENCY="5")["workers"] == "5"
