"""Timer values → aware datetimes, for the instance's next-wake column."""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from service.workdays import SHANGHAI


def parse_timer_value(value: object) -> datetime | None:
    """A timer's stored event value (ISO datetime, or cycle/duration) as UTC; None if unknown."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                result = TimerEventDefinition.parse_time_or_duration(value)
            except Exception:  # noqa: BLE001 - an unparseable timer simply has no wake time
                return None
            if not isinstance(result, datetime):
                return None
            parsed = result
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)  # our helpers always write +08:00; be safe anyway
    return parsed.astimezone(UTC)
