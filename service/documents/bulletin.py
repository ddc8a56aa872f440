"""督查通报 第N期 (bulletin): overall figures, units praised and criticised with reasons, 整改要求, and the
period's ledger appended as a landscape table. A pure builder; service.documents.bulletins gathers and stores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from docx.document import Document as DocumentType
from docx.shared import Mm

from service.documents import layout
from service.documents.bulletin_figures import LedgerLine, Period

LEDGER_HEADERS = ("序号", "编号", "事项", "牵头单位", "协办单位", "时限", "状态", "亮灯", "销号日期")
_WIDTHS = tuple(Mm(w) for w in (10, 32, 54, 26, 28, 20, 22, 12, 21))  # landscape A4 text width 225 mm
ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class BulletinContent:
    year: int
    issue_no: int
    title: str
    period: Period
    issued_on: date
    totals: Mapping[str, int]
    praise: Sequence[tuple[str, str]]  # (unit name, reason)
    criticism: Sequence[tuple[str, str]]
    requirements: str
    lines: Sequence[LedgerLine]
    issuer: str = layout.ISSUER


def summary_text(period: Period, totals: Mapping[str, int]) -> str:
    """一、总体情况 in one sentence (also shown on the generate page)."""
    t = totals
    return (
        f"{period.label}，到期督办事项{t['due']}件，其中按期办结{t['on_time']}件，"
        f"逾期{t['overdue']}件（其中逾期未办结{t['overdue_open']}件），尚在办理{t['open']}件；"
        f"期内销号{t['closed']}件；办理情况被退回重新办理{t['returned']}次，涉及事项{t['returned_items']}件。"
    )


def _mentions(doc: DocumentType, mentions: Sequence[tuple[str, str]], none: str) -> None:
    if not mentions:
        layout.body(doc, none)
    for n, (unit_name, reason) in enumerate(mentions, start=1):
        layout.body(doc, reason, label=f"{n}. {unit_name}：")


def _ledger(doc: DocumentType, content: BulletinContent) -> None:
    layout.landscape_section(doc)
    layout.body(doc, "附件", indent=False)
    layout.centred(doc, f"督办事项台账（{content.period.label}）", bold=True)
    rows = [
        (
            str(n),
            line.business_number,
            line.title,
            line.lead_unit_name,
            "、".join(line.co_unit_names),
            line.deadline,
            line.status_label,
            line.light_label,
            line.closed_on.isoformat() if line.closed_on else "",
        )
        for n, line in enumerate(content.lines, start=1)
    ]
    if rows:
        layout.grid(doc, LEDGER_HEADERS, rows, _WIDTHS)
    else:
        layout.body(doc, "本期无到期或销号的督办事项。")


def build_bulletin(content: BulletinContent) -> bytes:
    """The .docx bytes of the bulletin (A4, 公文 style; the ledger on landscape pages)."""
    doc = layout.new_document()
    layout.masthead(doc, "督查通报", content.year, content.issue_no, content.issuer, content.issued_on, content.title)
    sections = [
        ("总体情况", lambda: layout.body(doc, summary_text(content.period, content.totals))),
        ("通报表扬", lambda: _mentions(doc, content.praise, "本期无通报表扬的单位。")),
        ("通报批评", lambda: _mentions(doc, content.criticism, "本期无通报批评的单位。")),
        ("整改要求", lambda: layout.body_lines(doc, content.requirements or "无。")),
    ]
    for n, (name, write) in enumerate(sections):
        layout.heading(doc, f"{ORDINALS[n]}、{name}")
        write()
    layout.body(doc, f"附件：督办事项台账（{content.period.label}）")
    layout.signature(doc, content.issuer, content.issued_on)
    _ledger(doc, content)
    return layout.to_bytes(doc)
