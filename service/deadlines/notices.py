"""Telling a unit about its item's deadline (延期 outcome, 催办) through the notification outbox."""

from __future__ import annotations

from service import notifications
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.process.context import ServiceContext


def tell_unit(
    uow: UnitOfWork,
    ctx: ServiceContext,
    item: ProcessInstance,
    unit: str,
    title: str,
    body: str,
    kind: str = "extension",
) -> int:
    text = f"{item.business_number}《{item.title}》" + (f"：{body}" if body else "")
    return notifications.notify_unit(
        uow,
        ctx,
        unit_code=unit,
        kind=kind,
        title=title,
        body=text,
        link=f"/items/{item.id}",
        instance_id=item.id,
        now=ctx.now(),
    )
