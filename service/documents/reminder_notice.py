"""催办通知 (reminder notice): urging the handling units of an item before or after its deadline.

A pure builder: the manual 催办 use case gathers the facts and decides who is reminded; this only prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from service.documents import layout


@dataclass(frozen=True)
class ReminderNotice:
    business_number: str  # original number 督办〔2026〕第3号
    title: str
    unit_names: list[str]  # 承办单位 reminded
    original_deadline: date
    days_overdue: int  # working days overdue (0 if not yet overdue)
    new_deadline: date | None  # 限期办结 date, or None
    message: str  # 催办要求 text from 督查室
    issued_at: datetime  # aware
    issued_by: str  # display name
    reminder_no: int  # 第N次催办 for this item
    days_left: int = 0  # working days until the deadline (0 when due today or overdue)
    near_days: int = 3  # "即将届满" only this close to the deadline (DUBAN_YELLOW_WORKDAYS)


def _situation(notice: ReminderNotice) -> str:
    day = layout.cn_date(notice.issued_at)
    if notice.days_overdue > 0:
        return f"截至{day}，已超过办理时限{notice.days_overdue}个工作日，仍未办结。"
    if notice.days_left > notice.near_days:
        return f"截至{day}，尚未办结，距办理时限还有{notice.days_left}个工作日。"
    if notice.days_left > 0:
        return f"截至{day}，尚未办结，办理时限即将届满（还有{notice.days_left}个工作日）。"
    return f"截至{day}，尚未办结，今天办理时限届满。"


def _demand(notice: ReminderNotice) -> str:
    if notice.new_deadline is not None:
        return f"请于{layout.cn_date(notice.new_deadline)}前办结，并将办理情况书面报送{layout.ISSUER}。"
    return f"请抓紧办理，尽快将办理情况书面报送{layout.ISSUER}。"


def build_reminder_notice(notice: ReminderNotice) -> bytes:
    """The .docx bytes of the notice (A4, 公文 style)."""
    if notice.issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    units = "、".join(notice.unit_names) or "各承办单位"
    doc = layout.new_document()
    layout.title(doc, "催办通知")
    layout.centred(doc, f"（第{notice.reminder_no}次催办）")
    layout.right(doc, f"原督办编号：{notice.business_number}")
    layout.body(doc, f"{units}：", indent=False)
    layout.body(
        doc,
        f"你单位承办的督办事项《{notice.title}》（{notice.business_number}），"
        f"办理时限为{layout.cn_date(notice.original_deadline)}，{_situation(notice)}"
        f"现予第{notice.reminder_no}次催办。",
    )
    lines = [line.strip() for line in notice.message.splitlines() if line.strip()]
    if lines:
        layout.body(doc, lines[0], label="催办要求：")
        layout.body_lines(doc, "\n".join(lines[1:]))
    layout.body(doc, _demand(notice))
    fields = [
        ("督办编号", notice.business_number),
        ("事项名称", notice.title),
        ("承办单位", units),
        ("原办理时限", layout.cn_date(notice.original_deadline)),
        ("逾期情况", f"逾期{notice.days_overdue}个工作日" if notice.days_overdue > 0 else "未逾期"),
        ("限期办结", layout.cn_date(notice.new_deadline) if notice.new_deadline else "—"),
        ("催办次数", f"第{notice.reminder_no}次"),
        ("催办人", notice.issued_by),
    ]
    doc.add_paragraph()
    layout.field_table(doc, fields)
    layout.signature(doc, layout.ISSUER, notice.issued_at)
    return layout.to_bytes(doc)
