"""Excel workbooks the service writes (the ledger, the score sheets): one look and one safety rule.

Sheets are write-only (rows stream into them); cells holding text that came from users are written by
`text`, so a value shows as written and is never run as a formula.
"""

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

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def new_sheet(workbook: Workbook, title: str, columns: Sequence[tuple[str, int]]) -> WriteOnlyWorksheet:
    """A sheet with the columns (header, width in characters) and its header row: bold, shaded, centred,
    kept in view when scrolling and printed on every page."""
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _CENTER
        header.append(cell)
    sheet.append(header)
    return sheet


def text(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A cell value that Excel shows as written: control characters dropped, and a leading "=" kept as
    text rather than run as a formula (process data, titles and reasons are user input). Not text: as is."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def number(sheet: WriteOnlyWorksheet, value: Any, number_format: str) -> Any:
    """A number shown in `number_format` ("0.0#", "0.0%"); an empty cell for None."""
    if value is None:
        return ""
    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = number_format
    return cell


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
