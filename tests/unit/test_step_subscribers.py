"""The process core publishes each saved step to the subscribers wiring.py composes, in their order; a
subscriber that fails stops the rest and reaches the command (whose transaction then rolls back)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from service import wiring
from service.archives import use_cases as archive_use_cases
from service.campaigns import field_work, plans, rectification
from service.deadlines import extensions
from service.documents import campaign_publish
from service.ledger import projection
from service.notifications import hooks
from service.process import events
from service.process.context import ServiceContext


def _step() -> events.StepSaved:
    return events.StepSaved(
        instance=SimpleNamespace(process_key="supervision_item"),  # type: ignore[arg-type]
        data={},
        status="running",
        ready=(),
        new_tasks=(),
        open_tasks=(),
        timers_fired=(),
        completed_now=False,
        actor="dcs_li",
        now=datetime(2027, 3, 1, tzinfo=UTC),
    )


def test_the_composed_order_is_ledger_then_notifications_then_the_extension_decision() -> None:
    expected = (
        projection.on_step_saved,
        hooks.on_step_saved,
        campaign_publish.on_step_saved,
        plans.on_step_saved,
        field_work.on_step_saved,
        rectification.on_step_saved,
        archive_use_cases.on_step_saved,
        extensions.on_step_saved,
    )
    assert expected == wiring.STEP_SUBSCRIBERS


def test_publish_calls_every_subscriber_in_order_and_a_failure_stops_the_rest() -> None:
    calls: list[str] = []

    def first(uow: Any, ctx: Any, step: events.StepSaved) -> None:
        calls.append("first:" + step.actor)

    def failing(uow: Any, ctx: Any, step: events.StepSaved) -> None:
        calls.append("failing")
        raise RuntimeError("subscriber failed")

    def never(uow: Any, ctx: Any, step: events.StepSaved) -> None:
        calls.append("never")

    ctx = ServiceContext(engines=None, notify_config=None, subscribers=(first, failing, never))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="subscriber failed"):
        ctx.publish(None, _step())  # type: ignore[arg-type]
    assert calls == ["first:dcs_li", "failing"]


def test_the_extension_decision_ignores_steps_of_other_flows() -> None:
    # a step of another flow, even one that completes, reaches no deadline code (uow None would fail)
    step = _step()
    extensions.on_step_saved(None, None, step)  # type: ignore[arg-type]
    completed = events.StepSaved(**{**step.__dict__, "completed_now": True})
    extensions.on_step_saved(None, None, completed)  # type: ignore[arg-type]
