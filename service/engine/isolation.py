"""Engine processes: every script, condition, timer and `due` expression runs in a child process whose
limits the operating system enforces.

A tracer-based time limit cannot contain a hostile script (a C-stack overflow kills the process, an
exception raised in a generator's finalizer is swallowed, one C call cannot be interrupted, and a
doubling string takes gigabytes in a second — measured, see docs/decisions/0008). So each command runs
whole — load, advance, evaluate, dump — in a pre-started child process (`python -m service.engine.child`), with
RLIMIT_AS (memory), RLIMIT_CPU (CPU seconds for this command) and a wall-clock deadline kept by the
parent, which kills and replaces the child on any breach. The parent thread waits on a pipe, so it
holds neither the GIL nor a database transaction meanwhile: other requests go on.

A breach is reported as an `EngineOutcome` with an error naming the element that was running (the
child writes it to shared memory before each step) and the limit — never as an exception.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import mmap
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from service.errors import Unavailable

from .commands import EngineOutcome, EngineRequest, execute
from .errors import DefinitionInvalid, ExecutionFailed
from .runtime import StepLimits

log = logging.getLogger(__name__)
ELEMENT_BYTES = 512
STARTUP_SECONDS = 60.0  # a new child imports the engine; generous, for a loaded machine
ACQUIRE_SECONDS = 30.0  # a command that finds every engine process busy this long gets 503


@dataclass(frozen=True)
class EngineLimits:
    script_seconds: float = 1.0  # one script or expression (the sandbox's tracer; gives the clearest message)
    # A completion in a campaign with 1,200 live rectification items costs ~2 min of CPU and ~2 GB today
    # (SpiffWorkflow looks tasks up linearly across subprocesses while loading: O(n²)); the defaults
    # leave room for it. Issue 14's work on load cost is what will let them come down.
    cpu_seconds: int = 300  # CPU time of one command (RLIMIT_CPU)
    wall_seconds: float = 600.0  # elapsed time of one command, then the child is killed
    memory_mb: int = 4096  # address space a child may add to what it has after start-up (RLIMIT_AS)
    steps: StepLimits = field(default_factory=StepLimits)


@dataclass(frozen=True)
class EngineSetup:
    """How a child builds its engine: functions named "module:function", importable in the child."""

    helpers: str  # () -> mapping of script helper functions
    environment: str | None = None  # (payload) -> None: applies what the parent sends (the calendar)
    limits: EngineLimits = field(default_factory=EngineLimits)


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


# --- the child ------------------------------------------------------------------------------------
# A child is `python -m service.engine.child` on pipes: frames of pickled tuples, each one
# 4-byte length then the bytes. (Not multiprocessing: its fork server re-imports the parent's main
# module in every child, which for gunicorn or pytest is neither cheap nor harmless.)


def _send(stream: IO[bytes], message: object) -> None:
    blob = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!I", len(blob)) + blob)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(stream: IO[bytes]) -> Any:
    (size,) = struct.unpack("!I", _read_exactly(stream, 4))
    return pickle.loads(_read_exactly(stream, size))


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _serve(requests: IO[bytes], replies: IO[bytes], element: mmap.mmap) -> None:
    """The child's loop: the setup, then one request in, one outcome out, until the pipe closes."""
    from .parser import compile_definition
    from .runtime import ProcessEngine

    setup: EngineSetup = _receive(requests)
    limits = setup.limits

    def running(element_id: str, name: str) -> None:
        raw = f"{element_id}\t{name}".encode()[: ELEMENT_BYTES - 1]
        element[: len(raw) + 1] = raw + b"\0"

    engine = ProcessEngine(_resolve(setup.helpers)(), limits.script_seconds, limits.steps, on_element=running)
    apply_environment = _resolve(setup.environment) if setup.environment else None
    compiled: dict[str, Any] = {}
    ceiling = _address_space() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    _send(replies, "ready")
    while True:
        try:
            request, files, environment = _receive(requests)
        except EOFError:
            return
        element[:1] = b"\0"
        tainted = False
        try:
            if environment is not None and apply_environment is not None:
                apply_environment(environment)
            if files is not None:
                compiled[request.cache_key] = compile_definition(files)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            spent = int(usage.ru_utime + usage.ru_stime) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (spent + limits.cpu_seconds, resource.RLIM_INFINITY))
            outcome = execute(engine, compiled[request.cache_key], request)
        except DefinitionInvalid as exc:
            outcome = EngineOutcome.failed(ExecutionFailed(exc.message))
        except (MemoryError, RecursionError) as exc:
            tainted = True  # the interpreter may be in a poor state: the parent replaces this child
            outcome = EngineOutcome.failed(ExecutionFailed(_limit_message(_current(element), type(exc).__name__)))
        except Exception as exc:  # noqa: BLE001 - an engine bug must not kill the child silently
            log.exception("engine command failed")
            outcome = EngineOutcome.failed(ExecutionFailed(f"流程引擎内部错误（{type(exc).__name__}）"))
        error = outcome.record.error
        tainted = tainted or (error is not None and "内存超出限制" in error.message)
        try:
            _send(replies, (outcome, tainted))
        except (MemoryError, ValueError, TypeError, pickle.PicklingError) as exc:
            failure = ExecutionFailed(f"流程结果过大，无法返回（{type(exc).__name__}）")
            _send(replies, (EngineOutcome.failed(failure), True))
        if tainted:
            return


def _current(element: mmap.mmap) -> bytes:
    return bytes(element[:ELEMENT_BYTES]).split(b"\0", 1)[0]


def child_main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    element = mmap.mmap(int(os.environ["DUBAN_ENGINE_ELEMENT_FD"]), ELEMENT_BYTES)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the reply stream
    _serve(requests, replies, element)


_REASONS = {
    "MemoryError": "内存超出限制",
    "RecursionError": "递归层数超出限制",
    "cpu": "CPU 时间超出限制",
    "wall": "执行时间超出限制",
    "crash": "执行进程崩溃（可能是嵌套过深的数据或对象）",
}


def _limit_message(raw: bytes, reason: str, detail: str = "") -> str:
    element_id, _, name = raw.decode(errors="replace").partition("\t")
    where = f"环节“{name}”（{element_id}）" if element_id else "流程"
    return f"{where}{_REASONS.get(reason, reason)}{detail}，已停止执行"


def _element_id(raw: bytes) -> str:
    return raw.decode(errors="replace").partition("\t")[0]


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
        _send(self.requests, setup)
        self.known: set[str] = set()
        self.environment_stamp: object = None
        self.started = False

    def wait_ready(self, timeout: float) -> None:
        if not self.started:
            if not self.readable(timeout) or _receive(self.replies) != "ready":
                raise OSError("engine process did not start")
            self.started = True

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
    ) -> EngineOutcome:
        """Run one command in a child; `files` gives the definition's BPMN files if the child lacks them."""
        child = self._acquire()
        healthy = False
        try:
            payload_files = None if request.cache_key in child.known else dict(files())
            stamp, payload = environment if environment is not None else (None, None)
            payload = payload if stamp is not child.environment_stamp else None
            outcome, healthy = self._exchange(child, (request, payload_files, payload))
            if healthy:
                child.known.add(request.cache_key)
                child.environment_stamp = stamp
            return outcome
        finally:
            self._release(child, healthy)

    def _exchange(self, child: _Child, message: tuple[Any, ...]) -> tuple[EngineOutcome, bool]:
        limits = self.setup.limits
        try:
            child.wait_ready(STARTUP_SECONDS)
            deadline = time.monotonic() + limits.wall_seconds  # the command's time, not the start-up's
            _send(child.requests, message)
            if child.readable(deadline - time.monotonic()):
                outcome, tainted = _receive(child.replies)
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
        raw = _current(child.element)
        log.warning("engine process %s stopped: %s at %r", child.process.pid, reason, raw)
        error = ExecutionFailed(_limit_message(raw, reason, detail), _element_id(raw))
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
