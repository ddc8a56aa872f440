"""A score sheet as an Excel workbook: sheet 得分 (one row per unit) and sheet 明细 (every line)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from service.access import audit_log
from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.documents import xlsx
from service.scoring.use_cases import ScoreSheet

SCORES_TITLE, LINES_TITLE = "得分", "明细"
SCORE_COLUMNS = (
    ("单位", 24),
    ("得分", 10),
    ("按时办结率", 12),
    ("扣分", 10),
    ("加分", 10),
    ("排名", 6),
    ("规则版本", 10),
)
LINE_COLUMNS = (
    ("单位", 24),
    ("规则", 16),
    ("分值", 8),
    ("编号", 20),
    ("事项/通报", 30),
    ("日期", 12),
    ("说明", 80),
)
RULE_NAMES = {
    "overdue_lead": "逾期（牵头）",
    "overdue_co": "逾期（协办）",
    "overdue_workday": "逾期工作日",
    "return_redo": "退回重办",
    "praise": "通报表扬",
    "criticism": "通报批评",
}


def _sheet(workbook: Workbook, title: str, columns: Sequence[tuple[str, int]], caption: str) -> WriteOnlyWorksheet:
    sheet = xlsx.new_sheet(workbook, title, columns)
    sheet.oddFooter.center.text = caption
    return sheet


def write_xlsx(sheet_data: ScoreSheet) -> bytes:
    workbook = Workbook(write_only=True)
    caption = f"{sheet_data.label}考核得分（考核规则第{sheet_data.rule_version}版）"
    scores = _sheet(workbook, SCORES_TITLE, SCORE_COLUMNS, caption)
    for u in sheet_data.units:
        scores.append(
            [
                xlsx.text(scores, u.unit_name),
                xlsx.number(scores, u.score, "0.0#"),
                xlsx.number(scores, u.on_time_rate, "0.0%"),
                xlsx.number(scores, u.deductions, "0.0#"),
                xlsx.number(scores, u.additions, "0.0#"),
                u.rank if u.rank is not None else "",
                u.rule_version,
            ]
        )
    lines = _sheet(workbook, LINES_TITLE, LINE_COLUMNS, caption)
    for u in sheet_data.units:
        for line in u.lines:
            lines.append(
                [
                    xlsx.text(lines, u.unit_name),
                    RULE_NAMES.get(line.rule, line.rule),
                    xlsx.number(lines, line.points, "+0.0#;-0.0#;0"),
                    xlsx.text(lines, line.number),
                    xlsx.text(lines, line.title),
                    line.day.isoformat(),
                    xlsx.text(lines, line.explanation),
                ]
            )
    return xlsx.workbook_bytes(workbook)


def export_xlsx(uow: UnitOfWork, actor: Principal, sheet: ScoreSheet, now: datetime) -> bytes:
    """The sheet as a workbook for someone who may see it (`scores` checked that); an auditor's export is
    in the audit log (who, which period, which unit)."""
    body = write_xlsx(sheet)
    period = sheet.period or f"{sheet.start:%Y%m%d}-{sheet.end:%Y%m%d}"
    unit = {"unit": sheet.units[0].unit} if len(sheet.units) == 1 else {}
    details = {"export": "考核得分", "period": period, **unit}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_EXPORTED, now, f"考核得分 {sheet.label}", details)
    return body
