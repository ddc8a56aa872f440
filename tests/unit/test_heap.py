"""The serving processes freeze their start-up heap out of the full garbage collections (service/serving/heap.py):
what is already garbage is collected first, what is alive is frozen, and gunicorn's worker hook does it."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.serving.heap import freeze_long_lived

ROOT = Path(__file__).resolve().parents[2]


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_garbage_is_collected_and_the_living_are_frozen(unfrozen: None) -> None:
    garbage, alive = Node(), Node()
    dead = weakref.ref(garbage)
    del garbage
    frozen = freeze_long_lived()
    assert dead() is None  # collected, not frozen with the rest
    assert frozen == gc.get_freeze_count() > 0
    assert not any(o is alive for o in gc.get_objects())  # frozen objects are walked by no generation
    assert freeze_long_lived() >= frozen  # a later call adds to the permanent generation


def test_the_gunicorn_worker_hook_freezes_the_loaded_app() -> None:
    script = (
        "import gc, runpy; conf = runpy.run_path('gunicorn.conf.py');"
        "print(gc.get_freeze_count()); conf['post_worker_init'](None); print(gc.get_freeze_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out[0] == "0" and int(out[1]) > 1000
