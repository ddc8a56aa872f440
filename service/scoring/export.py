"""A score sheet as an Excel workbook: sheet 得分 (one row per unit) and sheet 明细 (every line)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _text(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text shown as written: control characters dropped; a leading "=" stays text, never a formula
    (titles and reasons are user input)."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _number(sheet: WriteOnlyWorksheet, value: Any, number_format: str) -> Any:
    if value is None:
        return ""
    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = number_format
    return cell


def _sheet(workbook: Workbook, title: str, columns: Sequence[tuple[str, int]], caption: str) -> WriteOnlyWorksheet:
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _CENTER
        header.append(cell)
    sheet.append(header)
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.center.text = caption
    return sheet


def write_xlsx(sheet_data: ScoreSheet) -> bytes:
    workbook = Workbook(write_only=True)
    caption = f"{sheet_data.label}考核得分（考核规则第{sheet_data.rule_version}版）"
    scores = _sheet(workbook, SCORES_TITLE, SCORE_COLUMNS, caption)
    for u in sheet_data.units:
        scores.append(
            [
                _text(scores, u.unit_name),
                _number(scores, u.score, "0.0#"),
                _number(scores, u.on_time_rate, "0.0%"),
                _number(scores, u.deductions, "0.0#"),
                _number(scores, u.additions, "0.0#"),
                u.rank if u.rank is not None else "",
                u.rule_version,
            ]
        )
    lines = _sheet(workbook, LINES_TITLE, LINE_COLUMNS, caption)
    for u in sheet_data.units:
        for line in u.lines:
            lines.append(
                [
                    _text(lines, u.unit_name),
                    RULE_NAMES.get(line.rule, line.rule),
                    _number(lines, line.points, "+0.0#;-0.0#;0"),
                    _text(lines, line.number),
                    _text(lines, line.title),
                    line.day.isoformat(),
                    _text(lines, line.explanation),
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
