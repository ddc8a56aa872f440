"""Ledger vocabulary: statuses, lights, sort orders, and their Chinese labels (shared by API and web pages)."""

from __future__ import annotations

from service.db.queries.ledger import SORTS
from service.workdays.lights import LIGHTS

REGISTERING, HANDLING, CLOSED, ERROR = "registering", "handling", "closed", "error"
# An item an administrator suspended (挂起) or withdrew (撤回): service.operations.
SUSPENDED, WITHDRAWN = "suspended", "withdrawn"
STATUSES = (REGISTERING, HANDLING, CLOSED, ERROR, SUSPENDED, WITHDRAWN)
STATUS_LABELS = {
    REGISTERING: "立项中",
    HANDLING: "办理中",
    CLOSED: "已销号",
    ERROR: "异常",
    SUSPENDED: "已挂起",
    WITHDRAWN: "已撤回",
}
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
NO_LIGHT_LABEL = "—"
SORT_KEYS = tuple(SORTS)
SORT_LABELS = {
    "registered_desc": "立项时间（新→旧）",
    "registered_asc": "立项时间（旧→新）",
    "deadline_asc": "办结时限（近→远）",
    "deadline_desc": "办结时限（远→近）",
    "number": "编号",
}
NO_LEAD_UNIT_LABEL = "（未指定牵头单位）"
# 重点督查 / 一般督查 (004 §三.2): the process data key `priority`; anything else counts as 一般.
PRIORITY_KEY, PRIORITY_NORMAL = "重点", "一般"
PRIORITIES = (PRIORITY_KEY, PRIORITY_NORMAL)
# 督查内容 by source (004 §二), as 分解立项 offers them, and 督查整改 for a campaign's rectification items.
SOURCE_TYPES = (
    "文件",
    "政府工作报告",
    "全体会议",
    "常务会议",
    "县长办公会议",
    "专题会议",
    "领导批示",
    "人大代表建议",
    "政协委员提案",
    "上级交办",
    "其他经领导批准的事项",
    "督查整改",
)

assert set(LIGHT_LABELS) == set(LIGHTS) and set(SORT_LABELS) == set(SORT_KEYS)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def light_label(light: str | None) -> str:
    return LIGHT_LABELS.get(light or "", NO_LIGHT_LABEL)
