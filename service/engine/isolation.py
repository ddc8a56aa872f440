"""Engine processes: every script, condition, timer and `due` expression runs in a child process whose
limits the operating system enforces.

A tracer-based time limit cannot contain a hostile script (a C-stack overflow kills the process, an
exception raised in a generator's finalizer is swallowed, one C call cannot be interrupted, and a
doubling string takes gigabytes in a second — measured, see docs/decisions/0009). So each command runs
whole — load, advance, evaluate, dump — in a pre-started child process (`python -m service.engine.child`), with
RLIMIT_AS (memory), RLIMIT_CPU (CPU seconds for this command) and a wall-clock deadline kept by the
parent, which kills and replaces the child on any breach. The parent thread waits on a pipe, so it
holds neither the GIL nor a database transaction meanwhile: other requests go on.

A breach is reported as an `EngineOutcome` with an error naming the element that was running (the
child writes it to shared memory before each step) and the limit — never as an exception.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from service.engine.commands import EngineOutcome, EngineRequest
from service.engine.errors import ExecutionFailed
from service.engine.protocol import (
    ELEMENT_BYTES,
    EngineSetup,
    current_element,
    element_id_of,
    limit_message,
    receive,
    send,
)
from service.errors import Unavailable

log = logging.getLogger(__name__)
STARTUP_SECONDS = 60.0  # a new child imports the engine; generous, for a loaded machine
ACQUIRE_SECONDS = 30.0  # a command that finds every engine process busy this long gets 503


# --- the parent -----------------------------------------------------------------------------------


class _Child:
    def __init__(self, setup: EngineSetup) -> None:
        self.element_file = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the child lives
        self.element_file.write(b"\0" * ELEMENT_BYTES)
        self.element_file.flush()
        fd = self.element_file.fileno()
        self.element = mmap.mmap(fd, ELEMENT_BYTES)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.engine.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(fd,),
            env={**os.environ, "DUBAN_ENGINE_ELEMENT_FD": str(fd)},
            start_new_session=True,  # a signal to the service's process group is the service's own
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests, self.replies = self.process.stdin, self.process.stdout
        send(self.requests, setup)
        self.known: set[str] = set()
        self.environment_stamp: object = None
        self.started = False
        self.frozen_objects = 0  # its start-up heap, out of the full garbage collections (service/serving/heap.py)

    def wait_ready(self, timeout: float) -> None:
        if not self.started:
            reply = receive(self.replies) if self.readable(timeout) else None
            if not (isinstance(reply, tuple) and reply[:1] == ("ready",)):
                raise OSError("engine process did not start")
            self.started, self.frozen_objects = True, int(reply[1])

    def readable(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.replies], [], [], max(0.0, timeout))
        return bool(ready)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        for stream in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                stream.close()
        self.element.close()
        self.element_file.close()


class EnginePool:
    """Pre-started engine processes, shared by the threads of one service process."""

    def __init__(self, setup: EngineSetup, size: int = 2) -> None:
        self.setup, self.size = setup, max(1, size)
        self._idle: list[_Child] = []
        self._started = 0
        self._cond = threading.Condition()
        self._closed = False
        self._pid = os.getpid()

    def _forget_if_forked(self) -> None:
        """After a fork (gunicorn --preload) the children and their pipes are the parent's: start anew."""
        if self._pid != os.getpid():
            self._pid, self._idle, self._started = os.getpid(), [], 0

    def warm(self) -> None:
        """Start every child now rather than on first use (`duban serve`, `duban worker`)."""
        with self._cond:
            self._forget_if_forked()
            while self._started < self.size:
                self._idle.append(_Child(self.setup))
                self._started += 1
            self._cond.notify_all()

    def run(
        self,
        request: EngineRequest,
        files: Callable[[], Mapping[str, bytes]],
        environment: tuple[object, Any] | None = None,
        target_files: Callable[[], Mapping[str, bytes]] | None = None,
    ) -> EngineOutcome:
        """Run one command in a child; `files` gives the definition's BPMN files if the child lacks them,
        `target_files` those of the version a "plan" or "migrate" moves to (`request.target_key`)."""
        child = self._acquire()
        healthy = False
        try:
            payload_files = None if request.cache_key in child.known else dict(files())
            stamp, payload = environment if environment is not None else (None, None)
            payload = payload if stamp is not child.environment_stamp else None
            target = request.target_key
            target_payload = None
            if target is not None and target not in child.known and target_files is not None:
                target_payload = dict(target_files())
            outcome, healthy = self._exchange(child, (request, payload_files, payload, target_payload))
            if healthy:
                child.known.add(request.cache_key)
                if target is not None:
                    child.known.add(target)
                child.environment_stamp = stamp
            return outcome
        finally:
            self._release(child, healthy)

    def _exchange(self, child: _Child, message: tuple[Any, ...]) -> tuple[EngineOutcome, bool]:
        limits = self.setup.limits
        try:
            child.wait_ready(STARTUP_SECONDS)
            deadline = time.monotonic() + limits.wall_seconds  # the command's time, not the start-up's
            send(child.requests, message)
            if child.readable(deadline - time.monotonic()):
                outcome, tainted = receive(child.replies)
                return outcome, not tainted
            reason, detail = "wall", f"（{limits.wall_seconds:g} 秒）"
        except Exception:  # noqa: BLE001 - a pipe that broke or a reply that cannot be read: the child is gone
            child.process.kill()
            try:
                code = child.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            reason = "cpu" if code == -signal.SIGXCPU else "crash"
            detail = f"（{limits.cpu_seconds} 秒）" if reason == "cpu" else ""
            if code == -signal.SIGKILL:
                reason, detail = "MemoryError", "（进程被系统终止）"
        raw = current_element(child.element)
        log.warning("engine process %s stopped: %s at %r", child.process.pid, reason, raw)
        error = ExecutionFailed(limit_message(raw, reason, detail), element_id_of(raw))
        return EngineOutcome.failed(error), False

    def _acquire(self) -> _Child:
        deadline = time.monotonic() + min(self.setup.limits.wall_seconds, ACQUIRE_SECONDS)
        with self._cond:
            self._forget_if_forked()
            while True:
                if self._closed:
                    raise Unavailable("流程引擎已停止")
                if self._idle:
                    return self._idle.pop()
                if self._started < self.size:
                    self._started += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Unavailable("流程引擎繁忙，请稍后重试")
                self._cond.wait(left)
        try:
            return _Child(self.setup)
        except BaseException:
            with self._cond:
                self._started -= 1
                self._cond.notify()
            raise

    def _release(self, child: _Child, healthy: bool) -> None:
        if not healthy:
            child.stop()
        with self._cond:
            if healthy and not self._closed:
                self._idle.append(child)
            else:
                self._started -= 1
                if healthy:
                    child.stop()
            self._cond.notify()

    def __del__(self) -> None:  # a pool dropped without close() still ends its children
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.stop()
