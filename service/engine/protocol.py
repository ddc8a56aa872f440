"""What the service and its engine processes share: how a child is set up, the frames on its pipes
(4-byte length, then a pickled tuple), the page where it names the element it is running, and the
words for a limit that stopped it. See isolation.py (the parent side) and child.py (the child side)."""

from __future__ import annotations

import importlib
import mmap
import pickle
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from service.engine.limits import StepLimits

ELEMENT_BYTES = 512


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


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def send(stream: IO[bytes], message: object) -> None:
    blob = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!I", len(blob)) + blob)
    stream.flush()


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: IO[bytes]) -> Any:
    (size,) = struct.unpack("!I", read_exactly(stream, 4))
    return pickle.loads(read_exactly(stream, size))


def write_element(element: mmap.mmap, element_id: str, name: str) -> None:
    raw = f"{element_id}\t{name}".encode()[: ELEMENT_BYTES - 1]
    element[: len(raw) + 1] = raw + b"\0"


def current_element(element: mmap.mmap) -> bytes:
    return bytes(element[:ELEMENT_BYTES]).split(b"\0", 1)[0]


_REASONS = {
    "MemoryError": "内存超出限制",
    "RecursionError": "递归层数超出限制",
    "cpu": "CPU 时间超出限制",
    "wall": "执行时间超出限制",
    "crash": "执行进程崩溃（可能是嵌套过深的数据或对象）",
}


def limit_message(raw: bytes, reason: str, detail: str = "") -> str:
    element_id, _, name = raw.decode(errors="replace").partition("\t")
    where = f"环节“{name}”（{element_id}）" if element_id else "流程"
    return f"{where}{_REASONS.get(reason, reason)}{detail}，已停止执行"


def element_id_of(raw: bytes) -> str:
    return raw.decode(errors="replace").partition("\t")[0]
