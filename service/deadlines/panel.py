"""What the item page shows about the deadline: extensions, reminders, and which forms this user gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.access.principal import SUPERVISORS, UNIT_LANE, Principal
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.deadlines import checks, extensions, reminders
from service.deadlines.checks import ITEM_PROCESS


@dataclass
class DeadlinePanel:
    extensions: list[extensions.Extension]
    reminders: list[reminders.Reminder]
    may_extend: bool  # the lead unit's head, while the item is handled and nothing is pending
    may_remind: bool  # the office, while the item is handled
    errors: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def panel(uow: UnitOfWork, actor: Principal, item: ProcessInstance) -> DeadlinePanel | None:
    """None for anything but a supervised item (the caller has checked read access)."""
    if item.process_key != ITEM_PROCESS:
        return None
    data = item.data or {}
    handling = checks.is_handling(item)
    found = extensions.list_for_item(uow, actor, item.id)
    user = uow.users.by_username(actor.username)
    head_of_lead = (
        UNIT_LANE in actor.roles
        and user is not None
        and user.position == extensions.UNIT_HEAD
        and actor.unit_code == data.get("lead_unit")
    )
    return DeadlinePanel(
        extensions=found,
        reminders=reminders.list_for_item(uow, item.id),
        may_extend=handling and head_of_lead and not any(e.result == "pending" for e in found),
        may_remind=handling and bool(actor.roles & SUPERVISORS),
    )
