"""Running the recorded inputs through an engine process: CHUNK inputs of one definition version a request,
a migration continuing in the next request on its target version."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.engine.commands import EngineOutcome, EngineRequest
from service.process.context import ServiceContext
from service.process.events import UNIT_KEYS
from service.reexecution.history_plan import Step

CHUNK = 100  # inputs per engine request: one item of 300 rounds is a handful of round-trips


def run_inputs(
    ctx: ServiceContext,
    steps: list[Step],
    version: int,
    keys: Mapping[int, str],
    files: Mapping[int, Mapping[str, bytes]],
) -> tuple[list[dict[str, Any]], int]:
    """Every input through the engine process, CHUNK at a time and one definition version a request."""
    observations: list[dict[str, Any]] = []
    state: str | None = None
    position, requests = 0, 0
    while position < len(steps):
        chunk: list[Step] = []
        target: int | None = None
        for step in steps[position : position + CHUNK]:
            chunk.append(step)
            if step.input is not None and step.input["op"] == "migrate":
                target = int(step.version) if step.version is not None else None
                break
        now = chunk[0].input["at"] if chunk[0].input else datetime.now(UTC)
        request = EngineRequest(
            op="reexecute",
            cache_key=keys[version],
            now=now,
            state=state,
            data={"inputs": [s.input for s in chunk], "unit_keys": UNIT_KEYS},
            target_key=keys[target] if target is not None else None,
        )
        outcome: EngineOutcome = ctx.run_engine(files[version], request, files[target] if target is not None else None)
        requests += 1
        if outcome.record.error is not None and not outcome.observations:  # the engine process itself failed
            observations.append(_failed(outcome.record.error.message))
            break
        observations.extend(outcome.observations)
        state = outcome.state
        if len(outcome.observations) < len(chunk):
            break  # the engine stopped at an input it could not run: reported there
        if target is not None:
            if not outcome.observations[-1]["saved"]:
                break  # the migration did not happen again: reported there
            version = target
        position += len(chunk)
    return observations, requests


def _failed(message: str) -> dict[str, Any]:
    return {
        "saved": False,
        "data": {},
        "ready": [],
        "waiting": [],
        "completed": False,
        "error": message,
        "missing_task": None,
    }
