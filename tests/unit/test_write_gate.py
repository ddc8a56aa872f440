"""Issue 14 point 1: SQLite writers queue at one gate — the threads of a process at its lock, the processes on
one database file at an flock beside it — so a second gunicorn process no longer polls SQLite's busy handler.
A holder that is killed lets the others in; a wait that runs out goes on to SQLite's own lock."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.db.write_gate import WriteGate

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from service.db.write_gate import WriteGate
gate = WriteGate(sys.argv[1])
assert gate.acquire(5) and gate.holds_file
print("held", flush=True)
sys.stdin.readline()
gate.release()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture()
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Another process on the same database file, holding the gate until told to let go."""
    database = str(tmp_path / "duban.sqlite3")
    command = [sys.executable, "-c", HOLDER, database]
    with subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        try:
            yield proc, database
        finally:
            proc.kill()
            proc.wait(timeout=10)


def test_a_process_waits_for_the_one_holding_the_gate(holder: tuple[subprocess.Popen[str], str]) -> None:
    proc, database = holder
    gate = WriteGate(database)
    # While the other process holds it, the wait runs out: the writer goes on to SQLite's own lock.
    assert gate.acquire(0.05) and not gate.holds_file
    gate.release()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "released"
    assert gate.acquire(5) and gate.holds_file
    gate.release()


def test_a_killed_holder_lets_the_others_in(holder: tuple[subprocess.Popen[str], str]) -> None:
    proc, database = holder
    proc.kill()
    proc.wait(timeout=10)
    gate = WriteGate(database)
    assert gate.acquire(5) and gate.holds_file
    gate.release()


def test_the_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    gate = WriteGate(str(tmp_path / "duban.sqlite3"))
    assert gate.acquire(5)
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(gate.acquire(0.05)))
    waiter.start()
    waiter.join()
    assert outcome == [False]  # the first still holds it
    gate.release()
    assert gate.acquire(5) and gate.holds_file
    gate.release()


def test_a_database_in_memory_has_only_the_threads_lock() -> None:
    gate = WriteGate(None)
    assert gate.acquire(5) and not gate.holds_file
    gate.release()
