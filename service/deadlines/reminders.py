"""催办: the office urges the units still handling an item. Each one produces a 催办通知 (.docx, kept as the
item's attachment), a `reminder_sent` history event and a notification to each unit.

A 催办 may set a date by which to finish (限期办结); it is printed on the notice and recorded, but the
item's deadline does not move: lateness is measured against the deadline (only an approved 延期 moves it).
The automatic reminders are the BPMN timers `remind_before_deadline` / `remind_overdue` (history
`timer_fired`); they are listed here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service import attachments, workdays
from service.access.principal import SUPERVISORS, UNIT_LANE, Principal
from service.config import Settings
from service.db.session import UnitOfWork
from service.deadlines import checks, notices
from service.documents.reminder_notice import ReminderNotice, build_reminder_notice
from service.errors import Conflict, Forbidden, InvalidInput
from service.process import history, names
from service.process.context import ServiceContext

AUTOMATIC = {names.REMIND_BEFORE_DEADLINE: "临期催办（自动）", names.REMIND_OVERDUE: "逾期催办（自动）"}


@dataclass(frozen=True)
class Reminder:
    at: datetime
    actor: str
    kind: str  # manual / automatic
    label: str
    details: dict[str, Any] = field(default_factory=dict)


def send(
    uow: UnitOfWork,
    ctx: ServiceContext,
    settings: Settings,
    actor: Principal,
    item_id: int,
    *,
    message: Any,
    units: Sequence[str] | None = None,
    new_deadline: Any = None,
) -> dict[str, Any]:
    """Send a manual 催办 and commit; returns the `reminder_sent` payload."""
    if not actor.roles & SUPERVISORS:
        raise Forbidden("只有督查室可以催办")
    item = checks.handling_item(uow, item_id, lock=True)
    handling = sorted(
        {t.unit_code for t in uow.tasks.ready_for_instance(item.id) if t.lane == UNIT_LANE and t.unit_code}
    )
    if not handling:
        raise Conflict("当前没有承办单位在办理，无需催办")
    chosen = list(dict.fromkeys(units)) if units else handling
    strangers = [u for u in chosen if u not in handling]
    if strangers:
        raise InvalidInput("只能催办正在办理的单位", {"errors": {"units": [f"不在办理中：{'、'.join(strangers)}"]}})
    text = checks.text("message", message, "催办要求")
    now = ctx.now()
    today = now.astimezone(workdays.SHANGHAI).date()
    deadline = workdays.as_date(str(item.data["deadline"]))
    limit = None
    if new_deadline not in (None, ""):
        limit = checks.parse_date("new_deadline", new_deadline, after=today, after_text="今天")
    overdue = workdays.workdays_between(deadline, today) if today > deadline else 0
    number = len(uow.deadlines.events(item.id, ["reminder_sent"])) + 1
    names = uow.units.names()
    notice = ReminderNotice(
        business_number=item.business_number,
        title=item.title,
        unit_names=[names.get(u, u) for u in chosen],
        original_deadline=deadline,
        days_overdue=overdue,
        new_deadline=limit,
        message=text,
        issued_at=now,
        issued_by=actor.display_name,
        reminder_no=number,
        days_left=workdays.workdays_between(today, deadline) if deadline > today else 0,
        near_days=settings.yellow_workdays,
    )
    filename = f"催办通知-{item.business_number}-第{number}次.docx"
    kept = attachments.keep_generated(
        uow, settings, item.id, filename, build_reminder_notice(notice), actor.username, now
    )
    payload = {
        "reminder_no": number,
        "units": chosen,
        "message": text,
        "original_deadline": deadline.isoformat(),
        "days_overdue": overdue,
        "new_deadline": limit.isoformat() if limit else None,
        "attachment_id": kept.id,
    }
    history.append(uow, item.id, "reminder_sent", actor.username, now, payload)
    extra = f"，请于 {limit.isoformat()} 前办结" if limit else ""
    for unit in chosen:
        notices.tell_unit(uow, ctx, item, unit, f"催办通知（第{number}次）", f"{text}{extra}", kind="reminder")
    uow.commit()
    return payload


def list_for_item(uow: UnitOfWork, item_id: int) -> list[Reminder]:
    """Manual and automatic reminders of the item, oldest first (the caller checked read access)."""
    found = []
    for event in uow.deadlines.events(item_id, ["reminder_sent", "timer_fired"]):
        payload = dict(event.payload or {})
        if event.kind == "reminder_sent":
            found.append(Reminder(event.at, event.actor, "manual", f"第{payload.get('reminder_no')}次催办", payload))
        elif payload.get("element_id") in AUTOMATIC:
            found.append(Reminder(event.at, event.actor, "automatic", AUTOMATIC[payload["element_id"]], payload))
    return found
