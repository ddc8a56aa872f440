"""The queue for SQLite's one write lock: the threads of a process and the processes on one database file.

Left to SQLite, a writer that finds the lock taken polls in its busy handler with sleeps of up to 100 ms;
under 16 threads that, not the work, made the p99 (decision 0026), and two gunicorn processes on one file
still met there. So a writer first takes the process's `threading.Lock` (threads queue in the order they
come and are woken the moment it is free), then an exclusive `flock` on a file beside the database, which
the kernel hands to the next process the moment the holder lets it go — or drops when the holder dies, so
a killed process never leaves the others waiting. Only then `BEGIN IMMEDIATE`, which finds SQLite's lock
free. A writer that waits longer than the timeout goes on to SQLite's own lock (its busy timeout), as
before the gate existed: the gate orders writers, it is not what keeps the data safe.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

# While the other process holds the file lock, a waiter tries again after these pauses (then every
# MAX_PAUSE): short, because the holder's transaction is a few milliseconds of work.
FIRST_PAUSE, MAX_PAUSE = 0.0002, 0.002


class WriteGate:
    def __init__(self, database_file: str | None) -> None:
        self._threads = threading.Lock()
        self._path = Path(f"{database_file}-writers.lock") if database_file else None
        self._fd: int | None = None
        self._pid = os.getpid()
        self._holds_file = False

    def acquire(self, timeout: float) -> bool:
        """True when this thread now holds the gate (then `release` it); False when the wait ran out."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            self._holds_file = self._lock_file(deadline)
        except OSError:  # the lock file cannot be made (a read-only directory): SQLite's lock alone
            self._holds_file = False
        return True

    @property
    def holds_file(self) -> bool:
        """Whether the holder also holds the file lock (False: SQLite's own lock orders it with other processes)."""
        return self._holds_file

    def release(self) -> None:
        try:
            if self._holds_file and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._holds_file = False
            self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        fd = self._file()
        if fd is None:
            return False
        pause = FIRST_PAUSE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # after a fork the descriptor is the parent's
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd
