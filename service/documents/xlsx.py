"""Excel workbooks the service writes (the ledger, the score sheets): one look and one safety rule.

Sheets are write-only (rows stream into them); cells holding text that came from users are written by
`text`, so a value shows as written and is never run as a formula.

A sheet of many rows (the 台账's 100,000) is written by `stream_rows`: openpyxl's write-only workbook
makes the file with its header row, looks and filter, and the data rows are streamed into that sheet's
XML as inline strings — openpyxl spends ~0.4 ms on a row of 13 cells (40 s for 100,000), this ~0.03 ms
(docs/decisions/0023-ledger-at-scale.md).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
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


EXCEL_CELL_LIMIT = 32_767  # characters Excel holds in one cell
_ROWS_PER_WRITE = 500


_SEP = "\uffff"  # a noncharacter: joins a row's texts so that they are cleaned and escaped in one pass
_TEXT = '<c t="inlineStr"><is><t xml:space="preserve">'  # an inline string: text, never a formula


def _row_xml(r: int, values: Sequence[Any]) -> str:
    """One <row>: cells in order without references (each cell is the next column; an empty one is <c/>)."""
    texts = [v.replace(_SEP, "") for v in values if isinstance(v, str) and v != ""]
    if texts:
        joined = ILLEGAL_CHARACTERS_RE.sub("", _SEP.join(texts))
        texts = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split(_SEP)
    cells, i = [], 0
    for v in values:
        if v is None or v == "":
            cells.append("<c/>")
        elif isinstance(v, str):
            cells.append(f"{_TEXT}{texts[i][:EXCEL_CELL_LIMIT]}</t></is></c>")
            i += 1
        elif isinstance(v, bool):
            cells.append(f'<c t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            cells.append(f'<c t="n"><v>{v}</v></c>')
        else:
            cells.append(f"{_TEXT}{escape_text(str(v))}</t></is></c>")
    return f'<row r="{r}">{"".join(cells)}</row>'


def escape_text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT]
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def stream_rows(template: bytes, rows: Iterable[Sequence[Any]], *, columns: int) -> tuple[bytes, int]:
    """(the .xlsx, rows written): `template` — a one-sheet workbook holding only its header row, with an
    auto filter over it — with `rows` after the header (values: text, numbers, None for empty). The sheet's
    XML is streamed into the new file, so memory holds the compressed file, not the rows."""
    last = get_column_letter(columns)
    source = zipfile.ZipFile(io.BytesIO(template))
    sheet_name = "xl/worksheets/sheet1.xml"
    head, tail = source.read(sheet_name).decode("utf-8").split("</sheetData>", 1)
    out = io.BytesIO()
    n = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        with target.open(sheet_name, "w", force_zip64=True) as sheet:
            sheet.write(head.encode("utf-8"))
            chunk: list[str] = []
            for n, values in enumerate(rows, start=1):  # noqa: B007 - n is the row count afterwards
                chunk.append(_row_xml(n + 1, values))
                if len(chunk) >= _ROWS_PER_WRITE:
                    sheet.write("".join(chunk).encode("utf-8"))
                    chunk = []
            sheet.write("".join(chunk).encode("utf-8"))
            filtered = tail.replace(f'<autoFilter ref="A1:{last}1"', f'<autoFilter ref="A1:{last}{n + 1}"', 1)
            sheet.write(("</sheetData>" + filtered).encode("utf-8"))
        for info in source.infolist():
            if info.filename == sheet_name:
                continue
            body = source.read(info.filename)
            if info.filename == "xl/workbook.xml":  # the filter's defined name covers the rows too
                pattern = rf"(_xlnm\._FilterDatabase[^>]*>[^<]*!\$A\$1:\${last})\$1<"
                body = re.sub(pattern.encode(), rf"\g<1>${n + 1}<".encode(), body, count=1)
            target.writestr(info.filename, body)
    return out.getvalue(), n
