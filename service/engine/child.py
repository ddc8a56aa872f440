"""`python -m service.engine.child`: one engine process. It reads its setup, applies the memory limit,
then runs one command per request frame under a fresh CPU limit, until its pipe closes (isolation.py)."""

from __future__ import annotations

import logging
import mmap
import os
import pickle
import resource
import signal
import sys
from typing import IO, Any

from service.engine.commands import EngineOutcome, execute
from service.engine.errors import DefinitionInvalid, ExecutionFailed
from service.engine.protocol import (
    ELEMENT_BYTES,
    EngineSetup,
    current_element,
    limit_message,
    receive,
    resolve,
    send,
    write_element,
)
from service.serving.heap import freeze_long_lived

log = logging.getLogger(__name__)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _serve(requests: IO[bytes], replies: IO[bytes], element: mmap.mmap) -> None:
    """The child's loop: the setup, then one request in, one outcome out, until the pipe closes."""
    from service.engine.parser import compile_definition
    from service.engine.runtime import ProcessEngine

    setup: EngineSetup = receive(requests)
    limits = setup.limits

    def running(element_id: str, name: str) -> None:
        write_element(element, element_id, name)

    engine = ProcessEngine(resolve(setup.helpers)(), limits.script_seconds, limits.steps, on_element=running)
    apply_environment = resolve(setup.environment) if setup.environment else None
    compiled: dict[str, Any] = {}
    frozen = freeze_long_lived()  # the engine's imports: no full collection walks them again (service/serving/heap.py)
    ceiling = _address_space() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    send(replies, ("ready", frozen))
    while True:
        try:
            request, files, environment, *rest = receive(requests)
            target_files = rest[0] if rest else None
        except EOFError:
            return
        element[:1] = b"\0"
        tainted = False
        try:
            if environment is not None and apply_environment is not None:
                apply_environment(environment)
            if files is not None:
                compiled[request.cache_key] = compile_definition(files)
            if target_files is not None and request.target_key is not None:
                compiled[request.target_key] = compile_definition(target_files)
            if files is not None or target_files is not None:
                freeze_long_lived()  # a compiled spec is kept as long as the process: frozen with the rest
            usage = resource.getrusage(resource.RUSAGE_SELF)
            spent = int(usage.ru_utime + usage.ru_stime) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (spent + limits.cpu_seconds, resource.RLIM_INFINITY))
            target = compiled.get(request.target_key) if request.target_key is not None else None
            outcome = execute(engine, compiled[request.cache_key], request, target)
        except DefinitionInvalid as exc:
            outcome = EngineOutcome.failed(ExecutionFailed(exc.message))
        except (MemoryError, RecursionError) as exc:
            tainted = True  # the interpreter may be in a poor state: the parent replaces this child
            outcome = EngineOutcome.failed(ExecutionFailed(limit_message(current_element(element), type(exc).__name__)))
        except Exception as exc:  # noqa: BLE001 - an engine bug must not kill the child silently
            log.exception("engine command failed")
            outcome = EngineOutcome.failed(ExecutionFailed(f"流程引擎内部错误（{type(exc).__name__}）"))
        error = outcome.record.error
        tainted = tainted or (error is not None and "内存超出限制" in error.message)
        try:
            send(replies, (outcome, tainted))
        except (MemoryError, ValueError, TypeError, pickle.PicklingError) as exc:
            failure = ExecutionFailed(f"流程结果过大，无法返回（{type(exc).__name__}）")
            send(replies, (EngineOutcome.failed(failure), True))
        if tainted:
            return


def child_main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    element = mmap.mmap(int(os.environ["DUBAN_ENGINE_ELEMENT_FD"]), ELEMENT_BYTES)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the reply stream
    _serve(requests, replies, element)


if __name__ == "__main__":
    child_main()
