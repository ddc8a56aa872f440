"""An inspection campaign's 督查通报 (Flow A, 炎陵 §三(一)6): what was inspected, the problems found with their
responsible units and time limits, and the 整改要求 — numbered 第N期 in the same yearly series as the office's
period bulletins. A pure builder; service.documents.campaign_publish gathers, numbers and stores it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.documents import layout
from service.documents.bulletin import ORDINALS

NO_PROBLEMS = "本次督查未发现需要整改的问题。"
DEFAULT_REQUIREMENTS = "请各责任单位对照问题清单，在规定时限内整改到位，并将整改情况按时报送县政府督查室。"


@dataclass(frozen=True)
class Problem:
    unit_name: str
    description: str
    time_limit_days: int | None


@dataclass(frozen=True)
class CampaignBulletinContent:
    year: int
    issue_no: int
    title: str
    campaign: str  # the campaign's name (督查事项)
    issued_on: date
    overview: str  # 基本情况, one paragraph
    problems: Sequence[Problem]
    requirements: str
    instruction: str = ""  # the leader's 批示 on the report, quoted when given
    issuer: str = layout.ISSUER


def overview_text(campaign: str, purpose: str, period: str, targets: str, groups: int) -> str:
    """一、基本情况 in one paragraph, from the campaign's 督查方案."""
    parts = [f"为{purpose.rstrip('。')}" if purpose else "", period or ""]
    lead = "，".join(p for p in parts if p)
    who = f"县政府督查室组织{groups}个督查组" if groups else "县政府督查室"
    whom = f"对{targets.rstrip('。')}" if targets else ""
    return f"{lead + '，' if lead else ''}{who}{whom}开展了{campaign}。"


def build_campaign_bulletin(content: CampaignBulletinContent) -> bytes:
    """The .docx bytes (A4, 公文 style)."""
    doc = layout.new_document()
    layout.masthead(doc, "督查通报", content.year, content.issue_no, content.issuer, content.issued_on, content.title)

    def problems() -> None:
        if not content.problems:
            layout.body(doc, NO_PROBLEMS)
        for n, p in enumerate(content.problems, start=1):
            limit = f"（整改时限：{p.time_limit_days}个工作日）" if p.time_limit_days else ""
            layout.body(doc, f"{p.description}{limit}", label=f"{n}. {p.unit_name}：")

    def requirements() -> None:
        if content.instruction:
            layout.body(doc, content.instruction, label="领导批示：")
        layout.body_lines(doc, content.requirements or DEFAULT_REQUIREMENTS)

    sections = [
        ("基本情况", lambda: layout.body(doc, content.overview)),
        ("发现的问题", problems),
        ("整改要求", requirements),
    ]
    for n, (name, write) in enumerate(sections):
        layout.heading(doc, f"{ORDINALS[n]}、{name}")
        write()
    layout.signature(doc, content.issuer, content.issued_on)
    return layout.to_bytes(doc)
