"""督查通知 (炎陵 §三(一)3): issued by the lead unit before field work — what is inspected, why, when, whom,
how, the groups with their leaders and members, and what the result is used for. A pure builder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.documents import layout


@dataclass(frozen=True)
class Group:
    name: str
    leader: str
    members: Sequence[str]


@dataclass(frozen=True)
class InspectionNotice:
    business_number: str
    title: str
    purpose: str
    basis: str
    period: str
    targets: str
    content: str
    method: str
    groups: Sequence[Group]
    result_use: str
    issued_on: date
    issuer: str = layout.ISSUER


def build_inspection_notice(notice: InspectionNotice) -> bytes:
    doc = layout.new_document()
    layout.title(doc, f"关于开展{notice.title}的通知")
    layout.right(doc, notice.business_number)
    layout.body(doc, f"{notice.targets or '各有关单位'}：", indent=False)
    purpose, basis = notice.purpose.rstrip("。") or "推动工作落实", notice.basis or "工作安排"
    layout.body(doc, f"为{purpose}，根据{basis}，决定开展{notice.title}。现将有关事项通知如下。")
    rows = [
        ("督查时间", notice.period),
        ("督查对象", notice.targets),
        ("督查内容", notice.content),
        ("督查方式", notice.method or "采取“四不两直”方式，明察暗访相结合"),
        ("督查结果运用", notice.result_use),
    ]
    for label, text in rows:
        if text:
            layout.body(doc, text, label=f"{label}：")
    layout.heading(doc, "督查分组")
    for n, g in enumerate(notice.groups, start=1):
        members = "、".join(g.members) if g.members else "—"
        layout.body(doc, f"组长：{g.leader}；成员：{members}", label=f"{n}. {g.name}：")
    layout.body(doc, "请各被督查单位如实提供情况，积极配合督查工作。")
    layout.signature(doc, notice.issuer, notice.issued_on)
    return layout.to_bytes(doc)
