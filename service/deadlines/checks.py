"""Checks shared by 延期申请 and 催办: the item is a supervised item in handling; a date is valid."""

from __future__ import annotations

from datetime import date

from service import workdays
from service.db.models import ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, InvalidInput, NotFound
from service.process import names

ITEM_PROCESS = names.SUPERVISION_ITEM


def is_handling(item: ProcessInstance) -> bool:
    """Assigned (交办), with a deadline, and still running: what 延期 and 催办 need."""
    data = item.data or {}
    return item.status == "running" and bool(data.get("assigned_at")) and bool(data.get("deadline"))


def handling_item(uow: UnitOfWork, item_id: int, *, lock: bool = False) -> ProcessInstance:
    """The supervised item, which must be assigned (交办) and still running."""
    item = uow.instances.lock(item_id, with_state=True) if lock else uow.instances.get(item_id)
    if item is None or item.process_key != ITEM_PROCESS:
        raise NotFound(f"督办事项 {item_id} 不存在")
    if not is_handling(item):
        raise Conflict("该事项不在办理阶段", {"status": item.status})
    return item


def parse_date(field: str, value: object, *, after: date, after_text: str) -> date:
    """A YYYY-MM-DD working day later than `after`, else InvalidInput naming `field`."""
    try:
        day = date.fromisoformat(str(value or "")[:10])
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", {"errors": {field: ["日期格式应为 YYYY-MM-DD"]}}) from None
    if day <= after:
        message = f"须晚于{after_text}（{after.isoformat()}）"
        raise InvalidInput(message, {"errors": {field: [message]}})
    if not workdays.is_workday(day):
        message = f"{day.isoformat()} 不是工作日，请选择工作日"
        raise InvalidInput(message, {"errors": {field: [message]}})
    return day


def text(field: str, value: object, label: str, limit: int = 2000) -> str:
    cleaned = str(value or "").strip()
    if not cleaned:
        raise InvalidInput(f"请填写{label}", {"errors": {field: ["此项为必填项"]}})
    if len(cleaned) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 字", {"errors": {field: [f"不能超过 {limit} 字"]}})
    return cleaned
