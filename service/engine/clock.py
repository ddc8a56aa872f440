"""An injectable clock for the engine's timers.

SpiffWorkflow's timer events read `datetime.now(timezone.utc)` from their own module. We swap that
module's `datetime` for a subclass whose `now()` asks a context variable, so the scheduler (and
tests) decide what time it is without sleeping or patching anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

from service.workdays import Clock, system_clock

_current: ContextVar[Clock] = ContextVar("duban_engine_clock", default=system_clock)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        value = _current.get()()
        return value.astimezone(tz) if tz is not None else value.astimezone().replace(tzinfo=None)


_timer_module.datetime = _ClockedDatetime  # type: ignore[misc]


@contextmanager
def engine_time(clock: Clock) -> Iterator[None]:
    """Run engine work (timers included) as if `clock()` were the time."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def engine_now() -> datetime:
    """The time engine work is running at (the injected clock, else the system's)."""
    return _current.get()()
