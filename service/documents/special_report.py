"""督查专报 (004 §四.4, S4d): once a supervised item is 办结, the office reports the result to the leader who
assigned it (交办领导). A pure builder; service.documents.special_reports gathers, numbers and stores it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.documents import layout
from service.documents.bulletin import ORDINALS


@dataclass(frozen=True)
class UnitOutcome:
    unit_name: str
    role: str  # 牵头 / 协办
    rounds: int
    returns: int


@dataclass(frozen=True)
class SpecialReport:
    year: int
    issue_no: int  # 第N期 of the year's 督查专报
    to_leader: str  # the 交办领导's name, or "" when none was recorded
    business_number: str
    title: str
    source: str  # 来源类型 and 依据
    content: str
    lead_unit_name: str
    deadline: str
    closed_on: date | None
    summary: str  # 办理结果综述 (综合上报)
    instruction: str  # the leader's 批示 at 审阅
    outcomes: Sequence[UnitOutcome]
    issued_on: date
    issuer: str = layout.ISSUER


def build_special_report(report: SpecialReport) -> bytes:
    """The .docx bytes (A4, 公文 style)."""
    doc = layout.new_document()
    heading = f"关于《{report.title}》办理结果的报告"
    layout.masthead(doc, "督查专报", report.year, report.issue_no, report.issuer, report.issued_on, heading)
    if report.to_leader:
        layout.body(doc, f"{report.to_leader}：", indent=False)
    closed = f"，已于{layout.cn_date(report.closed_on)}办结销号" if report.closed_on else ""
    layout.body(
        doc,
        f"您交办的督办事项《{report.title}》（{report.business_number}，{report.source}），"
        f"由{report.lead_unit_name}牵头办理，完成时限为{report.deadline or '—'}{closed}。现将办理结果报告如下。",
    )

    def outcomes() -> None:
        if not report.outcomes:
            layout.body(doc, "无。")
        for n, o in enumerate(report.outcomes, start=1):
            again = f"，被退回重新办理{o.returns}次" if o.returns else ""
            layout.body(doc, f"{o.role}，共办理{o.rounds}轮{again}。", label=f"{n}. {o.unit_name}：")

    sections = [
        ("事项内容", lambda: layout.body_lines(doc, report.content or "—")),
        ("办理结果", lambda: layout.body_lines(doc, report.summary or "—")),
        ("各单位办理情况", outcomes),
        ("领导批示", lambda: layout.body_lines(doc, report.instruction or "无。")),
    ]
    for n, (name, write) in enumerate(sections):
        layout.heading(doc, f"{ORDINALS[n]}、{name}")
        write()
    layout.signature(doc, report.issuer, report.issued_on)
    return layout.to_bytes(doc)
